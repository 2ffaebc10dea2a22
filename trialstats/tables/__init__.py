"""Analysis results datasets (ARD) and their formatting."""
