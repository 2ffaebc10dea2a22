"""The primary endpoint as a continuous change from baseline at the key visit (protocol
`continuous_primary`): MMRM on the full analysis set (primary), and sensitivity analyses: the same
MMRM on the per-protocol set, and an ANCOVA of the observed changes at the key visit (no model for
the other visits). Any number of arms, each compared with the one control.

ARD rows: variable = analysis id, group1 ARM (LS mean, n) or CONTRAST ("<arm> - <control>"),
group2 AVISIT, variable_level lsmean_chg / difference / n.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..stats.ancova import fit_ancova
from ..stats.mi import impute_sequential, rubin
from ..vocabulary import CHANGE_ANALYSES
from ..ard.shape import ard
from .format import estimate_ci, fmt
from .secondary import analysis_frame, ard_mmrm

def change_labels(adsl: pd.DataFrame, arm: str, control_armcd: str, arm_order: list[str] | None = None) -> list[str]:
    """(*active arms, control) as the outputs label them; actives in the protocol's arm order
    (randomization.arms), else by label. At least one active arm and the control are needed."""
    pairs = adsl.loc[adsl["ENRLFL"] == "Y", [arm, "ARMCD"]].dropna().drop_duplicates()
    control = pairs.loc[pairs["ARMCD"] == control_armcd, arm]
    actives = pairs[pairs["ARMCD"] != control_armcd]
    if len(control) != 1 or actives.empty:
        raise ValueError(f"the primary comparison needs the control arm {control_armcd!r} and at least one other "
                         f"arm; ADSL has ARMCD {sorted(pairs['ARMCD'])}")
    rank = {code: i for i, code in enumerate(arm_order or [])}
    actives = actives.assign(_R=actives["ARMCD"].map(rank).fillna(len(rank))).sort_values(["_R", arm])
    return [str(a) for a in actives[arm]] + [str(control.iloc[0])]


def _frame(adsl, adeff, spec, arm, visits, population, covariates):
    data = analysis_frame(adeff, adsl, spec["paramcd"], arm, visits, population)
    missing = [c for c in covariates if c not in adsl]
    if missing:
        raise ValueError(f"continuous_primary covariates {missing} are not ADSL columns")
    return data.merge(adsl[["USUBJID", *covariates]], on="USUBJID", how="left")


def ard_change_primary(adsl: pd.DataFrame, adeff: pd.DataFrame, spec: dict, arm: str, visits: list[str],
                       labels: list[str], mi: dict | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """The primary and sensitivity analyses as one ARD, and a note per analysis that could not be
    estimated (e.g. too few subjects at an interim cut). `mi` (imputations, seed) adds the
    multiple-imputation analysis."""
    covariates = tuple(spec.get("covariates", []))
    if spec["paramcd"] not in set(adeff["PARAMCD"]):
        raise ValueError(f"continuous_primary parameter {spec['paramcd']} has no ADEFF record; it must be one of "
                         "the protocol's efficacy_labs or derived parameters "
                         f"(ADEFF has {sorted(set(adeff['PARAMCD']))})")
    parts, notes = [], {}
    for analysis in ("primary", "per_protocol"):
        data = _frame(adsl, adeff, spec, arm, visits, CHANGE_ANALYSES[analysis][1], covariates)
        a, info = ard_mmrm(data, spec["paramcd"], labels, covariates=covariates)
        if info["note"]:
            notes[analysis] = info["note"]
        parts.append(a.assign(variable=analysis))
    data = _frame(adsl, adeff, spec, arm, [spec["visit"]], "FASFL", covariates)
    parts.append(ard_ancova_change(data, labels, spec["visit"], covariates, notes))
    if mi:
        parts.append(ard_mi_change(adsl, adeff, spec, arm, visits, labels, mi["imputations"], mi["seed"], notes))
    return ard(pd.concat(parts, ignore_index=True)), notes


def ard_ancova_change(data: pd.DataFrame, labels: list[str], visit: str, covariates=(), notes=None) -> pd.DataFrame:
    """ANCOVA of CHG at the key visit on arm, baseline and covariates (observed cases)."""
    control = labels[-1]
    d = data.dropna(subset=["CHG", "BASE", *covariates])
    try:
        res = fit_ancova(d, "CHG", "TRT", ["BASE", *covariates], reference=control)
    except (ValueError, np.linalg.LinAlgError) as err:
        if notes is not None:
            notes["observed_cases"] = f"ANCOVA not estimable: {err}"
        return ard([])
    rows = []
    for r in res["lsmeans"].itertuples(index=False):
        base = dict(group1="ARM", group1_level=str(r.TRT), group2="AVISIT", group2_level=visit,
                    variable="observed_cases")
        rows += [dict(base, variable_level="lsmean_chg", stat_name=s, stat=getattr(r, s))
                 for s in ("estimate", "se", "df", "lower", "upper")]
        rows.append(dict(base, variable_level="n", stat_name="n", stat=int(r.n)))
    for r in res["contrasts"].itertuples(index=False):
        base = dict(group1="CONTRAST", group1_level=f"{r.TRT} - {control}", group2="AVISIT", group2_level=visit,
                    variable="observed_cases", variable_level="difference")
        rows += [dict(base, stat_name=s, stat=getattr(r, s)) for s in ("estimate", "se", "df", "lower", "upper", "p")]
    return ard(rows)


def ard_mi_change(adsl: pd.DataFrame, adeff: pd.DataFrame, spec: dict, arm: str, visits: list[str],
                  labels: list[str], m: int, seed: int, notes: dict | None = None) -> pd.DataFrame:
    """Missing values at the scheduled visits imputed under MAR (sequential regression within each
    arm, on the baseline and the earlier visits; stats.mi), the ANCOVA of the key-visit change on
    arm and baseline in each of the m completed sets, pooled by Rubin's rules (Barnard-Rubin df,
    complete-data df n - arms - 1). FAS subjects with a baseline value."""
    p, key, control = spec["paramcd"], spec["visit"], labels[-1]
    fas = adsl.loc[adsl["FASFL"] == "Y", ["USUBJID", arm]].rename(columns={arm: "ARM"})
    rec = adeff[(adeff["PARAMCD"] == p) & (adeff["ANL01FL"] == "Y")]
    base = rec[rec["ABLFL"] == "Y"].groupby("USUBJID")["AVAL"].first().rename(f"{p}@BASE")
    post = rec[rec["AVISIT"].isin(visits)].pivot_table(index="USUBJID", columns="AVISIT", values="AVAL",
                                                       aggfunc="first")
    post = post.reindex(columns=visits)
    post.columns = [f"{p}@{v}" for v in visits]
    wide = fas.set_index("USUBJID").join(base).join(post).dropna(subset=[f"{p}@BASE"]).reset_index()
    rows = [dict(group1="ARM", group1_level=lab, group2="AVISIT", group2_level=key, variable="mi_mar",
                 variable_level="n", stat_name="n", stat=int((wide["ARM"] == lab).sum())) for lab in labels]
    try:
        done = impute_sequential(wide, [p], visits, [f"{p}@BASE"], "ARM", m, seed)
    except ValueError as err:
        if notes is not None:
            notes["mi_mar"] = f"not estimable: {err}"
        return ard(rows)
    fits = []
    for w in done:
        d = pd.DataFrame({"TRT": w["ARM"], "BASE": w[f"{p}@BASE"], "CHG": w[f"{p}@{key}"] - w[f"{p}@BASE"]})
        fits.append(fit_ancova(d, "CHG", "TRT", ["BASE"], reference=control)["contrasts"].set_index("TRT"))
    for lab in labels[:-1]:
        pooled = rubin([f.loc[lab, "estimate"] for f in fits], [f.loc[lab, "se"] ** 2 for f in fits],
                       df_complete=len(wide) - len(labels) - 1)
        base_ = dict(group1="CONTRAST", group1_level=f"{lab} - {control}", group2="AVISIT", group2_level=key,
                     variable="mi_mar", variable_level="difference")
        rows += [dict(base_, stat_name=s, stat=getattr(pooled, s)) for s in ("estimate", "lower", "upper", "p", "df")]
    return ard(rows)


def _get(ard_, **where) -> float:
    sel = ard_
    for k, v in where.items():
        sel = sel[sel[k] == v]
    return float(sel["stat"].iloc[0]) if len(sel) else np.nan


def t_change_primary(ard_: pd.DataFrame, labels: list[str], visit: str, unit: str = "") -> pd.DataFrame:
    """Table 14.2.1: n and LS-mean change at the key visit by arm, each arm minus control."""
    a = ard_[(ard_["variable"] == "primary") & (ard_["group2_level"] == visit)]
    suffix = f" ({unit})" if unit else ""
    rows = []
    for lab in labels:
        est = [_get(a, group1_level=lab, variable_level="lsmean_chg", stat_name=s)
               for s in ("estimate", "lower", "upper")]
        rows.append({"Arm or comparison": lab, "n": fmt(_get(a, group1_level=lab, variable_level="n"), "count"),
                     f"LS-mean change{suffix} (95% CI)": estimate_ci(*est, "ratio"), "p": ""})
    for lab in labels[:-1]:
        g = dict(group1_level=f"{lab} - {labels[-1]}", variable_level="difference")
        est = [_get(a, **g, stat_name=s) for s in ("estimate", "lower", "upper")]
        rows.append({"Arm or comparison": f"{lab} - {labels[-1]}", "n": "",
                     f"LS-mean change{suffix} (95% CI)": estimate_ci(*est, "ratio"),
                     "p": fmt(_get(a, **g, stat_name="p"), "p")})
    return pd.DataFrame(rows)


def t_change_sensitivity(ard_: pd.DataFrame, labels: list[str], visit: str, notes: dict[str, str]) -> pd.DataFrame:
    """Table 14.2.3: the difference at the key visit across the primary and sensitivity analyses."""
    rows = []
    for analysis, (name, _, population) in CHANGE_ANALYSES.items():
        a = ard_[(ard_["variable"] == analysis) & (ard_["group2_level"] == visit)]
        for lab in labels[:-1]:
            g = dict(group1_level=f"{lab} - {labels[-1]}", variable_level="difference")
            n = "/".join(fmt(_get(a, group1_level=x, variable_level="n"), "count") for x in (lab, labels[-1]))
            row = {"Analysis": name, "Population": population, "Comparison": f"{lab} - {labels[-1]}", "n": n}
            if analysis in notes or a.empty:
                row.update({"Difference (95% CI)": notes.get(analysis, "not estimable"), "p": ""})
            else:
                est = [_get(a, **g, stat_name=s) for s in ("estimate", "lower", "upper")]
                row.update({"Difference (95% CI)": estimate_ci(*est, "ratio"),
                            "p": fmt(_get(a, **g, stat_name="p"), "p")})
            rows.append(row)
    return pd.DataFrame(rows)


def estimand_rows_change(protocol: dict) -> pd.DataFrame:
    """The primary estimand's attributes (ICH E9(R1)) for a continuous change, from the protocol."""
    spec = protocol["continuous_primary"]
    covariates = spec.get("covariates", [])
    rows = [
        ("Population", "Full analysis set: randomized, at least one dose, baseline and at least one "
                       f"post-baseline {protocol['populations']['key_parameter']}"),
        ("Variable", f"{spec['name']} ({spec['paramcd']}: CHG = AVAL - BASE at {spec['visit']})"),
        ("Treatment condition", "Randomized arm, each arm against the arm listed last"),
        ("Intercurrent event: stopping treatment", "Treatment policy: data used as observed"),
        ("Missing value at the visit", "Missing at random given the arm and the earlier values (MMRM)"),
        ("Population-level summary", "Difference in LS-mean change (each arm minus the arm listed last) at "
                                     f"{spec['visit']}, 95% CI and p from an MMRM (arm, visit, arm x visit, "
                                     "baseline, baseline x visit" + "".join(f", {c}" for c in covariates)
                                     + "; unstructured covariance; REML; Kenward-Roger df)"),
    ]
    return pd.DataFrame(rows, columns=["attribute", "definition"])
