"""Analysis results data: numbers only, one function per output id (long ARD format, docs/ARD.md)."""
