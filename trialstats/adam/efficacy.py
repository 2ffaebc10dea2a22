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
from .bds import bds_from_findings, filter_not_done
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
    lb, vs = filter_not_done(sdtm["LB"], "LB"), filter_not_done(sdtm["VS"], "VS")
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


_TESTS = {"aval_lt": ("AVAL", "<"), "aval_le": ("AVAL", "<="), "aval_gt": ("AVAL", ">"),
          "aval_ge": ("AVAL", ">="), "pchg_le": ("PCHG", "<="), "pchg_lt": ("PCHG", "<"),
          "chg_le": ("CHG", "<=")}
_OPS = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}


def derive_param_responder(adeff: pd.DataFrame, adsl: pd.DataFrame, spec: dict, visits: list[dict]) -> pd.DataFrame:
    """One responder record per subject with a reference start: AVALC Y/N (AVAL 1/0), CRITnFL
    per criterion (blank if missing), and RSPREAS, the reason for the status.

    Criteria are read from the analysed (ANL01FL) records at `visit`; prohibited medication
    (ADSL.PROHIBFL) and a missing criterion make a non-responder when the spec says so.
    """
    subjects = adsl[adsl["REFSDT"].notna()].set_index("USUBJID")
    at = adeff[(adeff["AVISIT"] == spec["visit"]) & (adeff["ANL01FL"] == "Y")]
    out = pd.DataFrame(index=subjects.index)
    met_all = pd.Series(True, index=out.index)
    missing_any = pd.Series(False, index=out.index)
    reasons = [[] for _ in out.index]
    for i, crit in enumerate(spec["criteria"], 1):
        (test, limit), = [(k, v) for k, v in crit.items() if k != "paramcd"]
        column, op = _TESTS[test]
        value = at[at["PARAMCD"] == crit["paramcd"]].set_index("USUBJID")[column].reindex(out.index)
        met = pd.Series(_OPS[op](value.to_numpy(dtype=float), limit), index=out.index)
        out[f"CRIT{i}"] = f"{crit['paramcd']} {column} {op} {limit:g} at {spec['visit']}"
        out[f"CRIT{i}FL"] = np.where(value.isna(), None, np.where(met, "Y", "N"))
        missing_any |= value.isna()
        met_all &= met & value.notna()
        for r, (v, m) in enumerate(zip(value, met)):
            reasons[r].append(f"{crit['paramcd']} {column} missing" if pd.isna(v)
                              else f"{crit['paramcd']} {column} {v:.4g} {'meets' if m else 'fails'} {op} {limit:g}")
    prohibited = subjects["PROHIBFL"].eq("Y") & (spec["prohibited_medication"] == "non-responder")
    responder = met_all & ~prohibited
    status = np.where(responder, "Y", "N")
    if spec["missing"] == "missing":
        status = np.where(missing_any & ~prohibited, None, status)
    out["RSPREAS"] = ["prohibited medication on study (non-responder); " + "; ".join(r) if p else "; ".join(r)
                      for r, p in zip(reasons, prohibited)]
    visit = next(v for v in visits if v["name"] == spec["visit"])
    out = out.reset_index()
    out.insert(1, "PARAMCD", spec["paramcd"])
    out.insert(2, "PARAM", spec["name"])
    out["AVALC"] = pd.array(status, dtype="string")
    out["AVAL"] = np.where(status == "Y", 1.0, np.where(status == "N", 0.0, np.nan))
    out["AVISIT"], out["AVISITN"], out["ANL01FL"], out["SRCDOM"] = spec["visit"], float(visit["num"]), "Y", "DERIVED"
    out["STUDYID"] = adsl["STUDYID"].iloc[0]
    return out
