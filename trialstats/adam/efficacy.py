"""ADEFF records: the protocol's efficacy labs (`efficacy_labs`) and weight, plus the derived
parameters of the SAP, each only when the protocol asks for it.

Derived parameters (SRCDOM "DERIVED"): BMI from each post-screening weight and the screening
height; with protocol `insulin`, the daily dose in effect on each weight-visit date from the CM dose
periods (its `daily_dose` parameter) and that dose per kg of the visit's weight (`per_kg`); with
protocol `homa`, HOMAIR and HOMAB from the fasting glucose and C-peptide or insulin tests it names,
drawn on the same date.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..dates import compute_dt
from ..protocol import DERIVED, derived_parameters
from ..stats.homa import compute_homa
from ..units import parameter_label
from .bds import bds_from_findings, comparator_rule, resolve_comparators


def referenced_parameters(protocol: dict) -> dict[str, list[str]]:
    """Protocol key -> the ADEFF parameters it names (populations, endpoints, baseline, HOMA)."""
    refs = {}
    if "populations" in protocol:        # none in a safety-only study
        refs["populations.key_parameter"] = [protocol["populations"]["key_parameter"]]
    if "responder" in protocol:
        refs["responder.criteria"] = [c["paramcd"] for c in protocol["responder"]["criteria"]]
    if "continuous_primary" in protocol:
        refs["continuous_primary.paramcd"] = [protocol["continuous_primary"]["paramcd"]]
    sec = protocol.get("secondary")
    if sec:
        refs["secondary"] = [*sec["mmrm"], sec["threshold"]["paramcd"], *sec["ancova"], *sec["ancova_log"]]
    ex = protocol.get("exploratory")
    if ex:
        refs["exploratory"] = [*ex["params"], ex["normal"]["paramcd"]]
    if "homa" in protocol:
        refs["homa"] = [protocol["homa"]["glucose"], protocol["homa"]["secretion"]]
    refs["baseline"] = [b["paramcd"] for b in protocol.get("baseline", []) if "paramcd" in b]
    return refs


def efficacy_labs(protocol: dict) -> list[str]:
    """The LB tests analysed as efficacy parameters (ADEFF): the protocol's efficacy_labs, or by
    default every lab test its populations, endpoints and baseline characteristics name. Each must
    be defined under labs."""
    if "efficacy_labs" in protocol:
        tests = list(protocol["efficacy_labs"])
    else:
        named = [p for ps in referenced_parameters(protocol).values() for p in ps]
        tests = list(dict.fromkeys(p for p in named if p in protocol.get("labs", {})))
    unknown = [t for t in tests if t not in protocol.get("labs", {})]
    if unknown:
        raise ValueError(f"protocol efficacy_labs: {unknown} not defined under labs "
                         f"(defined: {sorted(protocol.get('labs', {}))})")
    return tests


def assert_protocol_parameters(protocol: dict) -> None:
    """Every parameter a protocol key names exists: in ADEFF (an efficacy lab, WEIGHT or a derived
    parameter) or, for the safety panel and hypoglycaemia, among the labs. One error listing every
    problem with the key that names it."""
    available = set(efficacy_labs(protocol)) | set(derived_parameters(protocol)) | (
        {"WEIGHT"} if "WEIGHT" in protocol.get("vitals", {}) else set())
    if "responder" in protocol:
        available.add(protocol["responder"]["paramcd"])
    problems = [f"{key}: {missing} is not an ADEFF parameter (list it in efficacy_labs, or derive it)"
                for key, params in referenced_parameters(protocol).items()
                for missing in [sorted(set(params) - available)] if missing]
    for category, tests in protocol.get("safety_labs", {}).items():
        missing = sorted(set(tests) - set(protocol.get("labs", {})))
        if missing:
            problems.append(f"safety_labs.{category}: {missing} not defined under labs")
    hypo = protocol.get("hypoglycaemia")
    if hypo and hypo["glucose_test"] not in protocol.get("labs", {}):
        problems.append(f"hypoglycaemia.glucose_test: {hypo['glucose_test']} not defined under labs")
    if problems:
        raise ValueError("protocol.yaml names parameters the analysis datasets will not have:\n  "
                         + "\n  ".join(problems) + f"\n  (ADEFF parameters: {sorted(available)})")


def _derived(like: pd.DataFrame, paramcd: str, aval, names: dict | None = None) -> pd.DataFrame:
    name, unit = (names or DERIVED)[paramcd]
    out = like[["STUDYID", "USUBJID", "ADTC", "VISIT", "VISITNUM"]].copy()
    out["PARAMCD"], out["PARAM"] = paramcd, parameter_label(name, unit)
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
    rule = comparator_rule(protocol)
    lb = resolve_comparators(sdtm["LB"], "LB", protocol.get("labs", {}), rule)
    vs = resolve_comparators(sdtm["VS"], "VS", protocol.get("vitals", {}), rule)
    tests = efficacy_labs(protocol)
    labs = bds_from_findings(lb[lb["LBTESTCD"].isin(tests)], "LB", protocol.get("labs", {}))
    labs["ADTC"] = lb.loc[lb["LBTESTCD"].isin(tests), "LBDTC"].to_numpy()
    weight_rows = vs[vs["VSTESTCD"] == "WEIGHT"]
    weight = bds_from_findings(weight_rows, "VS", protocol.get("vitals", {}))
    weight["ADTC"] = weight_rows["VSDTC"].to_numpy()
    parts = [labs, weight]
    height = pd.to_numeric(vs.loc[vs["VSTESTCD"] == "HEIGHT", "VSSTRESN"]).groupby(
        vs.loc[vs["VSTESTCD"] == "HEIGHT", "USUBJID"]).last()
    post_screen = weight["VISITNUM"] != protocol["visits"][0]["num"]
    w = weight[post_screen]
    if len(w):                  # no weight (a VS without WEIGHT): no BMI
        parts.append(_derived(w, "BMI", w["AVAL"] / (w["USUBJID"].map(height) / 100) ** 2))
    names = derived_parameters(protocol)
    insulin = protocol.get("insulin", {})
    if insulin.get("daily_dose"):
        cm = sdtm["CM"]
        periods = cm[cm["CMCAT"] == insulin["cmcat"]]
        dose = compute_dose_on(periods, w["USUBJID"], compute_dt(w["ADTC"]))
        parts.append(_derived(w, insulin["daily_dose"]["paramcd"], dose, names))
        if insulin.get("per_kg"):
            parts.append(_derived(w, insulin["per_kg"]["paramcd"], dose / w["AVAL"], names))
    if "homa" in protocol:
        parts += _homa_records(labs, protocol)
    return pd.concat(parts, ignore_index=True)


def _homa_records(labs: pd.DataFrame, protocol: dict) -> list[pd.DataFrame]:
    """HOMAIR and HOMAB from the protocol's glucose and secretion tests drawn on the same date."""
    spec = protocol["homa"]
    missing = [t for t in (spec["glucose"], spec["secretion"]) if t not in efficacy_labs(protocol)]
    if missing:
        raise ValueError(f"protocol homa: {missing} must be listed in efficacy_labs to derive HOMA")
    factor = 1.0
    if spec["form"] == "c-peptide":   # the formula wants C-peptide in pmol/L
        test = protocol.get("labs", {})[spec["secretion"]]
        factor = 1.0 if test["unit"] == "pmol/L" else test.get("conversions", {}).get("pmol/L")
        if factor is None:
            raise ValueError(f"protocol labs {spec['secretion']}: C-peptide in {test['unit']} needs "
                             "conversions: {pmol/L: factor} for the HOMA C-peptide form")
    day = lambda d: d.assign(_D=compute_dt(d["ADTC"]))  # noqa: E731
    pairs = day(labs[labs["PARAMCD"] == spec["glucose"]]).merge(
        day(labs[labs["PARAMCD"] == spec["secretion"]])[["USUBJID", "_D", "AVAL"]], on=["USUBJID", "_D"],
        suffixes=("", "_S"))
    homa = compute_homa(pairs["AVAL"], pairs["AVAL_S"], spec["form"], factor)
    return [_derived(pairs, "HOMAIR", homa["HOMAIR"]),
            _derived(pairs, "HOMAB", homa["HOMAB"]).assign(
                AVALC=np.where(homa["HOMAB_UNDEFINED"], "UNDEFINED: FPG <= 3.5 mmol/L", None))]


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
