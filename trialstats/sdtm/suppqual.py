"""Supplemental qualifiers (SUPP-- domains, SDTM IG 8.4): each QNAM becomes a column of its parent.

A SUPP-- record names its parent record by RDOMAIN, USUBJID, IDVAR and IDVARVAL (IDVAR blank: a
subject-level qualifier, e.g. of DM). Its QVAL goes into column QNAM of that parent record. A
record whose parent is not there (an orphan) is not merged: it is listed with the reason, and the
record accounting counts it as excluded.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

SUPP_REQUIRED = ("RDOMAIN", "USUBJID", "QNAM", "QVAL")


def is_supp(domain: str) -> bool:
    return domain.startswith("SUPP") and len(domain) > 4


def parent_of(domain: str) -> str:
    return domain[4:]


def _parent_keys(parent: pd.DataFrame, supp: pd.DataFrame) -> np.ndarray:
    """For each SUPP record, the position of its parent record in `parent` (-1: none)."""
    idvar = supp["IDVAR"].astype("string") if "IDVAR" in supp else pd.Series(pd.NA, index=supp.index, dtype="string")
    idval = supp["IDVARVAL"].astype("string") if "IDVARVAL" in supp else pd.Series(pd.NA, index=supp.index,
                                                                                   dtype="string")
    pos = np.full(len(supp), -1, dtype=np.int64)
    rows = pd.Series(np.arange(len(parent)), index=parent.index)
    subj = parent["USUBJID"].astype("string")
    for var in idvar.dropna().unique():
        sel = (idvar == var).fillna(False).to_numpy()
        if var not in parent:
            continue
        value = parent[var]
        # --SEQ is numeric after typing; IDVARVAL is text ("3" or "3.0" both mean record 3)
        if pd.api.types.is_numeric_dtype(value):
            text = value.map(lambda v: "" if pd.isna(v) else (str(int(v)) if float(v).is_integer() else str(v)))
            want = pd.to_numeric(idval[sel], errors="coerce").map(
                lambda v: "" if pd.isna(v) else (str(int(v)) if float(v).is_integer() else str(v)))
        else:
            text, want = value.astype("string"), idval[sel]
        key = pd.Series(rows.to_numpy(), index=pd.MultiIndex.from_arrays([subj.to_numpy(), text.to_numpy()]))
        key = key[~key.index.duplicated(keep="first")]
        found = key.reindex(pd.MultiIndex.from_arrays([supp.loc[sel, "USUBJID"].astype("string").to_numpy(),
                                                       want.astype("string").to_numpy()]))
        pos[sel] = found.fillna(-1).astype(np.int64).to_numpy()
    subject_level = idvar.isna().to_numpy()
    if subject_level.any():
        first = pd.Series(rows.to_numpy(), index=subj.to_numpy())
        first = first[~first.index.duplicated(keep="first")]
        pos[subject_level] = first.reindex(supp.loc[subject_level, "USUBJID"].astype("string").to_numpy()
                                           ).fillna(-1).astype(np.int64).to_numpy()
    return pos


def supp_orphans(parent: pd.DataFrame | None, supp: pd.DataFrame) -> pd.Series:
    """True for each SUPP-- record without its parent record."""
    if parent is None:
        return pd.Series(True, index=supp.index)
    return pd.Series(_parent_keys(parent, supp) < 0, index=supp.index)


def merge_supp(parent: pd.DataFrame, supp: pd.DataFrame) -> pd.DataFrame:
    """The parent domain with one column per QNAM holding QVAL (blank where a record has none).
    A QNAM that is already a parent column keeps its name with the prefix SUPP."""
    pos = _parent_keys(parent, supp)
    ok = pos >= 0
    out = parent.copy()
    for qnam in sorted(supp.loc[ok, "QNAM"].dropna().unique()):
        sel = ok & (supp["QNAM"] == qnam).fillna(False).to_numpy()
        column = pd.Series(pd.NA, index=range(len(parent)), dtype="string")
        column.iloc[pos[sel]] = supp.loc[sel, "QVAL"].astype("string").to_numpy()
        name = qnam if qnam not in out else f"SUPP{qnam}"
        out[name] = column.to_numpy()
    return out


def merge_all_supp(domains: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Every SUPP-- merged onto its parent; (domains with the parents widened and the SUPP--
    frames kept for the accounting, listing of orphans: DOMAIN, ROW, USUBJID, IDVAR, IDVARVAL,
    QNAM, REASON)."""
    out = dict(domains)
    orphans = []
    for name in sorted(d for d in domains if is_supp(d)):
        supp, parent_name = domains[name], parent_of(name)
        parent = domains.get(parent_name)
        lost = supp_orphans(parent, supp)
        if parent is not None:
            out[parent_name] = merge_supp(parent, supp)
        if lost.any():
            rows = supp[lost]
            orphans.append(pd.DataFrame({
                "DOMAIN": name, "ROW": rows.index + 1, "USUBJID": rows["USUBJID"],
                "IDVAR": rows.get("IDVAR"), "IDVARVAL": rows.get("IDVARVAL"), "QNAM": rows["QNAM"],
                "REASON": f"orphan: no {parent_name} record of the subject with this IDVAR = IDVARVAL"}))
    cols = ["DOMAIN", "ROW", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "REASON"]
    return out, (pd.concat(orphans, ignore_index=True)[cols] if orphans else pd.DataFrame(columns=cols))
