"""An open-side attacker: which columns of a blinded dataset or an open output are a function of the arm.

A column leaks the arm when the subjects' values of it (a subject's signature: the distinct values of its
records, joined) split the randomized subjects into arm-pure groups: more than `min_size` subjects each,
more than one arm among those groups (EXDOSE 0 for every placebo subject, 1.5 for every active one). The
outcome of a working treatment (efficacy values, AEs) is not a function of the arm and is not caught.
"""
import re

import pandas as pd

DOSE_COLUMN = re.compile(r"^(A|EX|EC)?DOS[EU]$|DOSE$|^AVGDD$|^(ADOSE|CUMDOSE|DOSE)", re.I)


def signatures(frame: pd.DataFrame, subject: str) -> pd.DataFrame:
    """Per subject (index) and column: the sorted distinct values of the subject's records, joined."""
    d = frame.drop(columns=[subject]).astype("string").fillna("")
    return d.groupby(frame[subject].astype("string").to_numpy(), sort=True).agg(lambda v: "|".join(sorted(set(v))))


def arm_pure_columns(frame: pd.DataFrame, subject: str, arms: pd.Series, min_size: int = 5) -> dict[str, dict]:
    """Columns whose signatures partition the randomized subjects (`arms`: USUBJID -> arm) into arm-pure
    groups of more than `min_size` subjects of more than one arm: {column: {value: (arm, subjects)}}."""
    sig = signatures(frame, subject)
    arm = arms.reindex(sig.index)
    out = {}
    for col in sig.columns:
        t = pd.DataFrame({"value": sig[col], "arm": arm}).dropna(subset=["arm"])
        g = t.groupby("value")["arm"].agg(["nunique", "size", "first"])
        pure = g[(g["nunique"] == 1) & (g["size"] > min_size)]
        if pure["first"].nunique() > 1:
            out[col] = {v: (r["first"], int(r["size"])) for v, r in pure.iterrows()}
    return out


def dose_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if DOSE_COLUMN.search(str(c))]
