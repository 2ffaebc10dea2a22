"""HOMA indices of insulin resistance (IR) and beta-cell function (%B), units pinned.

C-peptide form (default for patients who inject insulin; FPG mmol/L, C-peptide pmol/L):
    HOMA-IR(CP) = 1.5 + FPG * CP / 2800          HOMA-%B(CP) = 0.27 * CP / (FPG - 3.5)
Insulin form (FPG mmol/L, insulin uU/mL):
    HOMA-IR = FPG * insulin / 22.5               HOMA-%B = 20 * insulin / (FPG - 3.5)
%B is undefined for FPG <= 3.5 mmol/L: returned as NaN and flagged, never dropped silently.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

FORMS = ("c-peptide", "insulin")


def compute_homa(fpg_mmol, secretion, form: str = "c-peptide", to_pmol_per_l: float = 1.0):
    """HOMA-IR, HOMA-%B and an 'undefined %B' flag for vectors of FPG and C-peptide or insulin.

    `secretion` is C-peptide (form "c-peptide": in pmol/L after multiplying by `to_pmol_per_l`,
    the factor of its unit, e.g. 331 for ng/mL, from the protocol's lab conversions) or fasting
    insulin in uU/mL (form "insulin").
    """
    if form not in FORMS:
        raise ValueError(f"HOMA form must be one of {FORMS}, got {form!r}")
    fpg = np.asarray(fpg_mmol, dtype=float)
    sec = np.asarray(secretion, dtype=float)
    undefined = fpg <= 3.5
    with np.errstate(divide="ignore", invalid="ignore"):
        if form == "c-peptide":
            cp = sec if to_pmol_per_l == 1.0 else np.round(sec * to_pmol_per_l, 10)
            ir = 1.5 + fpg * cp / 2800.0
            beta = 0.27 * cp / (fpg - 3.5)
        else:
            ir = fpg * sec / 22.5
            beta = 20.0 * sec / (fpg - 3.5)
    beta = np.where(undefined, np.nan, beta)
    return pd.DataFrame({"HOMAIR": ir, "HOMAB": beta, "HOMAB_UNDEFINED": undefined})
