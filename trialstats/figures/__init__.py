"""Figures (matplotlib), one function per figure id; saved byte-stable by save_figure."""
