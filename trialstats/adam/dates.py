"""Dates, date-times and study days (no day 0)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..columns import per_distinct

_DATE = r"^\d{4}-\d{2}-\d{2}"


def compute_dt(dtc: pd.Series) -> pd.Series:
    """ISO 8601 --DTC text -> date (datetime64, time dropped); partial or blank -> NaT."""
    return per_distinct(dtc.astype("string"), _each_dt)


def _each_dt(text: pd.Series) -> pd.Series:
    dated = text.str.match(_DATE).fillna(False).astype(bool)
    return pd.to_datetime(text.str.slice(0, 10).where(dated), format="%Y-%m-%d", errors="coerce")


def compute_dtm(dtc: pd.Series) -> pd.Series:
    """ISO 8601 text -> date-time where a time is recorded, else NaT."""
    return per_distinct(dtc.astype("string"), _each_dtm)


def _each_dtm(text: pd.Series) -> pd.Series:
    has_time = text.str.contains("T", regex=False).fillna(False).astype(bool)
    return pd.to_datetime(text.where(has_time), format="ISO8601", errors="coerce")


def compute_study_day(dt: pd.Series, ref: pd.Series) -> pd.Series:
    """Study day relative to reference date: day 1 = ref, the day before = -1 (no day 0)."""
    diff = (dt - ref).dt.days
    day = np.where(diff >= 0, diff + 1, diff)
    return pd.Series(day, index=dt.index).where(dt.notna() & ref.notna()).astype("Int64")


def compute_on_or_before(dt: pd.Series, dtm: pd.Series, ref_dt: pd.Series, ref_dtm: pd.Series) -> pd.Series:
    """Record is on or before the reference (first dose): earlier day, or the same day and not
    after the dose time (a same-day record without a time counts as before the dose)."""
    same_day = dt == ref_dt
    after_dose_time = dtm.notna() & ref_dtm.notna() & (dtm > ref_dtm)
    return ((dt < ref_dt) | (same_day & ~after_dose_time)).fillna(False).astype(bool)
