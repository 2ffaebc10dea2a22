"""Liver tests against their upper limit of normal: multiples of ULN and the Hy's law screen."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .standardize import is_post_baseline


def compute_xuln(lb: pd.DataFrame) -> pd.Series:
    """AVAL as a multiple of the upper limit of normal (ANRHI); blank where either is not numeric."""
    return pd.to_numeric(lb["AVAL"], errors="coerce") / pd.to_numeric(lb["ANRHI"], errors="coerce")


def derive_hys_law_peaks(adlb: pd.DataFrame, alt="ALT", ast="AST", bili="BILI") -> pd.DataFrame:
    """Per subject of standardized lab records (standardize_bds): peak post-baseline ALT, AST and
    bilirubin as multiples of ULN, and the screen (ALT or AST >= 3 x ULN and bilirubin >= 2 x ULN)."""
    d = adlb[adlb["PARAMCD"].isin([alt, ast, bili]) & is_post_baseline(adlb)].copy()
    if d.empty:
        return pd.DataFrame(columns=["USUBJID", "ARM_", "ALT_XULN", "AST_XULN", "BILI_XULN", "TRANSAMINASE_3X",
                                     "HYS_LAW"])
    d["XULN"] = compute_xuln(d)
    peak = d.pivot_table(index=["USUBJID", "ARM_"], columns="PARAMCD", values="XULN", aggfunc="max").reset_index()
    for col in (alt, ast, bili):
        if col not in peak:
            peak[col] = np.nan
    peak = peak.rename(columns={alt: "ALT_XULN", ast: "AST_XULN", bili: "BILI_XULN"})
    peak["TRANSAMINASE_3X"] = (peak[["ALT_XULN", "AST_XULN"]].max(axis=1) >= 3)
    peak["HYS_LAW"] = peak["TRANSAMINASE_3X"] & (peak["BILI_XULN"] >= 2)
    return peak
