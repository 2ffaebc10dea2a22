"""Changes since the last data cut (o_since_last, a_since_last): key numbers then and now, and the
records that are new. Deaths are ADSL's DTHFL (the one definition, adam/adsl.py); an AESI is a TEAE
under any CQnnNAM; treatment emergence is ADAE's TRTEMFL."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..adam.adsl import is_dead
from ..adam.occds import is_aesi

AE_KEY = ["USUBJID", "AEDECOD", "ASTDT"]
KEY_NUMBERS = ("Screened", "Randomized / enrolled", "Full analysis set", "Completed", "Discontinued",
               "Subjects with a TEAE", "Subjects with a serious TEAE", "Subjects with an AESI", "Deaths")


def key_numbers(adsl: pd.DataFrame, adae: pd.DataFrame, arm: str | None) -> pd.DataFrame:
    """Item x group counts at one cut (groups: the arms, or "All subjects"); subjects without an arm are
    left out of a by-arm count, and the screened are counted only pooled."""
    group = adsl[arm] if arm else pd.Series("All subjects", index=adsl.index)
    a = adsl.assign(G=group)
    te = adae[adae["TRTEMFL"] == "Y"].merge(a[["USUBJID", "G"]], on="USUBJID")
    rows = {"Screened": a.groupby("G").size() if not arm else None,
            "Randomized / enrolled": a[a["ENRLFL"] == "Y"].groupby("G").size(),
            "Full analysis set": a[a["FASFL"] == "Y"].groupby("G").size(),
            "Completed": a[a["EOSSTT"] == "COMPLETED"].groupby("G").size(),
            "Discontinued": a[(a["EOSSTT"] == "DISCONTINUED") & (a["ENRLFL"] == "Y")].groupby("G").size(),
            "Subjects with a TEAE": te.groupby("G")["USUBJID"].nunique(),
            "Subjects with a serious TEAE": te[te["AESER"] == "Y"].groupby("G")["USUBJID"].nunique(),
            "Subjects with an AESI": te[is_aesi(te)].groupby("G")["USUBJID"].nunique(),
            "Deaths": a[is_dead(a)].groupby("G")["USUBJID"].nunique()}
    groups = list(dict.fromkeys(group.dropna())) if arm else ["All subjects"]
    out = pd.DataFrame({k: v for k, v in rows.items() if v is not None}).T.reindex(columns=groups)
    return out.fillna(0).astype(int)


def ard_since_last(prev: dict, cur: dict, arm: str | None) -> pd.DataFrame:
    """Long ARD: group1 ARM (or POOLED), variable = the item, stat_name previous | current."""
    then, now = (key_numbers(d["adsl"], d["adae"], arm) for d in (prev, cur))
    rows = []
    for item in now.index:
        for g in now.columns:
            p = int(then.loc[item, g]) if item in then.index and g in then.columns else 0
            for name, value in (("previous", p), ("current", int(now.loc[item, g]))):
                rows.append(dict(group1="ARM" if arm else "POOLED", group1_level=g, variable=item,
                                 variable_level="", stat_name=name, stat=value))
    return pd.DataFrame(rows, columns=["group1", "group1_level", "variable", "variable_level", "stat_name", "stat"])


def _new_aes(prev_adae: pd.DataFrame, cur_adae: pd.DataFrame, mask: pd.Series, what: str) -> pd.DataFrame:
    cur = cur_adae[(mask & (cur_adae["TRTEMFL"] == "Y")).fillna(False).astype(bool)]
    seen = set(map(tuple, prev_adae[AE_KEY].astype(str).to_numpy()))
    fresh = np.array([tuple(r) not in seen for r in cur[AE_KEY].astype(str).to_numpy()], dtype=bool)
    cols = [c for c in ("USUBJID", "AEBODSYS", "AEDECOD", "ASTDT", "AESEV", "AESER", "AEOUT") if c in cur]
    return cur[fresh][cols].sort_values(["USUBJID", "ASTDT"], kind="mergesort").assign(WHAT=what)


def listing_since_last(prev: dict, cur: dict, arm: str | None) -> pd.DataFrame:
    """The records new since the previous cut, one listing with WHAT = randomization | serious TEAE |
    death | AESI (deaths: subjects with ADSL DTHFL = Y now and not then, with DTHDT and DTHCAUS)."""
    p_adsl, c_adsl, p_adae, c_adae = prev["adsl"], cur["adsl"], prev["adae"], cur["adae"]
    randomized = p_adsl.loc[p_adsl["ENRLFL"] == "Y", "USUBJID"]
    new_rand = c_adsl[(c_adsl["ENRLFL"] == "Y") & ~c_adsl["USUBJID"].isin(randomized)]
    date = "RANDDT" if "RANDDT" in c_adsl and c_adsl["RANDDT"].notna().any() else "TRTSDT"
    parts = [new_rand[["USUBJID", date] + ([arm] if arm else [])].rename(columns={date: "DATE"})
             .assign(WHAT="randomization")]
    dead = c_adsl[is_dead(c_adsl) & ~c_adsl["USUBJID"].isin(p_adsl.loc[is_dead(p_adsl), "USUBJID"])]
    parts.append(dead[["USUBJID"] + [c for c in ("DTHDT", "DTHCAUS") if c in dead] + ([arm] if arm else [])]
                 .rename(columns={"DTHDT": "DATE"}).assign(WHAT="death"))
    for mask, what in ((c_adae["AESER"] == "Y", "serious TEAE"), (is_aesi(c_adae), "AESI")):
        new = _new_aes(p_adae, c_adae, mask, what)
        parts.append(new.merge(c_adsl[["USUBJID", arm]], on="USUBJID", how="left") if arm else new)
    out = pd.concat(parts, ignore_index=True)
    return out.rename(columns={arm: "ARM"}) if arm else out


def since_last_files(prev: dict, cur: dict, arm: str | None) -> dict[str, pd.DataFrame]:
    """The flow rule's since-last files: the key-number ARD and the listing of new records."""
    return {"since_last_ard": ard_since_last(prev, cur, arm), "since_last_new": listing_since_last(prev, cur, arm)}
