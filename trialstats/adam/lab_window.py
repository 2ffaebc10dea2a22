"""The analysis window and the normal range of laboratory shift tables, declared, not guessed
(config adam_studies.<study>.labs): which post-baseline records count for the worst value, and what
puts a value below, within or above the normal range.

Windows: {"all": True} (every post-baseline record on or after the first dose, scheduled or not:
the default), {"flag": "ANL01FL"} (post-baseline records with the flag = Y), or {"visits":
"planned", "up_to_week": 24} (records of planned visits after week 0, up to the week if given:
visits with a week in their name, vocabulary.is_planned_visit). Ranges: "indicator" (the data's
ANRIND) or "limits" (AVAL against ANRLO/ANRHI, A1LO/A1HI where the data have no ANRLO/ANRHI).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..columns import numbers, per_distinct
from ..vocabulary import is_planned_visit, visit_week
from .standardize import is_baseline, is_post_baseline

DEFAULT_WINDOW = {"all": True}
DEFAULT_RANGE = "indicator"
RANGE_CATEGORIES = ("LOW", "NORMAL", "HIGH")


def in_shift_window(bds: pd.DataFrame, window: dict | None = None) -> pd.Series:
    """The post-baseline records of `window` (module docstring) in a frame of standardize_bds."""
    window = window or DEFAULT_WINDOW
    if window.get("all"):
        return is_post_baseline(bds)
    if "flag" in window:
        flag = window["flag"]
        if flag not in bds:
            raise KeyError(f"labs.shift_window flag: the laboratory data have no column {flag}")
        return is_post_baseline(bds) & bds[flag].astype("object").eq("Y").astype(bool)
    if window.get("visits") != "planned":
        raise ValueError(f"labs.shift_window: {window!r} is not a window; expected {{all: true}}, {{flag: <column>}} "
                         "or {visits: planned, up_to_week: <week>}")
    visit = bds["AVISIT"].astype("string")
    planned = per_distinct(visit, lambda v: v.map(lambda x: pd.notna(x) and is_planned_visit(x)).astype(bool))
    week = per_distinct(visit, lambda v: v.map(lambda x: visit_week(x) if pd.notna(x) else None).astype(float))
    keep = ~is_baseline(bds) & planned.astype(bool) & (week > 0)
    if window.get("up_to_week") is not None:
        keep &= week <= float(window["up_to_week"])
    return keep.fillna(False).astype(bool)


def range_category(bds: pd.DataFrame, source: str = DEFAULT_RANGE) -> pd.Series:
    """LOW, NORMAL or HIGH of each record (missing where it cannot be told): the data's ANRIND
    (source "indicator", spelled out by standardize_bds) or AVAL against the reference limits
    ("limits": below ANRLO low, above ANRHI high, else normal where a limit is known)."""
    if source == "indicator":
        return bds["ANRIND"].astype("object") if "ANRIND" in bds else pd.Series(np.nan, index=bds.index, dtype=object)
    if source != "limits":
        raise ValueError(f"labs.range: {source!r}; expected 'indicator' or 'limits'")
    value, low, high = (numbers(bds[c]) if c in bds else pd.Series(np.nan, index=bds.index)
                        for c in ("AVAL", "ANRLO", "ANRHI"))
    known = value.notna() & (low.notna() | high.notna())
    out = np.where(value < low, "LOW", np.where(value > high, "HIGH", "NORMAL"))
    return pd.Series(np.where(known, out, None), index=bds.index, dtype=object)


def window_text(window: dict | None = None) -> str:
    """The window as a footnote names it."""
    window = window or DEFAULT_WINDOW
    if window.get("all"):
        return "every post-baseline record on or after the first dose, scheduled or not"
    if "flag" in window:
        return f"the post-baseline records with {window['flag']} = Y"
    week = window.get("up_to_week")
    return ("planned visits after week 0" + (f" up to week {week:g}" if week is not None else "")
            + " (no unscheduled or end-of-treatment records)")


def limit_columns(bds: pd.DataFrame) -> str:
    """The columns of the lower and upper reference limits as standardize_bds reads them: ANRLO
    (else A1LO), ANRHI (else A1HI), e.g. "A1LO-A1HI"."""
    return f"{'ANRLO' if 'ANRLO' in bds else 'A1LO'}-{'ANRHI' if 'ANRHI' in bds else 'A1HI'}"


def range_text(source: str = DEFAULT_RANGE, limits: str = "ANRLO-ANRHI") -> str:
    """The range source as a footnote names it (`limits`: the columns, limit_columns)."""
    if source == "limits":
        return f"the reference limits {limits}: low below the lower limit, high above the upper limit"
    return "the data's reference range indicator ANRIND"


def lab_settings_listing(labs: dict | None, bds: pd.DataFrame) -> pd.DataFrame:
    """The shift window and normal range of config `labs` as the footnotes word them (FIELD, TEXT), for
    the report job, which does not read the laboratory data."""
    window, source = lab_settings(labs)
    return pd.DataFrame({"FIELD": ["lab_shift_window", "lab_range"],
                         "TEXT": [window_text(window), range_text(source, limit_columns(bds))]})


def lab_settings(labs: dict | None) -> tuple[dict, str]:
    """(window, range source) of config `labs`, the defaults where not declared."""
    labs = labs or {}
    return labs.get("shift_window") or DEFAULT_WINDOW, labs.get("range") or DEFAULT_RANGE
