"""Analysis results data (ARD): numbers only, long format, one function per output id."""
