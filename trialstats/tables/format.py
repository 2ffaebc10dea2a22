"""One registry of display formats: every number in a displayed table is formatted here."""
from __future__ import annotations

import math

import pandas as pd


def fmt_p(p: float) -> str:
    """p-values with 4 decimals (a Fisher p of 0.0496 must not print as 0.050), <0.0001 below."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return ""
    return "<0.0001" if p < 0.0001 else f"{p:.4f}"


FORMATS = {
    "count": lambda v: f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}",
    "pct": lambda v: f"{v:.1f}",
    "pp": lambda v: f"{100 * v:.2f}",            # a difference of proportions, percentage points
    "ratio": lambda v: f"{v:.2f}",
    "p": fmt_p,
    "df": lambda v: f"{v:.1f}",
}


def fmt(value, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return FORMATS[kind](value)


def fmt_fixed(value, decimals: int) -> str:
    """A number with a given number of decimals (a summary shown at the precision of its data)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.{int(decimals)}f}"


def n_over_n_pct(n, big_n, pct) -> str:
    return f"{fmt(n, 'count')}/{fmt(big_n, 'count')} ({fmt(pct, 'pct')}%)"


def estimate_ci(est, lower, upper, kind: str) -> str:
    return f"{fmt(est, kind)} ({fmt(lower, kind)}, {fmt(upper, kind)})"


def stat(ard: pd.DataFrame, **where) -> float:
    """The one statistic of an ARD matching the given column values."""
    sel = pd.Series(True, index=ard.index)
    for col, val in where.items():
        sel &= ard[col] == val
    if sel.sum() != 1:
        raise KeyError(f"{sel.sum()} ARD rows match {where}")
    return float(ard.loc[sel, "stat"].iloc[0])
