"""Changes since the last data cut: key numbers then vs now and what is new (open: pooled)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..adam.occds import is_aesi

AE_KEY = ["USUBJID", "AEDECOD", "ASTDT"]
SINCE_LAST = {"adsl", "adae"}      # the datasets the comparison reads


def _groups(adsl: pd.DataFrame, arm: str | None) -> pd.Series:
    return adsl[arm].fillna("Not randomized") if arm else pd.Series("All subjects", index=adsl.index)


def key_numbers(adsl: pd.DataFrame, adae: pd.DataFrame, arm: str | None) -> pd.DataFrame:
    a = adsl.assign(G=_groups(adsl, arm))
    te = adae[adae["TRTEMFL"] == "Y"].merge(a[["USUBJID", "G"]], on="USUBJID")
    aesi = is_aesi(te)
    rows = {"Screened": a.groupby("G").size() if not arm else None,
            "Randomized / enrolled": a[a["ENRLFL"] == "Y"].groupby("G").size(),
            "Full analysis set": a[a["FASFL"] == "Y"].groupby("G").size(),
            "Completed": a[a["EOSSTT"] == "COMPLETED"].groupby("G").size(),
            "Discontinued": a[(a["EOSSTT"] == "DISCONTINUED") & (a["ENRLFL"] == "Y")].groupby("G").size(),
            "Subjects with a TEAE": te.groupby("G")["USUBJID"].nunique(),
            "Subjects with a serious TEAE": te[te["AESER"] == "Y"].groupby("G")["USUBJID"].nunique(),
            "Subjects with an AESI": te[aesi].groupby("G")["USUBJID"].nunique(),
            "Deaths": te[te.get("AEOUT", pd.Series(index=te.index, dtype="object")) == "FATAL"].groupby("G")["USUBJID"].nunique()}
    out = pd.DataFrame({k: v for k, v in rows.items() if v is not None}).T.fillna(0).astype(int)
    return out.drop(columns=[c for c in out.columns if c == "Not randomized"])


def t_key_numbers(prev: tuple, cur: tuple, arm: str | None) -> pd.DataFrame:
    then, now = key_numbers(*prev, arm), key_numbers(*cur, arm)
    rows = []
    for item in now.index:
        row = {"Item": item}
        for g in now.columns:
            p = int(then.loc[item, g]) if item in then.index and g in then.columns else 0
            n = int(now.loc[item, g])
            row[g] = f"{p} -> {n}" + (f" (+{n - p})" if n > p else "")
        rows.append(row)
    return pd.DataFrame(rows)


def new_records(prev_adae: pd.DataFrame, cur_adae: pd.DataFrame, mask) -> pd.DataFrame:
    """AE records (serious, AESI, fatal ...) present now and not at the previous cut."""
    cur = cur_adae[(mask(cur_adae) & (cur_adae["TRTEMFL"] == "Y")).fillna(False).astype(bool)]
    seen = set(map(tuple, prev_adae[AE_KEY].astype(str).to_numpy()))
    fresh = np.array([tuple(r) not in seen for r in cur[AE_KEY].astype(str).to_numpy()], dtype=bool)
    new = cur[fresh]
    cols = [c for c in ("USUBJID", "AEBODSYS", "AEDECOD", "ASTDT", "AESEV", "AESER", "AEOUT") if c in new]
    return new[cols].sort_values(["USUBJID", "ASTDT"], kind="mergesort")


def since_last_tables(prev: dict, cur: dict, arm: str | None, prev_cut: str) -> list[tuple[str, pd.DataFrame]]:
    """The section's tables: key numbers, new randomizations, new serious AEs, deaths, AESI."""
    p_adsl, c_adsl = prev["adsl"], cur["adsl"]
    new_rand = c_adsl[(c_adsl["ENRLFL"] == "Y") & ~c_adsl["USUBJID"].isin(p_adsl.loc[p_adsl["ENRLFL"] == "Y", "USUBJID"])]
    date_col = "RANDDT" if "RANDDT" in c_adsl and c_adsl["RANDDT"].notna().any() else "TRTSDT"
    rand_cols = ["USUBJID", date_col] + ([arm] if arm else [])
    return [
        (f"Key numbers at the previous cut ({prev_cut}) and now", t_key_numbers((p_adsl, prev["adae"]), (c_adsl, cur["adae"]), arm)),
        ("New randomizations / enrolments since the previous cut", new_rand[rand_cols].rename(columns={arm: "Arm"} if arm else {})),
        ("New serious adverse events", new_records(prev["adae"], cur["adae"], lambda d: d["AESER"] == "Y")),
        ("New deaths (fatal adverse events)", new_records(prev["adae"], cur["adae"], lambda d: d.get("AEOUT") == "FATAL")),
        ("New adverse events of special interest", new_records(prev["adae"], cur["adae"], is_aesi)),
    ]
