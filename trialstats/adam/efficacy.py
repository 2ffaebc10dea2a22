"""ADEFF records: glycaemic labs and weight, plus the derived parameters of the SAP.

Derived parameters (SRCDOM "DERIVED"): INSDOSE daily insulin dose (U/day) in effect on each
weight-visit date, from the CM dose periods; INSDOSKG = INSDOSE / weight of that visit (U/kg/day);
BMI from that weight and the screening height; HOMAIR and HOMAB from fasting glucose and C-peptide
(or insulin, per protocol `homa`) drawn on the same date.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..stats.homa import compute_homa
from .bds import bds_from_findings
from .dates import compute_dt

EFFICACY_LABS = ("HBA1C", "GLUC", "CPEPTIDE", "INSULIN", "GIR", "OGTT2H")
DERIVED = {"INSDOSE": ("Daily insulin dose", "U/day"), "INSDOSKG": ("Daily insulin dose per kg", "U/kg/day"),
           "BMI": ("Body mass index", "kg/m2"), "HOMAIR": ("HOMA-IR", ""), "HOMAB": ("HOMA-%B", "%")}


def _derived(like: pd.DataFrame, paramcd: str, aval) -> pd.DataFrame:
    name, unit = DERIVED[paramcd]
    out = like[["STUDYID", "USUBJID", "ADTC", "VISIT", "VISITNUM"]].copy()
    out["PARAMCD"], out["PARAM"] = paramcd, f"{name} ({unit})" if unit else name
    out["AVAL"], out["AVALC"], out["AVALU"] = np.asarray(aval, dtype=float), pd.NA, unit
    out["ATPT"], out["ATPTN"], out["ANRLO"], out["ANRHI"] = pd.NA, np.nan, np.nan, np.nan
    out["SRCDOM"], out["SRCSEQ"] = "DERIVED", np.nan
    return out


def compute_dose_on(periods: pd.DataFrame, usubjid: pd.Series, dates: pd.Series) -> pd.Series:
    """Total daily dose in effect on each date (sum of the CM periods covering it; NaN if none)."""
    p = pd.DataFrame({"USUBJID": periods["USUBJID"], "S": compute_dt(periods["CMSTDTC"]),
                      "E": compute_dt(periods["CMENDTC"]), "DOSE": pd.to_numeric(periods["CMDOSE"])})
    q = pd.DataFrame({"USUBJID": usubjid.to_numpy(), "D": dates.to_numpy(), "_I": np.arange(len(dates))})
    m = q.merge(p, on="USUBJID", how="inner")
    m = m[(m["S"].isna() | (m["S"] <= m["D"])) & (m["E"].isna() | (m["E"] >= m["D"]))]
    total = m.groupby("_I")["DOSE"].sum()
    return pd.Series(total.reindex(range(len(dates))).to_numpy(), index=dates.index)


def efficacy_records(sdtm: dict, protocol: dict) -> pd.DataFrame:
    """Source and derived efficacy records in the shape of bds_from_findings."""
    lb, vs = sdtm["LB"], sdtm["VS"]
    labs = bds_from_findings(lb[lb["LBTESTCD"].isin(EFFICACY_LABS)], "LB", protocol["labs"])
    labs["ADTC"] = lb.loc[lb["LBTESTCD"].isin(EFFICACY_LABS), "LBDTC"].to_numpy()
    weight_rows = vs[vs["VSTESTCD"] == "WEIGHT"]
    weight = bds_from_findings(weight_rows, "VS", protocol["vitals"])
    weight["ADTC"] = weight_rows["VSDTC"].to_numpy()
    parts = [labs, weight]
    height = pd.to_numeric(vs.loc[vs["VSTESTCD"] == "HEIGHT", "VSSTRESN"]).groupby(
        vs.loc[vs["VSTESTCD"] == "HEIGHT", "USUBJID"]).last()
    post_screen = weight["VISITNUM"] != protocol["visits"][0]["num"]
    w = weight[post_screen]
    parts.append(_derived(w, "BMI", w["AVAL"] / (w["USUBJID"].map(height) / 100) ** 2))
    if "insulin" in protocol:
        cm = sdtm["CM"]
        periods = cm[cm["CMCAT"] == protocol["insulin"]["cmcat"]]
        dose = compute_dose_on(periods, w["USUBJID"], compute_dt(w["ADTC"]))
        parts.append(_derived(w, "INSDOSE", dose))
        parts.append(_derived(w, "INSDOSKG", dose / w["AVAL"]))
    secretion = "CPEPTIDE" if protocol.get("homa", "c-peptide") == "c-peptide" else "INSULIN"
    day = lambda d: d.assign(_D=compute_dt(d["ADTC"]))  # noqa: E731
    pairs = day(labs[labs["PARAMCD"] == "GLUC"]).merge(
        day(labs[labs["PARAMCD"] == secretion])[["USUBJID", "_D", "AVAL"]], on=["USUBJID", "_D"],
        suffixes=("", "_S"))
    homa = compute_homa(pairs["AVAL"], pairs["AVAL_S"], protocol.get("homa", "c-peptide"))
    parts.append(_derived(pairs, "HOMAIR", homa["HOMAIR"]))
    parts.append(_derived(pairs, "HOMAB", homa["HOMAB"]).assign(
        AVALC=np.where(homa["HOMAB_UNDEFINED"], "UNDEFINED: FPG <= 3.5 mmol/L", None)))
    return pd.concat(parts, ignore_index=True)
