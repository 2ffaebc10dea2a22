"""The ARD shape, for the tables/ modules that still build their ARDs here (its home: trialstats.ard.shape)."""
from ..ard.shape import ARD_COLUMNS, ard  # noqa: F401
