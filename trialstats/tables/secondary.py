"""Secondary efficacy analyses (SAP, protocol `secondary`): MMRM of change from baseline, the
proportion below a threshold by visit, ANCOVA at the key visit (log scale: geometric means),
subgroups of the primary endpoint and of the key-visit change of the first MMRM parameter.

All return ARD frames (ard.shape); `t_*` functions format them for display.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..stats.distributions import chi2_sf, f_sf
from ..stats.ancova import fit_ancova
from ..stats.binary import diff_ci, fisher_exact
from ..stats.mmrm import MMRMError, fit_mmrm
from ..ard.shape import ard
from .format import estimate_ci, fmt, n_over_n_pct

MMRM_FORMULA = "CHG ~ TRT*AVISIT + BASE*AVISIT"
MMRM_MODEL = ("MMRM: treatment, visit, treatment x visit, baseline, baseline x visit; unstructured covariance; "
              "REML; Kenward-Roger df.")


def analysis_frame(adeff: pd.DataFrame, adsl: pd.DataFrame, paramcd: str, arm: str, visits: list[str],
                   population: str = "FASFL") -> pd.DataFrame:
    """Analysed post-baseline records of one parameter in the population, with TRT = arm label."""
    pop = adsl.loc[adsl[population] == "Y", ["USUBJID", arm]].rename(columns={arm: "TRT"})
    rec = adeff[(adeff["PARAMCD"] == paramcd) & (adeff["ANL01FL"] == "Y") & adeff["AVISIT"].isin(visits)]
    d = rec.merge(pop, on="USUBJID")[["USUBJID", "TRT", "AVISIT", "AVISITN", "AVAL", "BASE", "CHG"]]
    d["AVISIT"] = pd.Categorical(d["AVISIT"], categories=visits)
    return d.reset_index(drop=True)


def ard_mmrm(data: pd.DataFrame, paramcd: str, labels, ddf: str = "kenward-roger",
             covariates: tuple[str, ...] = ()) -> tuple[pd.DataFrame, dict]:
    """MMRM of CHG (SAP model: treatment, visit, treatment x visit, baseline, baseline x visit,
    and any further covariates (data columns); unstructured; REML; Kenward-Roger): LS means by
    visit and arm, differences of each active arm - control. `labels` = (*active arms, control)."""
    *actives, control = labels
    d = data.dropna(subset=["CHG", "BASE", *covariates]).copy()
    d["TRT"] = pd.Categorical(d["TRT"], categories=[control, *actives])
    d["AVISIT"] = d["AVISIT"].cat.remove_unused_categories()
    info = {"n_obs": len(d), "n_subjects": d["USUBJID"].nunique(), "note": ""}
    formula = MMRM_FORMULA + "".join(f" + {c}" for c in covariates)
    try:
        fit = fit_mmrm(d, formula, "USUBJID", "AVISIT", cov="us", method="reml", ddf=ddf)
    except (MMRMError, ValueError, np.linalg.LinAlgError) as err:   # e.g. one arm or one visit without data
        info["note"] = f"MMRM not estimable: {err}"
        return ard([]), info
    rows = []
    for r in fit.lsmeans(["AVISIT", "TRT"]).itertuples(index=False):
        base = dict(group1="ARM", group1_level=str(r.TRT), group2="AVISIT", group2_level=str(r.AVISIT),
                    variable=paramcd, variable_level="lsmean_chg")
        rows += [dict(base, stat_name=s, stat=getattr(r, s)) for s in ("estimate", "se", "df", "lower", "upper")]
    for r in fit.lsmean_differences("TRT", "AVISIT", control).itertuples(index=False):
        base = dict(group1="CONTRAST", group1_level=f"{r.TRT} - {control}", group2="AVISIT",
                    group2_level=str(r.AVISIT), variable=paramcd, variable_level="difference")
        rows += [dict(base, stat_name=s, stat=getattr(r, s)) for s in ("estimate", "se", "df", "lower", "upper", "p")]
    conv = fit.convergence
    base = dict(group1="MODEL", group1_level="REML", variable=paramcd, variable_level="convergence")
    rows += [dict(base, stat_name=name, stat=value) for name, value in (
        ("m2ll", fit.m2ll), ("iterations", conv.iterations), ("criterion", conv.criterion),
        ("max_gradient", conv.max_gradient), ("hessian_pd", int(conv.hessian_pd)), ("converged", int(conv.converged)))]
    info["convergence"] = f"{paramcd}: REML {conv.describe()}" + \
        ("" if conv.converged else "; the estimates shown are NOT at the REML optimum") + "."
    counts = d.groupby(["TRT", "AVISIT"], observed=True).size()
    for (trt, visit), n in counts.items():
        rows.append(dict(group1="ARM", group1_level=str(trt), group2="AVISIT", group2_level=str(visit),
                         variable=paramcd, variable_level="n", stat_name="n", stat=int(n)))
    info["sigma"] = fit.sigma
    return ard(rows), info


def t_mmrm(ard_: pd.DataFrame, labels, visits: list[str]) -> pd.DataFrame:
    """LS-mean change by visit and arm, and the difference with 95% CI and p."""
    rows = []
    for visit in visits:
        sel = ard_[ard_["group2_level"] == visit]
        if sel.empty:
            continue
        get = lambda level, lv, s: sel.loc[(sel.group1_level == level) & (sel.variable_level == lv)  # noqa: E731
                                           & (sel.stat_name == s), "stat"]
        row = {"Visit": visit}
        for lab in labels:
            n = get(lab, "n", "n")
            est = [get(lab, "lsmean_chg", s) for s in ("estimate", "lower", "upper")]
            row[f"{lab}: n"] = fmt(float(n.iloc[0]), "count") if len(n) else "0"
            row[f"{lab}: LS mean (95% CI)"] = (estimate_ci(*(float(e.iloc[0]) for e in est), "ratio")
                                               if len(est[0]) else "")
        contrast = f"{labels[0]} - {labels[1]}"
        diff = [get(contrast, "difference", s) for s in ("estimate", "lower", "upper", "p")]
        row["Difference (95% CI)"] = estimate_ci(*(float(v.iloc[0]) for v in diff[:3]), "ratio") if len(diff[0]) else ""
        row["p"] = fmt(float(diff[3].iloc[0]), "p") if len(diff[3]) else ""
        rows.append(row)
    return pd.DataFrame(rows)


def ard_threshold_by_visit(data: pd.DataFrame, paramcd: str, below: float, labels, visits) -> pd.DataFrame:
    """Proportion with AVAL < `below` by visit and arm (observed values), MN difference, Fisher p."""
    rows = []
    for visit in visits:
        v = data[data["AVISIT"] == visit]
        counts = []
        for lab in labels:
            g = v[v["TRT"] == lab]
            counts += [int((g["AVAL"] < below).sum()), len(g)]
            base = dict(group1="ARM", group1_level=lab, group2="AVISIT", group2_level=visit, variable=paramcd,
                        variable_level=f"AVAL < {below:g}")
            rows += [dict(base, stat_name="n", stat=counts[-2]), dict(base, stat_name="N", stat=counts[-1])]
        if counts[1] and counts[3]:
            ci = diff_ci(*counts, method="mn")
            base = dict(group1="CONTRAST", group1_level=f"{labels[0]} - {labels[1]}", group2="AVISIT",
                        group2_level=visit, variable=paramcd, variable_level=f"AVAL < {below:g}")
            rows += [dict(base, stat_name=s, stat=v_) for s, v_ in
                     (("estimate", ci.estimate), ("lower", ci.lower), ("upper", ci.upper),
                      ("p", fisher_exact(*counts)))]
    return ard(rows)


def t_threshold_by_visit(ard_: pd.DataFrame, labels, visits) -> pd.DataFrame:
    rows = []
    for visit in visits:
        sel = ard_[ard_["group2_level"] == visit].set_index(["group1_level", "stat_name"])["stat"]
        if sel.empty:
            continue
        row = {"Visit": visit}
        for lab in labels:
            n, big_n = sel.get((lab, "n"), np.nan), sel.get((lab, "N"), np.nan)
            row[lab] = n_over_n_pct(n, big_n, 100 * n / big_n) if big_n else ""
        c = f"{labels[0]} - {labels[1]}"
        if (c, "estimate") in sel:
            row["Difference, MN 95% CI (pp)"] = estimate_ci(sel[(c, "estimate")], sel[(c, "lower")],
                                                            sel[(c, "upper")], "pp")
            row["p (Fisher)"] = fmt(sel[(c, "p")], "p")
        rows.append(row)
    return pd.DataFrame(rows)


def ard_ancova(data: pd.DataFrame, paramcd: str, labels, log: bool) -> tuple[pd.DataFrame, str]:
    """ANCOVA at one visit of AVAL on arm and baseline (log scale: geometric means and ratio)."""
    d = data.dropna(subset=["AVAL", "BASE"])
    try:
        res = fit_ancova(d, "AVAL", "TRT", ["BASE"], reference=labels[1], log=log)
    except ValueError as err:
        return ard([]), f"not estimable: {err}"
    kind = "geometric_mean" if log else "lsmean"
    rows = []
    for r in res["lsmeans"].itertuples(index=False):
        base = dict(group1="ARM", group1_level=str(r.TRT), variable=paramcd, variable_level=kind)
        rows += [dict(base, stat_name=s, stat=getattr(r, s)) for s in ("n", "estimate", "lower", "upper")]
    for r in res["contrasts"].itertuples(index=False):
        base = dict(group1="CONTRAST", group1_level=f"{r.TRT} {'/' if log else '-'} {r.reference}",
                    variable=paramcd, variable_level="ratio" if log else "difference")
        rows += [dict(base, stat_name=s, stat=getattr(r, s)) for s in ("estimate", "lower", "upper", "p")]
    return ard(rows), ""


def t_ancova(ards: dict[str, pd.DataFrame], labels, names: dict[str, str], notes: dict[str, str]) -> pd.DataFrame:
    rows = []
    for paramcd, a in ards.items():
        row = {"Parameter": names.get(paramcd, paramcd)}
        if a.empty:
            row.update({labels[0]: "", labels[1]: "", "Contrast (95% CI)": notes.get(paramcd, "not estimable"),
                        "p": ""})
            rows.append(row)
            continue
        for lab in labels:
            s = a[a["group1_level"] == lab].set_index("stat_name")["stat"]
            row[lab] = f"n={fmt(s['n'], 'count')}: " + estimate_ci(s["estimate"], s["lower"], s["upper"], "ratio")
        c = a[a["group1"] == "CONTRAST"].set_index("stat_name")["stat"]
        row["Contrast (95% CI)"] = estimate_ci(c["estimate"], c["lower"], c["upper"], "ratio")
        row["p"] = fmt(c["p"], "p")
        rows.append(row)
    return pd.DataFrame(rows)


# --- subgroups -----------------------------------------------------------------------------------

def subgroup_levels(adsl: pd.DataFrame, spec: dict) -> pd.Series:
    """The subgroup of each subject: a categorical variable, or a numeric one cut at `cut`."""
    col = spec["variable"]
    if "cut" in spec:
        values = pd.to_numeric(adsl[col], errors="coerce")
        return pd.Series(np.where(values.isna(), None, np.where(values < spec["cut"], f"< {spec['cut']:g}",
                                                                 f">= {spec['cut']:g}")), index=adsl.index)
    return adsl[col].astype("object")


def ard_subgroups(status: pd.DataFrame, chg48: pd.DataFrame, adsl: pd.DataFrame, subgroups: list[dict],
                  labels) -> pd.DataFrame:
    """Per subgroup level: responder difference (MN CI) and key-visit change difference
    (ANCOVA on baseline); interaction p: likelihood-ratio test of arm x subgroup in a logistic
    model (Firth when separated: penalized LR) and F test of arm x subgroup in the ANCOVA."""
    rows = []
    fas = status[(status["FASFL"] == "Y") & (status["STATUS"] != "not yet due")].copy()
    fas["RESP"] = (fas["STATUS"] == "Y").astype(float)
    for spec in subgroups:
        name = spec["label"]
        level_of = subgroup_levels(adsl, spec).set_axis(adsl["USUBJID"])
        f = fas.assign(SUB=fas["USUBJID"].map(level_of)).dropna(subset=["SUB"])
        c = chg48.assign(SUB=chg48["USUBJID"].map(level_of)).dropna(subset=["SUB", "CHG", "BASE"])
        for level in sorted(f["SUB"].unique()):
            g = f[f["SUB"] == level]
            counts = [int(g.loc[g["ARM"] == lab, "RESP"].sum()) for lab in labels]
            ns = [int((g["ARM"] == lab).sum()) for lab in labels]
            base = dict(group1="SUBGROUP", group1_level=name, group2="LEVEL", group2_level=str(level))
            for lab, x, n in zip(labels, counts, ns):
                rows += [dict(base, variable="responder", variable_level=lab, stat_name="n", stat=x),
                         dict(base, variable="responder", variable_level=lab, stat_name="N", stat=n)]
            if min(ns) > 0:
                ci = diff_ci(counts[0], ns[0], counts[1], ns[1], "mn")
                rows += [dict(base, variable="responder", variable_level="difference", stat_name=s, stat=v)
                         for s, v in (("estimate", ci.estimate), ("lower", ci.lower), ("upper", ci.upper))]
            h = c[c["SUB"] == level]
            if h["TRT"].nunique() == 2 and len(h) > 3:
                res = fit_ancova(h, "CHG", "TRT", ["BASE"], reference=labels[1])
                con = res["contrasts"].iloc[0]
                rows += [dict(base, variable="key_visit_chg", variable_level="difference", stat_name=s, stat=con[s])
                         for s in ("estimate", "lower", "upper")]
                rows.append(dict(base, variable="key_visit_chg", variable_level="n", stat_name="n", stat=len(h)))
        # interaction tests
        f = f.assign(ACT=(f["ARM"] == labels[0]).astype(float))
        dummies = pd.get_dummies(f["SUB"], prefix="S", drop_first=True, dtype=float)
        if dummies.shape[1]:
            inter = dummies.mul(f["ACT"], axis=0).add_prefix("X")
            data = pd.concat([f[["RESP", "ACT"]], dummies, inter], axis=1)
            p_int = _interaction_lr(data, list(dummies.columns), list(inter.columns))
            rows.append(dict(group1="SUBGROUP", group1_level=name, variable="responder",
                             variable_level="interaction", stat_name="p", stat=p_int))
        if c["SUB"].nunique() > 1 and c["TRT"].nunique() == 2:
            p = _nested_f_test(c, "CHG ~ C(TRT) * C(SUB) + BASE", "CHG ~ C(TRT) + C(SUB) + BASE")
            rows.append(dict(group1="SUBGROUP", group1_level=name, variable="key_visit_chg",
                             variable_level="interaction", stat_name="p", stat=p))
    return ard(rows)


def _nested_f_test(data: pd.DataFrame, full: str, reduced: str) -> float:
    """p of the F test of a linear model against a reduced one nested in it (least squares)."""
    import patsy

    fits = []
    for formula in (full, reduced):
        y, x = patsy.dmatrices(formula, data, return_type="matrix")
        y, x = np.asarray(y).ravel(), np.asarray(x)
        resid = y - x @ np.linalg.lstsq(x, y, rcond=None)[0]
        fits.append((float(resid @ resid), len(y) - np.linalg.matrix_rank(x)))
    (rss_f, df_f), (rss_r, df_r) = fits
    return float(f_sf((rss_r - rss_f) / (df_r - df_f) / (rss_f / df_f), df_r - df_f, df_f))


def _interaction_lr(data: pd.DataFrame, mains: list[str], inters: list[str]) -> float:
    """Likelihood-ratio p of the arm x subgroup terms in a logistic model of response; with
    separation (few responders per subgroup) the penalized (Firth) likelihoods are compared."""
    from ..stats.binary import design_matrix, firth_fit, has_separation, logistic_ml
    x_f, y, _ = design_matrix(data, "RESP", ["ACT", *mains, *inters])
    x_r, _, _ = design_matrix(data, "RESP", ["ACT", *mains])
    if has_separation(x_f, y):   # restricted fit under the full model's penalty: LR >= 0
        first = x_f.shape[1] - len(inters)
        ll_f = firth_fit(x_f, y)[1]
        ll_r = firth_fit(x_f, y, {j: 0.0 for j in range(first, x_f.shape[1])})[1]
    else:
        ll_f, ll_r = logistic_ml(x_f, y)[2], logistic_ml(x_r, y)[2]
    return float(chi2_sf(max(2 * (ll_f - ll_r), 0.0), len(inters)))


# --- all secondary analyses of a study ------------------------------------------------------------

def run_secondary(adsl: pd.DataFrame, adeff: pd.DataFrame, status: pd.DataFrame, spec: dict, labels,
                  arm: str, visits: list[str], names: dict[str, str]) -> dict:
    """Every secondary output as {id: {"ard": frame, "table": frame, ...}} (ids as in TLF.md)."""
    key = spec["key_visit"]
    out, mmrm = {}, {}
    for paramcd in spec["mmrm"]:
        data = analysis_frame(adeff, adsl, paramcd, arm, visits)
        mmrm[paramcd], info = ard_mmrm(data, paramcd, labels)
        mmrm[paramcd + "_note"] = info["note"]
        fit = info.get("convergence", info["note"])        # "<PARAMCD>: REML ..." -> "<name (unit)>: REML ..."
        mmrm[paramcd + "_fit"] = fit.replace(f"{paramcd}: ", f"{names.get(paramcd, paramcd)}: ", 1)
    for tid, paramcd in (("t_14_2_5", spec["mmrm"][0]), ("t_14_2_6", spec["mmrm"][1])):
        out[tid] = {"ard": mmrm[paramcd], "table": t_mmrm(mmrm[paramcd], labels, visits), "paramcd": paramcd,
                    "note": mmrm[paramcd + "_note"], "footnote": f"{MMRM_MODEL} {mmrm[paramcd + '_fit']}"}
    others = spec["mmrm"][2:]
    rows, ards = [], []
    for paramcd in others:
        t = t_mmrm(mmrm[paramcd], labels, [key])
        rows.append(t.assign(Visit=names.get(paramcd, paramcd) + f" ({key})") if len(t) else
                    pd.DataFrame([{"Visit": names.get(paramcd, paramcd), "p": mmrm[paramcd + "_note"]}]))
        ards.append(mmrm[paramcd])
    out["t_14_2_7"] = {"ard": pd.concat(ards, ignore_index=True),
                       "table": pd.concat(rows, ignore_index=True).rename(columns={"Visit": "Parameter"}),
                       "footnote": " ".join([MMRM_MODEL, *(mmrm[paramcd + "_fit"] for paramcd in others)])}
    thr = spec["threshold"]
    data = analysis_frame(adeff, adsl, thr["paramcd"], arm, visits)
    a = ard_threshold_by_visit(data, thr["paramcd"], thr["below"], labels, visits)
    out["t_14_2_8"] = {"ard": a, "table": t_threshold_by_visit(a, labels, visits)}
    for tid, params, log in (("t_14_2_9", spec["ancova_log"], True), ("t_14_2_10", spec["ancova"], False)):
        ards, notes = {}, {}
        for paramcd in params:
            data = analysis_frame(adeff, adsl, paramcd, arm, [key])
            ards[paramcd], notes[paramcd] = ard_ancova(data, paramcd, labels, log)
        out[tid] = {"ard": pd.concat(list(ards.values()), ignore_index=True),
                    "table": t_ancova(ards, labels, names, notes)}
    chg48 = analysis_frame(adeff, adsl, spec["mmrm"][0], arm, [key])
    out["f_14_2_11"] = {"ard": ard_subgroups(status, chg48, adsl, spec["subgroups"], labels)}
    return out
