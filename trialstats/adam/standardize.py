"""ADaM frames of any origin (ours, a CRO's, the CDISC pilot) in the one form the safety analyses read.

Inputs: ADSL (USUBJID, SAFFL, the arm column), ADAE (USUBJID, TRTEMFL, AEBODSYS, AEDECOD, AESEV,
AESER, AREL or AEREL, AEACN, AEOUT, AESDTH ...), ADLB / ADVS (PARAMCD, AVAL, BASE, AVISIT,
ANRIND, BNRIND, ANRHI or A1HI ...). `standardize_*` maps the common variants to one form: the
safety subjects with their arm as ARM_, treatment-emergent AEs (TRTEMFL as the ADaM has it),
analysed BDS records with spelled-out range codes.
"""
from __future__ import annotations

import pandas as pd

from ..columns import isin, lookup, per_distinct
from ..vocabulary import compute_arel

RANGE_CODES = {"N": "NORMAL", "H": "HIGH", "L": "LOW", "NORMAL": "NORMAL", "HIGH": "HIGH", "LOW": "LOW"}


def standardize_adsl(adsl: pd.DataFrame, arm: str, order: str | None = None) -> pd.DataFrame:
    """Safety subjects with their arm as ARM_; with `order` (the arm's numeric code, e.g.
    TRT01AN) the arms are shown in the order of that code (ARMN_) instead of control first."""
    out = adsl.copy()
    if arm not in out:
        raise KeyError(f"ADSL has no arm column {arm!r}; columns: {', '.join(out.columns)}")
    out["ARM_"] = out[arm].astype("object")
    if order is not None and order in out:
        out["ARMN_"] = pd.to_numeric(out[order], errors="coerce")
    return out[(out["SAFFL"] == "Y") & out["ARM_"].notna()]


def arm_rank(adsl: pd.DataFrame) -> dict:
    """Arm -> its numeric code (ARMN_, the smallest if several), empty without codes."""
    if "ARMN_" not in adsl:
        return {}
    return adsl.groupby("ARM_")["ARMN_"].min().to_dict()


def treatment_rank(adsl: pd.DataFrame) -> dict:
    """Arm -> its numeric code: ARMN_ (arm_rank), else the actual or planned treatment code of ADSL."""
    codes = [c for c in ("TRT01AN", "TRT01PN") if c in adsl]
    return arm_rank(adsl) or (adsl.groupby("ARM_")[codes[0]].min().to_dict() if codes else {})


def standardize_adae(adae: pd.DataFrame, adsl: pd.DataFrame, related: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Treatment-emergent AEs of safety subjects with the arm of ADSL; AREL from AEREL if needed
    (vocabulary.compute_arel: `related` terms, default vocabulary.RELATED_TERMS)."""
    out = adae.merge(adsl[["USUBJID", "ARM_"]], on="USUBJID", how="inner")
    out = out[out["TRTEMFL"].fillna("N") == "Y"].copy()
    relation = out["AREL"] if "AREL" in out else out["AEREL"]
    out["AREL"] = compute_arel(relation, related).to_numpy()
    for col in ("AEACN", "AEACNOTH", "AEOUT", "AESDTH", "AESEV", "AESER"):
        if col not in out:
            out[col] = pd.NA
    return out


def standardize_bds(bds: pd.DataFrame, adsl: pd.DataFrame, flag: str | None = "ANL01FL",
                    post_by_day: bool = False) -> pd.DataFrame:
    """Analysed records of safety subjects (with `flag` = Y, or baseline, where the data have
    the flag; every record with flag=None); ANRIND/BNRIND spelled out; ULN as ANRHI (A1HI),
    LLN as ANRLO (A1LO); a visit of "." (a common spelling of "no analysis visit") is blank.
    With post_by_day, post-baseline records are those on or after the first dose (ADY >= 1):
    POSTFL_ marks them (otherwise every non-baseline record)."""
    keep = isin(bds["USUBJID"], adsl["USUBJID"])
    if flag is not None and flag in bds:
        keep &= bds[flag].astype("object").eq("Y") | is_baseline(bds)
    out = bds[keep].reset_index(drop=True)
    out["ARM_"] = lookup(out["USUBJID"], adsl.set_index("USUBJID")["ARM_"])
    if "ARMN_" in adsl:
        out["ARMN_"] = lookup(out["USUBJID"], adsl.set_index("USUBJID")["ARMN_"])
    out["AVISIT"] = per_distinct(out["AVISIT"].astype("string"), lambda v: v.str.strip().replace(".", pd.NA))
    post = ~is_baseline(out)
    if post_by_day and "ADY" in out:
        post &= (pd.to_numeric(out["ADY"], errors="coerce") >= 1).fillna(False).astype(bool)
    out["POSTFL_"] = post
    for col in ("ANRIND", "BNRIND"):
        if col in out:
            out[col] = per_distinct(out[col].astype("string"), _range_code)
    if "ANRHI" not in out and "A1HI" in out:
        out["ANRHI"] = out["A1HI"]
    if "ANRLO" not in out and "A1LO" in out:
        out["ANRLO"] = out["A1LO"]
    return out


def is_post_baseline(d: pd.DataFrame) -> pd.Series:
    """POSTFL_ of standardize_bds, or every non-baseline record of a frame without it."""
    return d["POSTFL_"].astype(bool) if "POSTFL_" in d else ~is_baseline(d)


def _range_code(values: pd.Series) -> pd.Series:
    return values.str.strip().str.upper().map(RANGE_CODES)


def is_baseline(d: pd.DataFrame) -> pd.Series:
    """ABLFL == "Y" as a plain boolean (a blank or NA flag is False, never NA)."""
    if "ABLFL" not in d:
        return pd.Series(False, index=d.index)
    return d["ABLFL"].astype("object").eq("Y").astype(bool)
