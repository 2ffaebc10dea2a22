"""Exposure of a study given as an ADaM folder: ADSL's subject-level duration, cumulative and average
daily dose, and ADEX's subject-level parameters, by actual arm; and the time at risk of the
exposure-adjusted incidence (first dose to the first onset, else the last day of exposure)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..columns import collected_decimals
from ..stats.rates import DAYS_PER_YEAR
from .shape import ard

# ADSL's exposure variables by role: the first present of each is summarised (ADaM IG names)
ADSL_EXPOSURE = (("duration", ("TRTDURD", "TRTDUR"), "days"), ("cumulative_dose", ("CUMDOSE",), None),
                 ("average_daily_dose", ("AVGDD",), None))
DURATION_CUTS = (28, 84, 168)     # days: 4, 12 and 24 weeks


def exposure_columns(adsl: pd.DataFrame) -> dict[str, str]:
    """Role -> the ADSL column that holds it (ADSL_EXPOSURE), for the roles ADSL has."""
    return {role: next(c for c in names if c in adsl) for role, names, _ in ADSL_EXPOSURE
            if any(c in adsl for c in names)}


def _stats(values: pd.Series) -> list[tuple[str, float]]:
    v = pd.to_numeric(values, errors="coerce").dropna()
    return [("n", len(v)), ("mean", v.mean()), ("sd", v.std(ddof=1) if len(v) > 1 else np.nan),
            ("median", v.median()), ("min", v.min()), ("max", v.max())]


def _summary(per: pd.DataFrame, arms: list[str], column: str, base: dict) -> list[dict]:
    return [dict(base, group1="ARM", group1_level=a, stat_name=k, stat=s)
            for a in arms for k, s in _stats(per.loc[per["ARM_"] == a, column])]


def duration_categories(cuts=DURATION_CUTS) -> list[tuple[str, float, float]]:
    """[(label, from, below)] of durations in days: "< 28 days", "28 - < 84 days", ..., ">= 168 days"."""
    edges = [-np.inf, *cuts, np.inf]
    label = lambda lo, hi: (f"< {hi:g} days" if lo == -np.inf else f">= {lo:g} days" if hi == np.inf  # noqa: E731
                            else f"{lo:g} - < {hi:g} days")
    return [(label(lo, hi), lo, hi) for lo, hi in zip(edges[:-1], edges[1:])]


def ard_exposure_adsl(adsl: pd.DataFrame, arms: list[str], units: dict | None = None,
                      cuts=DURATION_CUTS) -> pd.DataFrame:
    """Per actual arm (adsl: standardize_adsl, the safety subjects): n, mean, SD, median, min and max
    of each ADSL exposure variable (exposure_columns; variable_level: the column, group2_level its
    unit: days for the duration, else `units` of the column or blank), subjects by duration category
    (n, N, %) and the patient-years of exposure (the durations summed / 365.25)."""
    units, cols, rows = units or {}, exposure_columns(adsl), []
    for role, _, unit in ADSL_EXPOSURE:
        if role in cols:
            col = cols[role]
            rows += _summary(adsl, arms, col, dict(group2="UNIT", group2_level=unit or units.get(col, ""),
                                                   variable=role, variable_level=col))
    if "duration" in cols:
        days = pd.to_numeric(adsl[cols["duration"]], errors="coerce")
        for label, lo, hi in duration_categories(cuts):
            hit = days.ge(lo) & days.lt(hi)
            for a in arms:
                arm = adsl["ARM_"] == a
                n, big_n = int((hit & arm).sum()), int(arm.sum())
                b = dict(group1="ARM", group1_level=a, variable="duration_category", variable_level=label)
                rows += [dict(b, stat_name="n", stat=n), dict(b, stat_name="N", stat=big_n),
                         dict(b, stat_name="pct", stat=100 * n / big_n if big_n else np.nan)]
        for a in arms:
            d = days[adsl["ARM_"] == a].dropna()
            rows.append(dict(group1="ARM", group1_level=a, variable="patient_years", variable_level="duration",
                             stat_name="py", stat=d.sum() / DAYS_PER_YEAR if len(d) else np.nan))
    return ard(rows)


def ard_exposure_adex(adex: pd.DataFrame, adsl: pd.DataFrame, arms: list[str], units: dict | None = None
                      ) -> tuple[pd.DataFrame, list[str]]:
    """ADEX's subject-level parameters (one record per safety subject and PARAMCD) summarised per arm as
    ard_exposure_adsl does (variable_level: PARAMCD, its label PARAM in group2 "PARAM"; unit: AVALU,
    else `units` of the PARAMCD). Returns the ARD and the parameters not summarised, with why
    (several records per subject: a per-period or per-dose parameter)."""
    units = units or {}
    if not {"PARAMCD", "AVAL"} <= set(adex):
        return ard([]), ["ADEX has no PARAMCD and AVAL (not a BDS dataset): not summarised"]
    ex = adex[adex["USUBJID"].isin(adsl["USUBJID"])]
    ex = ex.assign(ARM_=ex["USUBJID"].map(adsl.set_index("USUBJID")["ARM_"]))
    rows, skipped = [], []
    for code, g in ex.groupby("PARAMCD", sort=False):
        label = str(g["PARAM"].iloc[0]) if "PARAM" in g else str(code)
        per = g["USUBJID"].value_counts()
        if per.max() > 1:
            skipped.append(f"{label}: up to {per.max()} records per subject, a per-period parameter, not summarised")
            continue
        unit = str(g["AVALU"].dropna().iloc[0]) if "AVALU" in g and g["AVALU"].notna().any() else units.get(code, "")
        rows += _summary(g, arms, "AVAL", dict(group2="UNIT", group2_level=unit, variable=label,
                                               variable_level=str(code)))
    return ard(rows), skipped


def exposure_decimals(frame: pd.DataFrame, columns: list[str]) -> dict[str, int]:
    """Column -> the decimals its values were collected with (min and max shown at these)."""
    return {c: collected_decimals(frame[c]) for c in columns if c in frame}


def time_at_risk_end(adsl: pd.DataFrame) -> tuple[pd.Series | None, str]:
    """The last day at risk of each safety subject without the event (USUBJID -> date): the first dose
    TRTSDT + the duration (TRTDURD/TRTDUR) - 1 day, else the last dose TRTEDT; and how it was taken.
    None with the reason where ADSL has neither (or no TRTSDT)."""
    if "TRTSDT" not in adsl:
        return None, "ADSL has no TRTSDT (the first dose): no time at risk"
    start = pd.to_datetime(adsl["TRTSDT"].astype("string"), errors="coerce", format="ISO8601")
    cols = exposure_columns(adsl)
    if "duration" in cols:
        days = pd.to_numeric(adsl[cols["duration"]], errors="coerce")
        end, how = start + pd.to_timedelta(days - 1, unit="D"), f"the last day of exposure ({cols['duration']} days)"
    elif "TRTEDT" in adsl:
        end = pd.to_datetime(adsl["TRTEDT"].astype("string"), errors="coerce", format="ISO8601")
        how = "the last dose (TRTEDT)"
    else:
        return None, "ADSL has neither a duration of exposure (TRTDURD) nor a last dose date (TRTEDT): no time at risk"
    return pd.Series(end.to_numpy(), index=adsl["USUBJID"].to_numpy()), how
