"""ARDs of the efficacy analyses of a study given as an ADaM folder (config `efficacy`, see
adam.efficacy_config): ANCOVA, MMRM, CMH (row mean scores and general association), responder
and time to event, on the records adam.efficacy_config.analysis_records selects (TRT: the arm).

Rows: group1 ARM (per arm) or COMPARISON ("<arm> vs <control>", or "all arms"), group2 AVISIT,
variable the PARAMCD, variable_level what the statistic describes. A statistic that cannot be
computed is absent and a NOTE row says why.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..stats.ancova import fit_ancova
from ..stats.binary import (cmh_2x2, cmh_general_association, cmh_row_mean_scores, diff_ci, fisher_exact,
                            stratified_diff_ci)
from ..stats.mmrm import MMRMError, fit_mmrm
from .shape import ard

TIDY = ("estimate", "se", "df", "lower", "upper", "p")
SCORE_TESTS = {"row_mean": ("row_mean_scores", cmh_row_mean_scores),
               "general": ("general_association", cmh_general_association)}


def _describe(v: pd.DataFrame, variable: str, arms: list[str], base: dict) -> list[dict]:
    rows = []
    for arm in arms:
        x = v.loc[v["TRT"] == arm, variable].astype(float)
        at = dict(base, group1="ARM", group1_level=arm, variable_level="")
        rows.append(dict(at, stat_name="n", stat=len(x)))
        if len(x):
            rows += [dict(at, stat_name=s, stat=float(f(x))) for s, f in (
                ("mean", np.mean), ("median", np.median), ("min", np.min), ("max", np.max))]
        if len(x) > 1:
            rows.append(dict(at, stat_name="sd", stat=float(x.std(ddof=1))))
    return rows


def _note(base: dict, text: str) -> dict:
    """A statistic absent or in doubt, with the reason (printed in the footnote)."""
    return dict(base, group1="NOTE", variable_level="note", stat_name="note", stat=text)


def _tables(v: pd.DataFrame, rows_: list[str], column: str, columns: list, strata: str | None) -> list[np.ndarray]:
    groups = [v] if strata is None else [g for _, g in v.groupby(strata, sort=True)]
    return [pd.crosstab(g["TRT"], g[column]).reindex(index=rows_, columns=columns, fill_value=0).to_numpy()
            for g in groups]


def _comparisons(arms: list[str], control: str) -> list[tuple[str, list[str]]]:
    """(label, [control, arm]) per active arm, then all arms where there are three or more."""
    out = [(f"{a} vs {control}", [control, a]) for a in arms if a != control]
    return out + ([("all arms", arms)] if len(arms) > 2 else [])


def ard_cmh(data: pd.DataFrame, spec: dict, arms: list[str]) -> pd.DataFrame:
    """Per visit: the distribution of the ordinal `variable` by arm (n and % per value, n, mean, SD,
    median, range) and, for each active arm vs the control and for all arms, the stratified CMH row
    mean scores statistic (table scores = the values) and/or general association (`scores`)."""
    variable, rows = spec["variable"], []
    tests = ["row_mean", "general"] if spec["scores"] == "both" else [spec["scores"]]
    for visit in data["AVISIT"].cat.categories:
        v = data.loc[(data["AVISIT"] == visit) & data[variable].notna()]
        base = dict(group2="AVISIT", group2_level=visit, variable=spec["param"])
        rows += _describe(v, variable, arms, base)
        values = sorted(v[variable].astype(float).unique())
        for arm in arms:
            g = v.loc[v["TRT"] == arm, variable].astype(float)
            for value in values:
                n = int((g == value).sum())
                at = dict(base, group1="ARM", group1_level=arm, variable_level=f"{value:g}")
                rows += [dict(at, stat_name="count", stat=n)] + (
                    [dict(at, stat_name="pct", stat=100 * n / len(g))] if len(g) else [])
        for label, pair in _comparisons(arms, spec["control"]):
            sub = v.loc[v["TRT"].isin(pair)]
            at = dict(base, group1="COMPARISON", group1_level=label)
            if sub["TRT"].nunique() < 2 or len(values) < 2:
                rows.append(_note(at, f"CMH test of {label} not computed: fewer than two arms or two response values "
                                      "with data"))
                continue
            tables = _tables(sub, pair, variable, values, spec["strata"])
            for test in tests:
                name, function = SCORE_TESTS[test]
                q, df, p = function(tables, values) if test == "row_mean" else function(tables)
                rows += [dict(at, variable_level=name, stat_name=s, stat=x) for s, x in (("chi2", q), ("df", df),
                                                                                         ("p", p))]
    return ard(rows)


def ard_ancova(data: pd.DataFrame, spec: dict, arms: list[str]) -> pd.DataFrame:
    """Per visit: n, mean, SD by arm; the ANCOVA (OLS) of `variable` on the arm, the covariates and
    the strata as a class effect: LS means by arm and each active arm - control with 95% CI and p."""
    variable, control, rows = spec["variable"], spec["control"], []
    factors = [spec["strata"]] if spec["strata"] else []
    for visit in data["AVISIT"].cat.categories:
        v = data.loc[data["AVISIT"] == visit].dropna(subset=[variable, *spec["covariates"], *factors])
        base = dict(group2="AVISIT", group2_level=visit, variable=spec["param"])
        rows += _describe(v, variable, arms, base)
        try:
            fit = fit_ancova(v, variable, "TRT", spec["covariates"], control, factors=factors)
        except (ValueError, np.linalg.LinAlgError) as err:
            rows.append(_note(dict(base, group1_level="ANCOVA"), f"ANCOVA not estimable: {err}"))
            continue
        for r in fit["lsmeans"].to_dict("records"):
            at = dict(base, group1="ARM", group1_level=str(r["TRT"]), variable_level="lsmean")
            rows += [dict(at, stat_name=s, stat=r[s]) for s in TIDY if s != "p"]
        for r in fit["contrasts"].to_dict("records"):
            at = dict(base, group1="COMPARISON", group1_level=f"{r['TRT']} vs {control}", variable_level="difference")
            rows += [dict(at, stat_name=s, stat=r[s]) for s in TIDY]
    return ard(rows)


def mmrm_formula(spec: dict) -> str:
    """The MMRM's fixed effects: arm, visit, arm x visit, each covariate and covariate x visit, the
    strata as a class effect."""
    terms = ["TRT*AVISIT", *(f"{c}*AVISIT" for c in spec["covariates"])]
    terms += [f"C({spec['strata']})"] if spec["strata"] else []
    return f"{spec['variable']} ~ " + " + ".join(terms)


def ard_mmrm(data: pd.DataFrame, spec: dict, arms: list[str]) -> pd.DataFrame:
    """MMRM (stats.mmrm.fit_mmrm: unstructured covariance, REML, Kenward-Roger or Satterthwaite df)
    of `variable` over the visits: n by visit and arm, LS means by visit and arm, each active arm -
    control by visit with 95% CI and p; the fit's convergence."""
    cols = [spec["variable"], *spec["covariates"], *([spec["strata"]] if spec["strata"] else [])]
    d = data.dropna(subset=cols).copy()
    d["TRT"] = pd.Categorical(d["TRT"], categories=[spec["control"], *(a for a in arms if a != spec["control"])])
    d["AVISIT"] = d["AVISIT"].cat.remove_unused_categories()
    rows = []
    for visit in d["AVISIT"].cat.categories:
        rows += _describe(d.loc[d["AVISIT"] == visit], spec["variable"], arms,
                          dict(group2="AVISIT", group2_level=visit, variable=spec["param"]))
    base = dict(variable=spec["param"])
    try:
        fit = fit_mmrm(d, mmrm_formula(spec), "USUBJID", "AVISIT", cov="us", method="reml", ddf=spec["ddf"])
    except (MMRMError, ValueError, np.linalg.LinAlgError) as err:
        return ard(rows + [_note(dict(base, group1_level="MMRM"), f"MMRM not estimable: {err}")])
    for r in fit.lsmeans(["AVISIT", "TRT"]).to_dict("records"):
        at = dict(base, group1="ARM", group1_level=str(r["TRT"]), group2="AVISIT", group2_level=str(r["AVISIT"]),
                  variable_level="lsmean")
        rows += [dict(at, stat_name=s, stat=r[s]) for s in TIDY if s != "p"]
    for r in fit.lsmean_differences("TRT", "AVISIT", spec["control"]).to_dict("records"):
        at = dict(base, group1="COMPARISON", group1_level=f"{r['TRT']} vs {spec['control']}", group2="AVISIT",
                  group2_level=str(r["AVISIT"]), variable_level="difference")
        rows += [dict(at, stat_name=s, stat=r[s]) for s in TIDY]
    conv = fit.convergence
    if not conv.converged:
        rows.append(_note(dict(base, group1_level="MMRM"), f"REML did not converge ({conv.describe()}); the estimates "
                          "shown are NOT at the optimum"))
    at = dict(base, group1="MODEL", group1_level="REML", variable_level="convergence")
    rows += [dict(at, stat_name=s, stat=x) for s, x in (("n_obs", fit.n_obs), ("n_subjects", fit.n_subjects),
                                                         ("m2ll", fit.m2ll), ("converged", int(conv.converged)))]
    return ard(rows)


def ard_responder(data: pd.DataFrame, spec: dict, arms: list[str]) -> pd.DataFrame:
    """Per visit: responders / subjects with a value (%) by arm; each active arm - control: the
    difference in proportions with the Miettinen-Nurminen 95% CI (stratified by `strata` with CMH
    weights where given) and Fisher's exact p (stratified: the CMH chi-square p, no continuity
    correction)."""
    control, rows = spec["control"], []
    for visit in data["AVISIT"].cat.categories:
        v = data.loc[(data["AVISIT"] == visit) & data["RESPONSE"].notna()]
        base = dict(group2="AVISIT", group2_level=visit, variable=spec["param"], variable_level="responder")
        counts = {}
        for arm in arms:
            g = v.loc[v["TRT"] == arm, "RESPONSE"]
            counts[arm] = (int(g.sum()), len(g))
            at = dict(base, group1="ARM", group1_level=arm)
            rows += [dict(at, stat_name="n", stat=counts[arm][0]), dict(at, stat_name="N", stat=counts[arm][1])]
            if len(g):
                rows.append(dict(at, stat_name="pct", stat=100 * counts[arm][0] / len(g)))
        for arm in (a for a in arms if a != control):
            at = dict(base, group1="COMPARISON", group1_level=f"{arm} vs {control}", variable_level="difference")
            (x1, n1), (x2, n2) = counts[arm], counts[control]
            if not n1 or not n2:
                rows.append(_note(at, f"difference {arm} - {control} not estimable: no subject with a value in "
                                      f"{arm if not n1 else control}"))
                continue
            if spec["strata"]:
                per = []
                for _, g in v.loc[v["TRT"].isin([arm, control])].groupby(spec["strata"], sort=True):
                    a, c = g.loc[g["TRT"] == arm, "RESPONSE"], g.loc[g["TRT"] == control, "RESPONSE"]
                    if len(a) and len(c):          # a stratum without both arms carries no information
                        per.append((int(a.sum()), len(a), int(c.sum()), len(c)))
                ci = stratified_diff_ci(per)
                p = cmh_2x2([[[x1_, n1_ - x1_], [x2_, n2_ - x2_]] for x1_, n1_, x2_, n2_ in per], False)[2]
            else:
                ci, p = diff_ci(x1, n1, x2, n2, method="mn"), fisher_exact(x1, n1, x2, n2)
            rows += [dict(at, stat_name=s, stat=100 * x) for s, x in
                     (("estimate", ci.estimate), ("lower", ci.lower), ("upper", ci.upper))]
            rows.append(dict(at, stat_name="p", stat=p))
    return ard(rows)


def ard_subjects(data: pd.DataFrame, spec: dict, arms: list[str]) -> pd.DataFrame:
    """N by arm: the subjects of the population with a record of the analysis (the column headers)."""
    return ard([dict(group1="ARM", group1_level=arm, variable=spec["param"], variable_level="subjects",
                     stat_name="N", stat=int(data.loc[data["TRT"] == arm, "USUBJID"].nunique())) for arm in arms])


ARD_METHODS = {"cmh": ard_cmh, "ancova": ard_ancova, "mmrm": ard_mmrm, "responder": ard_responder}
