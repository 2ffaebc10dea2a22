"""The heavy primary analyses in one piece (the pipeline shards them: rules primary_shard and primary)."""
import pandas as pd

from trialstats.tables.primary import ard_mi_pooled, ard_tipping_grid, mi_estimates, tipping_statement


def ard_mi(wide: pd.DataFrame, spec: dict, visits: list[str], labels, m: int, seed: int) -> pd.DataFrame:
    """The MI analysis in one piece: mi_estimates of all m imputations, pooled."""
    return ard_mi_pooled(mi_estimates(wide, spec, visits, labels, range(m), seed), wide, labels, m)


def ard_tipping_point(status: pd.DataFrame, labels, alpha: float = 0.05) -> tuple[pd.DataFrame, str]:
    """The tipping-point grid in one piece and its sentence."""
    grid = ard_tipping_grid(status, labels)
    return grid, tipping_statement(grid, status, labels, alpha)
