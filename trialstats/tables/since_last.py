"""Display of the changes since the last data cut (ard/since_last.py): key numbers "then -> now (+new)"
and the new records by kind."""
from __future__ import annotations

import pandas as pd

from .format import humanize

NEW = (("randomization", "New randomizations / enrolments since the previous cut"),
       ("serious TEAE", "New serious adverse events"), ("death", "New deaths"),
       ("AESI", "New adverse events of special interest"))


def t_key_numbers(ard: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for item, sel in ard.groupby("variable", sort=False):
        row = {"Item": item}
        for group, cells in sel.groupby("group1_level", sort=False):
            then, now = (int(cells.loc[cells["stat_name"] == s, "stat"].iloc[0]) for s in ("previous", "current"))
            row[group] = f"{then} -> {now}" + (f" (+{now - then})" if now > then else "")
        rows.append(row)
    return pd.DataFrame(rows)


def t_since_last(ard: pd.DataFrame, listing: pd.DataFrame, previous_cut: str) -> list[tuple[str, pd.DataFrame]]:
    """The section's tables: key numbers, then the new randomizations, serious AEs, deaths and AESIs."""
    by_arm = ", by randomized arm" if (ard["group1"] == "ARM").any() else ""
    out = [(f"Key numbers at the previous cut ({previous_cut}) and now{by_arm}", t_key_numbers(ard))]
    for what, title in NEW:
        frame = listing[listing["WHAT"] == what].drop(columns="WHAT")
        blank = frame.isna() | frame.astype("string").fillna("").eq("")
        frame = frame.loc[:, ~blank.all()] if len(frame) else frame.iloc[:, :0]    # the columns of this kind
        out.append((title, humanize(frame, {"DATE": "Date", "DTHCAUS": "Cause of death"})))
    return out
