"""ISO 8601 dates (base layer): parsing of --DTC text of any precision, study days (no day 0) and the
admiral-style imputation of partial dates."""
from __future__ import annotations

import calendar
import datetime
import functools
import re

import numpy as np
import pandas as pd

from .columns import per_distinct

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


# a complete date, optionally with a time to the minute or finer (the form a data cut compares)
ISO_DATE = r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?"


def parse_dates(values: pd.Series) -> pd.Series:
    """Complete ISO 8601 dates or date-times (ISO_DATE) -> datetime64 day (time dropped); anything else,
    a partial date included, -> NaT."""
    return per_distinct(values.astype("string"), _parse_each_date)


def _parse_each_date(text: pd.Series) -> pd.Series:
    ok = text.str.fullmatch(ISO_DATE).fillna(False).astype(bool)
    return pd.to_datetime(text.where(ok).str.slice(0, 10), format="%Y-%m-%d", errors="coerce")


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


# --- partial dates (ISO 8601 of any precision) and their imputation ---------------------------

# YYYY, YYYY-MM, YYYY-MM-DD, then an optional time of any precision; a missing month with a
# known day ("2016---15", SDTM IG 4.4.4) is read at year precision.
ISO_PARTIAL = r"(\d{4})(?:-(\d{2}|-)(?:-(\d{2}))?)?(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.\d+)?)?)?)?"


def compute_dt_bounds(dtc: pd.Series) -> pd.DataFrame:
    """ISO 8601 --DTC text of any precision -> the earliest and latest day it can mean (LO, HI)
    and its precision (PREC: "D" a full date, "M" year and month, "Y" a year only, "" blank or
    unreadable). A complete date has LO == HI."""
    codes, uniques = pd.factorize(dtc.astype("string"))      # the work once per distinct text
    bounds = [_bounds(str(u)) for u in uniques] + [(None, None, "")]   # code -1: blank
    lo, hi, prec = zip(*bounds)
    take = np.asarray(codes)
    return pd.DataFrame({"LO": np.array(lo, dtype="datetime64[ns]")[take],
                         "HI": np.array(hi, dtype="datetime64[ns]")[take],
                         "PREC": np.array(prec, dtype=object)[take]}, index=dtc.index)


_ISO_PARTIAL = re.compile(ISO_PARTIAL)


@functools.lru_cache(maxsize=65536)
def _bounds(text: str) -> tuple:
    """(earliest day, latest day, precision) of one ISO 8601 text; (None, None, "") if not valid."""
    m = _ISO_PARTIAL.fullmatch(text)
    if m is None:
        return None, None, ""
    year = int(m.group(1))
    month = None if m.group(2) in (None, "-") else int(m.group(2))
    day = None if month is None or m.group(3) is None else int(m.group(3))
    try:
        if day is not None:
            d = datetime.date(year, month, day)
            return d, d, "D"
        if month is not None:
            last = calendar.monthrange(year, month)[1]
            return datetime.date(year, month, 1), datetime.date(year, month, last), "M"
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31), "Y"
    except ValueError:                   # month 13, 30 February, ...
        return None, None, ""


def is_iso_date(dtc: pd.Series) -> pd.Series:
    """A valid ISO 8601 date or date-time of any precision (blank counts as valid: not given)."""
    return (compute_dt_bounds(dtc)["PREC"] != "") | dtc.isna()


IMPUTATION_FLAG = {"D": None, "M": "D", "Y": "M", "": "Y"}


def derive_vars_dt_imputed(dtc: pd.Series, how: str, min_dates: pd.Series | None = None,
                           max_dates: list[pd.Series] = ()) -> pd.DataFrame:
    """Impute a partial --DTC to a date, the admiral way (derive_vars_dt):

    how="first" (start dates) takes the first day of the period the date allows, how="last" (end
    dates) the last day. A `min_dates` date (the first dose) inside the period replaces a first
    imputation that would fall before it, so an event of the month of the first dose is not moved
    before the dose; each `max_dates` date (death, data cut) inside the period caps a last
    imputation after it. A blank start date is imputed to the min date (an event of unknown onset
    counts from the first dose: conservatively treatment-emergent); a blank end date stays missing
    (ongoing). Returns DT and the flag DTF ("D" day,
    "M" month and day, "Y" year imputed; blank for a complete date)."""
    b = compute_dt_bounds(dtc)
    if how == "first":
        dt = b["LO"].copy()
        if min_dates is not None:
            move = min_dates.notna() & (dtc.isna() | ((b["PREC"] != "D") & (b["LO"] < min_dates)
                                                      & (min_dates <= b["HI"])))
            dt = dt.mask(move, min_dates)
    else:
        dt = b["HI"].copy()
        for cap in max_dates:
            within = cap.notna() & (b["PREC"] != "D") & (dt > cap) & (b["LO"] <= cap)
            dt = dt.mask(within, cap)
    flag = pd.Series(b["PREC"].map(IMPUTATION_FLAG).to_numpy(), index=dtc.index, dtype="string")
    flag = flag.mask(dtc.isna(), "Y").where(dt.notna())
    return pd.DataFrame({"DT": dt.astype("datetime64[ns]"), "DTF": flag}, index=dtc.index)
