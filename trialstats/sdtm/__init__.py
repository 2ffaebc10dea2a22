"""SDTM: domain specifications, loading, validation and the data cut."""
