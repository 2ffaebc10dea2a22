"""One registry of display formats: every number in a displayed table is formatted here, rounded half
away from zero on its decimal value (trialstats.numbers.decimal_text: 23.95 -> 24.0)."""
from __future__ import annotations

import math

import pandas as pd

from ..numbers import decimal_text
from ..vocabulary import visit_label


def fmt_p(p: float) -> str:
    """p-values with 4 decimals (a Fisher p of 0.0496 must not print as 0.050), <0.0001 below."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return ""
    return "<0.0001" if p < 0.0001 else decimal_text(p, 4)


def no_negative_zero(text: str) -> str:
    """"-0.0" -> "0.0": a value that rounds to zero is printed without a sign."""
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


FORMATS = {
    "count": lambda v: decimal_text(v, 0 if float(v).is_integer() else 1),
    "pct": lambda v: decimal_text(v, 1),
    "pp": lambda v: decimal_text(100 * v, 2),    # a difference of proportions, percentage points
    "ratio": lambda v: decimal_text(v, 2),
    "p": fmt_p,
    "df": lambda v: decimal_text(v, 1),
}


def fmt(value, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return no_negative_zero(FORMATS[kind](value))


def fmt_fixed(value, decimals: int) -> str:
    """A number with a given number of decimals (a summary shown at the precision of its data); never "-0.0"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return no_negative_zero(decimal_text(value, decimals))


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


# Column headers of listings: CDISC variable -> what a reader calls it
VARIABLE_LABELS = {
    "USUBJID": "Subject", "ARM": "Arm", "TRTSDT": "First infusion", "TRTEDT": "Last infusion",
    "EOSDT": "End of study", "DCSREAS": "Reason", "NINF": "Infusions received", "AGE": "Age (years)", "SEX": "Sex",
    "AEBODSYS": "System organ class", "AEDECOD": "Preferred term", "AETERM": "Reported term", "ASTDT": "Onset",
    "ASTDTF": "Onset imputed", "AENDT": "End", "AENDTF": "End imputed", "ASTDY": "Onset study day",
    "AESEV": "Severity", "AESER": "Serious", "AREL": "Related", "AEOUT": "Outcome", "AEACN": "Action taken",
    "HYPOLVL": "Hypoglycaemia level", "CRITID": "Criterion", "CATEGORY": "Category", "CRITERION": "Text",
    "METHOD": "Decided by", "VALUE": "Value", "DATA_FAIL": "Fails by the data", "INV_FAIL": "Fails by the investigator",
    "AGREE": "Agree", "PARAMCD": "Parameter code", "PARAM": "Parameter", "RECORDS": "Records", "SUBJECTS": "Subjects",
    "DECIMALS": "Decimals", "TABULATED": "Tabulated", "REASON": "Reason",
}
def dose_labels(dose_word: str = "infusion", doses_word: str = "infusions") -> dict[str, str]:
    """The headers of the dosing variables in the regimen's words (protocol.dose_words): "First infusion",
    "Infusions received" (VARIABLE_LABELS) or "First dose", "Doses received"."""
    return {"TRTSDT": f"First {dose_word}", "TRTEDT": f"Last {dose_word}",
            "NINF": f"{doses_word.capitalize()} received"}


IMPUTATION_FLAGS = {"D": "day", "M": "month and day", "Y": "year, month and day"}


def human_cell(value):
    """A cell as a person reads it: booleans as Yes/No, whole floats as integers, blanks blank."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, (bool,)) or type(value).__name__ == "bool_":
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return value


def humanize(frame: pd.DataFrame, labels: dict | None = None) -> pd.DataFrame:
    """A listing for people: headers from VARIABLE_LABELS (and `labels`), Yes/No for booleans,
    integers without ".0", imputation flags spelled out, upper-case terms in sentence case."""
    names = {**VARIABLE_LABELS, **(labels or {})}
    out = frame.copy()
    for col in out.columns:
        if col in ("ASTDTF", "AENDTF", "ADTF"):
            out[col] = out[col].map(lambda v: IMPUTATION_FLAGS.get(v, v))
        out[col] = out[col].astype(object).map(human_cell)
        if col in ("DCSREAS", "AESEV", "AREL", "AEOUT", "AEACN", "CATEGORY", "SEX") and len(out):
            out[col] = out[col].map(lambda v: v.capitalize() if isinstance(v, str) and v.isupper() else v)
    return out.rename(columns=names)


def readable_visits(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text cell of a display with its visit names as people write them (visit_label)."""
    return frame.apply(lambda col: col.map(lambda v: visit_label(v) if isinstance(v, str) else v))


def available_cell(available: int, expected: int, collected: bool) -> str:
    """n (%) of the expected with a value; "not collected at this visit" when no record has it."""
    if not collected and not available:
        return "not collected at this visit"
    return f"{available} ({decimal_text(100 * available / expected, 1)}%)" if expected else "0"
