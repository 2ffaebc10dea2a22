"""The primary endpoint: responder analyses under the estimand and its sensitivity analyses.

Everything returns ARD rows (ard.shape): per arm n / N / pct, and per contrast (active minus
control) estimate, lower, upper, p with the method named in variable_level.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..arms import arm_header
from ..stats.binary import diff_ci, fisher_exact, fisher_exact_grid, fit_logistic, mn_ci_grid
from ..stats.mi import impute_sequential, rubin
from ..vocabulary import CI_METHODS, POPULATIONS, analysis_names, covariate_text
from ..protocol import analysis_visits, dose_words
from ..ard.shape import ard
from .format import estimate_ci, fmt, n_over_n_pct, stat

def responder_status(adsl: pd.DataFrame, adeff: pd.DataFrame, spec: dict, arm: str,
                     visits: list[dict] | None = None, cut: str | None = None) -> pd.DataFrame:
    """Per enrolled subject: arm, population flags, STATUS (Y / N / missing: a criterion not
    observed and no prohibited medication), component flags and the reason.

    At an interim cut, a subject still on study whose window for the endpoint visit has not
    closed by the cut is "not yet due": left out of the responder analyses of that cut (and
    listed), rather than counted as a missing value."""
    resp = adeff[adeff["PARAMCD"] == spec["paramcd"]].set_index("USUBJID")
    s = adsl[adsl["ENRLFL"] == "Y"].set_index("USUBJID")
    out = pd.DataFrame({"ARM": s[arm], "ARMCD": s["ARMCD"], "FASFL": s["FASFL"], "PPROTFL": s["PPROTFL"],
                        "PROHIBFL": s["PROHIBFL"]})
    crit_cols = sorted(c for c in resp.columns if c.startswith("CRIT") and c.endswith("FL"))
    for c in crit_cols:
        out[c] = resp[c].reindex(out.index)
    out["AVALC"] = resp["AVALC"].reindex(out.index)
    observed = out[crit_cols].notna().all(axis=1)
    out["STATUS"] = np.where(out["PROHIBFL"] == "Y", "N", np.where(observed, out["AVALC"], "missing"))
    out["RSPREAS"] = resp["RSPREAS"].reindex(out.index)
    if cut is not None and visits is not None:
        v = next(v for v in visits if v["name"] == spec["visit"])
        closes = s["REFSDT"] + pd.to_timedelta(v["day"] - 1 + v.get("window", 0), unit="D")
        due = (s["EOSSTT"] != "ONGOING") | (closes <= pd.Timestamp(cut))
        pending = ~due & (out["STATUS"] == "missing")
        out.loc[pending, "STATUS"] = "not yet due"
        out.loc[pending, "RSPREAS"] = f"on study; the {spec['visit']} window closes after the cut {cut}"
    return out.reset_index()


def primary_status(adsl: pd.DataFrame, adeff: pd.DataFrame, protocol: dict, arm: str,
                   cut: str) -> tuple[pd.DataFrame, tuple[str, str]]:
    """Responder status of every enrolled subject at the cut and the (active, control) labels."""
    status = responder_status(adsl, adeff, protocol["responder"], arm, protocol["visits"], cut)
    return status, arm_labels(status, protocol["randomization"]["control"])


def _arm_rows(analysis: str, counts: dict) -> list[dict]:
    rows = []
    for label, (x, n) in counts.items():
        base = dict(group1="ARM", group1_level=label, variable=analysis)
        rows += [dict(base, stat_name="n", stat=x), dict(base, stat_name="N", stat=n),
                 dict(base, stat_name="pct", stat=100 * x / n if n else np.nan)]
    return rows


def _contrast_rows(analysis: str, contrast: str, method: str, est, lower, upper, p=np.nan) -> list[dict]:
    base = dict(group1="CONTRAST", group1_level=contrast, variable=analysis, variable_level=method)
    return [dict(base, stat_name=k, stat=v) for k, v in
            (("estimate", est), ("lower", lower), ("upper", upper), ("p", p))]


def ard_difference(analysis: str, x1, n1, x2, n2, labels: tuple[str, str], methods=("mn",)) -> list[dict]:
    """Arm counts and the difference active - control with each CI method and Fisher's p."""
    contrast = f"{labels[0]} - {labels[1]}"
    rows = _arm_rows(analysis, {labels[0]: (x1, n1), labels[1]: (x2, n2)})
    p = fisher_exact(x1, n1, x2, n2)
    for method in methods:
        ci = diff_ci(x1, n1, x2, n2, method)
        rows += _contrast_rows(analysis, contrast, method, ci.estimate, ci.lower, ci.upper,
                               p if method == methods[0] else np.nan)
    return rows


def _counts(frame: pd.DataFrame, column: str, labels) -> list[int]:
    out = []
    for label in labels:
        g = frame[frame["ARM"] == label]
        out += [int((g[column] == "Y").sum()), len(g)]
    return out


def arm_labels(status: pd.DataFrame, control_armcd: str) -> tuple[str, str]:
    """(active, control) display labels; the active arm is the single non-control arm."""
    pairs = status[["ARM", "ARMCD"]].drop_duplicates()
    control = pairs.loc[pairs["ARMCD"] == control_armcd, "ARM"]
    active = pairs.loc[pairs["ARMCD"] != control_armcd, "ARM"]
    if len(control) != 1 or len(active) != 1:
        raise ValueError(f"the primary comparison needs one active arm and the control {control_armcd!r}; "
                         f"found {sorted(pairs['ARMCD'])}")
    return str(active.iloc[0]), str(control.iloc[0])


def ard_primary(status: pd.DataFrame, adsl: pd.DataFrame, labels, covariates: list[str]) -> pd.DataFrame:
    """Primary analysis and the sensitivity analyses that need no imputation."""
    unknown = [c for c in covariates if c not in adsl]
    if unknown:
        raise ValueError(f"primary covariates {unknown} are not ADSL columns (protocol responder covariates; "
                         f"ADSL has {sorted(c for c in adsl.columns if c.endswith('BL'))} among baseline values)")
    fas = status[(status["FASFL"] == "Y") & (status["STATUS"] != "not yet due")]
    composite = fas.assign(RESP=np.where(fas["STATUS"] == "Y", "Y", "N"))
    rows = ard_difference("primary", *_counts(composite, "RESP", labels), labels, ("mn", "wald", "newcombe"))
    # adjusted odds ratio (Firth when separated)
    data = composite.merge(adsl[["USUBJID", *covariates]], on="USUBJID")
    data = data.assign(y=(data["RESP"] == "Y").astype(float), active=(data["ARM"] == labels[0]).astype(float))
    fit = fit_logistic(data, "y", ["active", *covariates], profile=["active"])
    orr = fit.odds_ratio("active")
    rows += _contrast_rows("adjusted_or", f"{labels[0]} / {labels[1]}", f"odds ratio ({fit.method})",
                           orr["estimate"], orr["lower"], orr["upper"], orr["p"])
    rows.append(dict(group1="MODEL", variable="adjusted_or", variable_level="n", stat_name="n", stat=fit.n))
    pp = fas[fas["PPROTFL"] == "Y"].assign(RESP=lambda d: np.where(d["STATUS"] == "Y", "Y", "N"))
    rows += ard_difference("per_protocol", *_counts(pp, "RESP", labels), labels)
    oc = fas[fas["STATUS"] != "missing"]
    rows += ard_difference("observed_cases", *_counts(oc, "STATUS", labels), labels)
    for i, col in enumerate(sorted(c for c in fas.columns if c.startswith("CRIT") and c.endswith("FL")), 1):
        comp = fas.assign(RESP=np.where((fas[col] == "Y") & (fas["PROHIBFL"] != "Y"), "Y", "N"))
        rows += ard_difference(f"component_{i}", *_counts(comp, "RESP", labels), labels)
    return ard(rows)


# --- multiple imputation -------------------------------------------------------------------------

def mi_wide(adeff: pd.DataFrame, status: pd.DataFrame, spec: dict, visits: list[str]) -> pd.DataFrame:
    """FAS subjects x (baseline and analysed visit values) of the responder criteria parameters."""
    params = [c["paramcd"] for c in spec["criteria"]]
    fas = status[(status["FASFL"] == "Y") & (status["STATUS"] != "not yet due")][["USUBJID", "ARM", "PROHIBFL"]]
    rec = adeff[adeff["PARAMCD"].isin(params) & (adeff["ANL01FL"] == "Y")]
    base = rec[rec["ABLFL"] == "Y"].pivot_table(index="USUBJID", columns="PARAMCD", values="AVAL", aggfunc="first")
    base.columns = [f"{c}@BASE" for c in base.columns]
    post = rec[rec["AVISIT"].isin(visits)].pivot_table(index="USUBJID", columns=["PARAMCD", "AVISIT"],
                                                       values="AVAL", aggfunc="first")
    post.columns = [f"{p}@{v}" for p, v in post.columns]
    wide = fas.set_index("USUBJID").join(base).join(post)
    for p in params:
        for v in visits:
            wide[f"{p}@{v}"] = wide.get(f"{p}@{v}", np.nan)
    return wide.reset_index()


def responders_in(wide: pd.DataFrame, spec: dict) -> pd.Series:
    """Responder status of each row of a completed wide frame, by the protocol's criteria."""
    ok = pd.Series(True, index=wide.index)
    ops = {"lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal}
    for crit in spec["criteria"]:
        (test, limit), = [(k, v) for k, v in crit.items() if k != "paramcd"]
        column, op = test.split("_")
        value = wide[f"{crit['paramcd']}@{spec['visit']}"]
        base = wide[f"{crit['paramcd']}@BASE"]
        value = {"aval": value, "chg": value - base, "pchg": 100 * (value - base) / base}[column]
        ok &= ops[op](value, limit)
    if spec["prohibited_medication"] == "non-responder":
        ok &= wide["PROHIBFL"] != "Y"
    return ok


def shard_range(total: int, shard: int, shards: int) -> range:
    """The part `shard` (0-based) of range(total) cut into `shards` nearly equal pieces."""
    if not 0 <= shard < shards:
        raise ValueError(f"shard {shard} is not in 0..{shards - 1}")
    return range(shard * total // shards, (shard + 1) * total // shards)


def shard_part(analysis: str, adeff: pd.DataFrame, status: pd.DataFrame, labels, protocol: dict, mi: dict,
               shard: int = 0, shards: int = 1) -> pd.DataFrame:
    """Piece `shard` of `shards` of a heavy analysis: "mi" (a range of the imputations: mi_estimates) or
    "tipping" (a range of the grid's rows: ard_tipping_grid); with shards = 1, the whole analysis."""
    if analysis == "mi":
        spec, visits = protocol["responder"], analysis_visits(protocol)
        return mi_estimates(mi_wide(adeff, status, spec, visits), spec, visits, labels,
                            shard_range(mi["imputations"], shard, shards), mi["seed"])
    rows = shard_range(tipping_counts(status, labels)[labels[0]]["missing"] + 1, shard, shards)
    return ard_tipping_grid(status, labels, rows)


def mi_estimates(wide: pd.DataFrame, spec: dict, visits: list[str], labels, imputations: range,
                 seed: int) -> pd.DataFrame:
    """Responder counts and the Wald difference with its variance for each of the given
    imputations (one row each): the part of the MI analysis a cluster job computes. When
    imputation is impossible (e.g. an interim cut with few values at the endpoint visit) one row
    with the reason in `error`."""
    params = [c["paramcd"] for c in spec["criteria"]]
    try:
        imputed = impute_sequential(wide, params, visits, [f"{p}@BASE" for p in params], "ARM", imputations, seed)
    except ValueError as err:
        return pd.DataFrame({"imputation": [imputations.start], "error": [str(err)]})
    rows = []
    for i, w in zip(imputations, imputed):
        r = responders_in(w, spec)
        x1, n1 = int(r[w["ARM"] == labels[0]].sum()), int((w["ARM"] == labels[0]).sum())
        x2, n2 = int(r[w["ARM"] == labels[1]].sum()), int((w["ARM"] == labels[1]).sum())
        p1, p2 = x1 / n1, x2 / n2
        rows.append(dict(imputation=i, x1=x1, n1=n1, x2=x2, n2=n2, estimate=p1 - p2,
                         variance=p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2, error=""))
    return pd.DataFrame(rows)


def ard_mi_pooled(estimates: pd.DataFrame, wide: pd.DataFrame, labels, m: int) -> pd.DataFrame:
    """Responder difference under MAR: the per-imputation differences (mi_estimates, any number
    of shards concatenated) pooled by Rubin's rules (Barnard-Rubin df, complete-data df N-2)."""
    method = f"Rubin (m={m})"
    n = [(wide["ARM"] == lab).sum() for lab in labels]
    errors = estimates["error"].replace("", np.nan).dropna() if "error" in estimates else pd.Series(dtype=str)
    if len(errors):
        rows = _contrast_rows("mi_mar", f"{labels[0]} - {labels[1]}", method, np.nan, np.nan, np.nan)
        rows.append(dict(group1="NOTE", variable="mi_mar", variable_level=f"not estimable: {errors.iloc[0]}",
                         stat_name="n", stat=0))
        return ard(_arm_rows("mi_mar", {labels[0]: (np.nan, n[0]), labels[1]: (np.nan, n[1])}) + rows)
    estimates = estimates.sort_values("imputation")
    if list(estimates["imputation"]) != list(range(m)):
        raise ValueError(f"MI pooling expects imputations 0..{m - 1} once each; "
                         f"found {len(estimates)} rows "
                         f"({sorted(set(range(m)) - set(estimates['imputation']))[:5]} missing)")
    pooled = rubin(estimates["estimate"], estimates["variance"], df_complete=len(wide) - 2)
    rows = _arm_rows("mi_mar", {labels[0]: (estimates["x1"].mean(), n[0]), labels[1]: (estimates["x2"].mean(), n[1])})
    rows += _contrast_rows("mi_mar", f"{labels[0]} - {labels[1]}", method, pooled.estimate,
                           pooled.lower, pooled.upper, pooled.p)
    rows.append(dict(group1="CONTRAST", group1_level=f"{labels[0]} - {labels[1]}", variable="mi_mar",
                     variable_level=method, stat_name="df", stat=pooled.df))
    return ard(rows)


# --- tipping point -------------------------------------------------------------------------------

def tipping_counts(status: pd.DataFrame, labels) -> dict:
    """Per arm label: observed responders, FAS size and missing outcomes (the grid's margins)."""
    fas = status[(status["FASFL"] == "Y") & (status["STATUS"] != "not yet due")]
    arm = {lab: fas["ARM"] == lab for lab in labels}
    return {lab: dict(responders=int((arm[lab] & (fas["STATUS"] == "Y")).sum()), n=int(arm[lab].sum()),
                      missing=int((arm[lab] & (fas["STATUS"] == "missing")).sum())) for lab in labels}


def ard_tipping_grid(status: pd.DataFrame, labels, rows: range | None = None) -> pd.DataFrame:
    """Every assumption on how many missing patients of each arm respond (rows: the active-arm
    counts ka to compute, default all): MN difference with its CI and Fisher's p, vectorised."""
    c = tipping_counts(status, labels)
    a, k = c[labels[0]], c[labels[1]]
    rows = range(a["missing"] + 1) if rows is None else rows
    ka, kc = (g.ravel() for g in np.meshgrid(np.array(rows, dtype=int), np.arange(k["missing"] + 1), indexing="ij"))
    x1, x2 = a["responders"] + ka, k["responders"] + kc
    lower, upper = mn_ci_grid(x1, a["n"], x2, k["n"])
    stats_ = {"estimate": x1 / a["n"] - x2 / k["n"], "lower": lower, "upper": upper,
              "p": fisher_exact_grid(x1, a["n"], x2, k["n"])}
    cells = pd.DataFrame({"group1": f"missing responders {labels[0]}", "group1_level": ka.astype(str),
                          "group2": f"missing responders {labels[1]}", "group2_level": kc.astype(str),
                          "variable": "tipping_point"})
    long = cells.loc[cells.index.repeat(len(stats_))].reset_index(drop=True)
    long["stat_name"] = np.tile(list(stats_), len(cells))
    long["stat"] = np.column_stack(list(stats_.values())).ravel()
    return ard(long)


def display_levels(missing: int, most: int = 11) -> list[int]:
    """The assumptions (0..missing responders) a display shows: all, or `most` evenly spaced ones
    including 0 and all when the grid is larger (the ARD always holds every cell)."""
    if missing + 1 <= most:
        return list(range(missing + 1))
    return sorted({int(round(k)) for k in np.linspace(0, missing, most)})


def tipping_statement(grid: pd.DataFrame, status: pd.DataFrame, labels, alpha: float = 0.05) -> str:
    """The sentence stating the tipping point, from the whole grid (shards concatenated)."""
    p = grid[grid["stat_name"] == "p"]
    significant = {(int(a), int(c)): v < alpha for a, c, v in zip(p["group1_level"], p["group2_level"], p["stat"])}
    miss = {lab: v["missing"] for lab, v in tipping_counts(status, labels).items()}
    if len(significant) != (miss[labels[0]] + 1) * (miss[labels[1]] + 1):
        raise ValueError(f"the tipping-point grid has {len(significant)} distinct cells; expected "
                         f"{(miss[labels[0]] + 1) * (miss[labels[1]] + 1)}")
    sentence = _tipping_sentence(significant, miss, labels, alpha)
    if any(len(display_levels(m)) < m + 1 for m in miss.values()):
        sentence = sentence.replace("(full grid in the table)", "(the table shows evenly spaced assumptions; "
                                    "every cell is in the analysis results data t_14_2_4_tipping_point.csv)")
    return sentence


def _tipping_sentence(significant: dict, miss: dict, labels, alpha) -> str:
    """The tipping point along the edge of the grid nearest the primary assumption."""
    a, c = labels
    if significant[0, 0]:
        lost = sorted(kc for (ka, kc), sig in significant.items() if ka == 0 and not sig)
        if not lost:
            return (f"Significant (Fisher p < {alpha}) under the primary assumption, and still with none of the "
                    f"{miss[a]} missing {a} patients and all {miss[c]} missing {c} patients responding: "
                    "no tipping point on that edge (full grid in the table).")
        return (f"Significant (Fisher p < {alpha}) under the primary assumption; the tipping point: with none of "
                f"the {miss[a]} missing {a} patients responding, significance is lost once {lost[0]} of the "
                f"{miss[c]} missing {c} patients {'is' if lost[0] == 1 else 'are'} assumed to respond (full grid in "
                "the table).")
    gained = sorted(ka for (ka, kc), sig in significant.items() if kc == 0 and sig)
    if not gained:
        return (f"Not significant (Fisher p >= {alpha}) under the primary assumption, nor with all "
                f"{miss[a]} missing {a} patients responding and none of the {miss[c]} missing {c} patients.")
    return (f"Not significant (Fisher p >= {alpha}) under the primary assumption; it becomes significant once "
            f"{gained[0]} of the {miss[a]} missing {a} patients {'is' if gained[0] == 1 else 'are'} assumed to "
            "respond, with none of the "
            f"{miss[c]} missing {c} patients (full grid in the table).")


# --- the estimand --------------------------------------------------------------------------------

def estimand_rows(protocol: dict) -> pd.DataFrame:
    """The primary estimand's attributes (ICH E9(R1)) as text rows, from the protocol."""
    spec = protocol["responder"]
    prohibited = protocol.get("prohibited_medications", [])
    covariates = covariate_text(spec.get("covariates", []), protocol.get("baseline"))
    key = protocol["populations"]["key_parameter"]
    key_name = {**protocol.get("labs", {}), **protocol.get("vitals", {})}.get(key, {}).get("name", key)
    words = dose_words(protocol)
    rows = [
        ("Population", f"Full analysis set: randomized, at least one {words['dose_word']}, a baseline and at least "
                       f"one post-baseline {key_name} value"),
        ("Variable", f"{spec['name']} (responder: yes or no)"),
        ("Treatment condition", "Randomized arm: the arm listed first against the arm listed last"),
        (f"Intercurrent event: stopping {words['doses_word']}", "Treatment policy: data used as observed"),
        ("Intercurrent event: prohibited medication" + (f" ({', '.join(prohibited)})" if prohibited else ""),
         "Composite: non-responder" if spec["prohibited_medication"] == "non-responder" else "Ignored"),
        ("Missing value at the visit", "Non-responder" if spec["missing"] == "non-responder" else "Missing"),
        ("Population-level summary", "Difference in proportions (the arm listed first minus the arm listed "
                                     "last, e.g. A - B), 95% Miettinen-Nurminen CI, Fisher's exact p; Wald and "
                                     f"Newcombe intervals beside it; odds ratio adjusted for {covariates}"),
    ]
    return pd.DataFrame(rows, columns=["Attribute", "Definition"])


# --- display tables ------------------------------------------------------------------------------

def _arm_cell(ard_, analysis, label):
    return n_over_n_pct(*(stat(ard_, variable=analysis, group1_level=label, stat_name=s) for s in ("n", "N", "pct")))


def _estimate_ci(ard_, g: dict, kind: str) -> str:
    """"estimate (lower, upper)" of the ARD rows selected by `g`, formatted as `kind`."""
    return estimate_ci(*(stat(ard_, **g, stat_name=s) for s in ("estimate", "lower", "upper")), kind)


def method_name(method: str) -> str:
    """A model's method as a reader says it: "odds ratio (ml)" -> "odds ratio (logistic, maximum likelihood)"."""
    return (method.replace("(ml)", "(logistic regression, maximum likelihood)")
            .replace("(firth)", "(logistic regression, Firth penalized likelihood)"))


def _arm_heads(ard_, analysis, labels) -> list[str]:
    """Arm column headers "A (N=45)", N = the analysis's denominator."""
    return [arm_header(a, stat(ard_, variable=analysis, group1_level=a, stat_name="N")) for a in labels]


def t_primary(ard_: pd.DataFrame, labels, decision: dict | None = None) -> pd.DataFrame:
    """Table 14.2.1: responders by arm, difference with MN / Wald / Newcombe CIs, Fisher p, OR;
    `decision`: the row of the charter's final test at this look (tables.monitoring.decision_row),
    named beside the SAP's reported Fisher test when the protocol declares group-sequential monitoring."""
    contrast = f"{labels[0]} - {labels[1]}"
    heads = _arm_heads(ard_, "primary", labels)
    rows = []
    names = {"mn": "Difference, Miettinen-Nurminen 95% CI (primary)", "wald": "Difference, Wald 95% CI",
             "newcombe": "Difference, Newcombe hybrid score 95% CI"}
    for method, name in names.items():
        g = dict(variable="primary", group1_level=contrast, variable_level=method)
        rows.append({"Statistic": name,
                     heads[0]: _arm_cell(ard_, "primary", labels[0]) if method == "mn" else "",
                     heads[1]: _arm_cell(ard_, "primary", labels[1]) if method == "mn" else "",
                     "Estimate (95% CI)": _estimate_ci(ard_, g, "pp"),
                     "p": fmt(stat(ard_, **g, stat_name="p"), "p") + (" (Fisher)" if method == "mn" else "")})
    orrow = ard_[(ard_["variable"] == "adjusted_or") & (ard_["group1"] == "CONTRAST")]
    method = orrow["variable_level"].iloc[0]
    g = dict(variable="adjusted_or", variable_level=method)
    rows.append({"Statistic": f"Adjusted {method_name(method)}", heads[0]: "", heads[1]: "",
                 "Estimate (95% CI)": _estimate_ci(ard_, g, "ratio"),
                 "p": fmt(stat(ard_, **g, stat_name="p"), "p")})
    if decision is not None:
        rows.append({"Statistic": decision["Statistic"], heads[0]: "", heads[1]: "",
                     "Estimate (95% CI)": decision["Estimate (95% CI)"], "p": decision["p"]})
    return pd.DataFrame(rows)


def t_sensitivity(ard_: pd.DataFrame, labels, spec: dict, names: dict | None = None) -> pd.DataFrame:
    """Table 14.2.3: the difference in response across the primary and sensitivity analyses
    (`names`: PARAMCD -> name, for the components)."""
    contrast = f"{labels[0]} - {labels[1]}"
    heads = _arm_heads(ard_, "primary", labels)          # N: the full analysis set; each row shows its own
    rows = []
    for analysis, (name, population) in analysis_names(spec, names=names).items():
        if analysis == "adjusted_or":
            continue
        population = POPULATIONS.get(population, population)
        sel = ard_[(ard_["variable"] == analysis) & (ard_["group1"] == "CONTRAST")]
        method = sel["variable_level"].iloc[0]
        g = dict(variable=analysis, group1_level=contrast, variable_level=method)
        note = ard_[(ard_["variable"] == analysis) & (ard_["group1"] == "NOTE")]
        if len(note):
            rows.append({"Analysis": name, "Population": population, heads[0]: "", heads[1]: "",
                         "Difference (95% CI), pp": note["variable_level"].iloc[0],
                         "Method": CI_METHODS.get(method, method), "p": ""})
            continue
        rows.append({"Analysis": name, "Population": population,
                     heads[0]: _arm_cell(ard_, analysis, labels[0]), heads[1]: _arm_cell(ard_, analysis, labels[1]),
                     "Difference (95% CI), pp": _estimate_ci(ard_, g, "pp"),
                     "Method": CI_METHODS.get(method, method), "p": fmt(stat(ard_, **g, stat_name="p"), "p")})
    return pd.DataFrame(rows)


def t_tipping_point(grid: pd.DataFrame, labels) -> pd.DataFrame:
    """Table 14.2.4: difference (Fisher p) for each number of responders among the missing
    (evenly spaced numbers when there are more than 11 missing in an arm: display_levels)."""
    g = grid.assign(ka=grid["group1_level"].astype(int), kc=grid["group2_level"].astype(int))
    g = g[g["ka"].isin(display_levels(g["ka"].max())) & g["kc"].isin(display_levels(g["kc"].max()))]
    g = g.pivot_table(index=["ka", "kc"], columns="stat_name", values="stat").reset_index()
    g["cell"] = [f"{fmt(e, 'pp')} (p={fmt(p, 'p')})" for e, p in zip(g["estimate"], g["p"])]
    table = g.pivot(index="ka", columns="kc", values="cell").sort_index().sort_index(axis=1)
    table.index = [f"{k} of missing {labels[0]} respond" for k in table.index]
    table.columns = [f"{k} of missing {labels[1]}" for k in table.columns]
    return table.reset_index(names="Assumption")
