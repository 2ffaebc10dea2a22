"""Listings: the records behind the tables, one function per output id, human headers."""
