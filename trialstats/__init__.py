"""trialstats: the library behind the trial analysis pipeline (never imports snakemake)."""
__version__ = "0.1.0"
