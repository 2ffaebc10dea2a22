"""Liver tests against their upper limit of normal: multiples of ULN and the Hy's law screen."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .standardize import is_post_baseline


def compute_xuln(lb: pd.DataFrame) -> pd.Series:
    """AVAL as a multiple of the upper limit of normal (ANRHI); blank where either is not numeric."""
    return pd.to_numeric(lb["AVAL"], errors="coerce") / pd.to_numeric(lb["ANRHI"], errors="coerce")


CHOLESTATIC = "Cholestatic pattern (peak ALP >= 2 x ULN), not potential Hy's law"
POTENTIAL = "Potential Hy's law"


def derive_hys_law_peaks(adlb: pd.DataFrame, alt="ALT", ast="AST", bili="BILI", alp="ALP") -> pd.DataFrame:
    """Per subject of standardized lab records (standardize_bds): peak post-baseline ALT, AST,
    bilirubin and ALP as multiples of ULN (TRANSAMINASE_XULN: the higher of ALT and AST); the screen
    (ALT or AST >= 3 x ULN and bilirubin >= 2 x ULN): HYS_LAW where ALP < 2 x ULN or not measured (the
    classic criterion), CHOLESTATIC where peak ALP >= 2 x ULN."""
    columns = ["USUBJID", "ARM_", "ALT_XULN", "AST_XULN", "BILI_XULN", "ALP_XULN", "TRANSAMINASE_XULN",
               "TRANSAMINASE_3X", "CHOLESTATIC", "HYS_LAW"]
    d = adlb[adlb["PARAMCD"].isin([alt, ast, bili, alp]) & is_post_baseline(adlb)].copy()
    if not d["PARAMCD"].isin([alt, ast, bili]).any():
        return pd.DataFrame(columns=columns)
    d["XULN"] = compute_xuln(d)
    peak = d.pivot_table(index=["USUBJID", "ARM_"], columns="PARAMCD", values="XULN", aggfunc="max").reset_index()
    for col in (alt, ast, bili, alp):
        if col not in peak:
            peak[col] = np.nan
    peak = peak.rename(columns={alt: "ALT_XULN", ast: "AST_XULN", bili: "BILI_XULN", alp: "ALP_XULN"})
    peak = peak[peak[["ALT_XULN", "AST_XULN", "BILI_XULN"]].notna().any(axis=1)].reset_index(drop=True)
    peak["TRANSAMINASE_XULN"] = peak[["ALT_XULN", "AST_XULN"]].max(axis=1)
    peak["TRANSAMINASE_3X"] = peak["TRANSAMINASE_XULN"] >= 3
    screen = peak["TRANSAMINASE_3X"] & (peak["BILI_XULN"] >= 2)
    peak["CHOLESTATIC"] = screen & (peak["ALP_XULN"] >= 2)
    peak["HYS_LAW"] = screen & ~peak["CHOLESTATIC"]
    return peak[columns]


def hys_law_assessment(peak: pd.DataFrame) -> dict:
    """Subject -> POTENTIAL or CHOLESTATIC, for the subjects of the screen (derive_hys_law_peaks)."""
    return {**{u: POTENTIAL for u in peak.loc[peak["HYS_LAW"].astype(bool), "USUBJID"]},
            **{u: CHOLESTATIC for u in peak.loc[peak["CHOLESTATIC"].astype(bool), "USUBJID"]}}
