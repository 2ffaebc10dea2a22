"""The DMC charter's stopping guidelines at a data cut (protocol `monitoring`): Bayesian
beta-binomial safety rules by arm and pooled, and for a randomized responder endpoint the
group-sequential efficacy boundary of this look, conditional power and the predictive probability
of success. ARDs carry every input a number used; `t_guidelines` says each rule in words."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from ..adam.occds import aesi_columns
from ..stats.binary import fisher_exact
from ..stats.monitoring import (alpha_spent, bayesian_count_boundary, conditional_power,
                                posterior_exceedance, predictive_probability, spending_boundary)
from ..ard.shape import ard

POOLED = "All subjects"


def _event_subjects(adae: pd.DataFrame, event: str, aesi: list[dict]) -> set:
    """Subjects with a treatment-emergent event of the rule: "SERIOUS" (any serious TEAE) or the id
    of an adverse event of special interest of the protocol."""
    teae = adae[adae["TRTEMFL"] == "Y"]
    if event == "SERIOUS":
        return set(teae.loc[teae["AESER"] == "Y", "USUBJID"])
    names = {a["id"]: a["name"] for a in aesi}
    if event not in names:
        raise ValueError(f"monitoring rule event {event!r}: not SERIOUS nor an AESI id of the protocol "
                         f"({', '.join(names) or 'none'})")
    cols = aesi_columns(teae)
    hit = np.zeros(len(teae), bool)
    for col in cols:
        hit |= (teae[col] == names[event]).fillna(False).to_numpy(dtype=bool)
    return set(teae.loc[hit, "USUBJID"])


def event_label(event: str, aesi: list[dict]) -> str:
    return "Any serious adverse event" if event == "SERIOUS" else \
        next((a["name"] for a in aesi if a["id"] == event), event)


def ard_safety_rules(adsl: pd.DataFrame, adae: pd.DataFrame, rules: list[dict], aesi: list[dict],
                     arm: str | None, arms: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per rule and group (each arm, and all subjects): subjects, subjects with the event, the
    posterior probability that the event rate exceeds p0, the count that triggers the rule at this
    n, and crossed (1/0). A rule applies from its `from_subjects`-th subject on (small numbers make
    a posterior probability jumpy; the charter says from when). Also the path over enrolment
    (safety population in order of first dose): cumulative subjects with the event and the
    boundary (blank before the rule applies), for the figure."""
    saf = adsl[adsl["SAFFL"] == "Y"].sort_values(["TRTSDT", "USUBJID"], kind="mergesort")
    groups = [(label, saf[saf[arm] == label]) for label in arms] if arm else []
    groups.append((POOLED, saf))
    rows, paths = [], []
    for rule in rules:
        with_event = _event_subjects(adae, rule["event"], aesi)
        prior = tuple(rule.get("prior", [1.0, 1.0]))
        for label, group in groups:
            n = len(group)
            flags = group["USUBJID"].isin(with_event).to_numpy()
            x = int(flags.sum())
            start = rule.get("from_subjects", 1)
            boundary = bayesian_count_boundary(max(n, 1), rule["p0"], rule["threshold"], prior).astype(float)
            boundary[:start - 1] = np.nan
            prob = posterior_exceedance(x, n, rule["p0"], prior)
            applies = n >= start
            base = dict(group1="ARM", group1_level=label, variable=rule["event"], variable_level="bayes")
            rows += [dict(base, stat_name=k, stat=v) for k, v in (
                ("n", n), ("events", x), ("p0", rule["p0"]), ("threshold", rule["threshold"]),
                ("prior_a", prior[0]), ("prior_b", prior[1]), ("from_subjects", start), ("posterior_prob", prob),
                ("trigger_count", boundary[n - 1] if n else np.nan),
                ("crossed", int(applies and prob > rule["threshold"])))]
            paths.append(pd.DataFrame({"event": rule["event"], "group": label, "enrolled": np.arange(1, n + 1),
                                       "cumulative_events": np.cumsum(flags), "boundary": boundary[:n]}))
    return ard(rows), pd.concat(paths, ignore_index=True) if paths else pd.DataFrame()


def planned_by_arm(status: pd.DataFrame, adsl: pd.DataFrame, arm: str, labels, target: int) -> dict:
    """The final analysis's expected FAS per arm: the FAS so far (evaluable or not yet due) plus the
    subjects still to be randomized (target - randomized), shared as randomized so far. At the
    final cut this is the FAS itself, so the information fraction is 1."""
    randomized = adsl[adsl["RANDFL"] == "Y"]
    remaining = max(target - len(randomized), 0)
    out = {}
    for lab in labels:
        share = (randomized[arm] == lab).mean() if len(randomized) else 1 / len(labels)
        out[lab] = int(((status["FASFL"] == "Y") & (status["ARM"] == lab)).sum() + round(remaining * share))
    return out


def _z_pooled(x1, n1, x2, n2) -> float:
    """Score z of the difference in proportions (pooled variance); 0 when no variance (0 or all)."""
    pbar = (x1 + x2) / (n1 + n2)
    var = pbar * (1 - pbar) * (1 / n1 + 1 / n2)
    return (x1 / n1 - x2 / n2) / math.sqrt(var) if var > 0 else 0.0


def ard_efficacy_monitoring(status: pd.DataFrame, labels: tuple[str, str], plan: dict, planned: dict,
                            alpha_two_sided: float) -> pd.DataFrame:
    """The primary responder endpoint at this look: evaluable responders by arm (FAS; a missing
    value counts as non-response, as in the primary analysis), the score z, the information
    fraction, alpha spent and the one-sided efficacy boundary of this look (Lan-DeMets, looks: the
    planned fractions before this one, and this one), conditional power under the current trend,
    the design and H0, and the predictive probability that the final analysis succeeds (Fisher's
    exact test at the protocol's alpha, active better), by exact beta-binomial enumeration."""
    active, control = labels
    fas = status[(status["FASFL"] == "Y") & (status["STATUS"] != "not yet due")]
    x = [int((fas.loc[fas["ARM"] == lab, "STATUS"] == "Y").sum()) for lab in labels]
    n = [int((fas["ARM"] == lab).sum()) for lab in labels]
    total_planned = planned[active] + planned[control]
    evaluable, fraction = sum(n), min(sum(n) / total_planned, 1.0)
    eff = plan["efficacy"]
    alpha = eff["alpha"]
    looks = [f for f in plan["looks"] if f < fraction - 1e-9] + [fraction]
    bound = float(spending_boundary(looks, alpha, eff["spending"])[-1]) if fraction > 0 else math.inf
    z = _z_pooled(x[0], n[0], x[1], n[1]) if min(n) > 0 else math.nan
    design = plan["design"]
    pa, pc = design["active_rate"], design["control_rate"]
    pbar = (pa * planned[active] + pc * planned[control]) / total_planned
    design_drift = (pa - pc) / math.sqrt(pbar * (1 - pbar) * (1 / planned[active] + 1 / planned[control]))
    final_critical = float(stats.norm.isf(alpha)) if fraction >= 1 else \
        float(spending_boundary([*looks, 1.0], alpha, eff["spending"])[-1])
    rows = []
    base = dict(group1="ANALYSIS", group1_level="primary", variable="monitoring")
    for lab, xi, ni in zip(labels, x, n):
        rows += [dict(group1="ARM", group1_level=lab, variable="monitoring", variable_level="responders",
                      stat_name=s, stat=v) for s, v in (("n", xi), ("N", ni), ("planned", planned[lab]))]
    stat = [("evaluable", evaluable), ("planned", total_planned), ("information_fraction", fraction),
            ("z", z), ("alpha", alpha), ("alpha_spent", float(alpha_spent(fraction, alpha, eff["spending"]))),
            ("boundary_z", bound), ("crossed_efficacy", int(z >= bound) if math.isfinite(z) else 0),
            ("design_active_rate", pa), ("design_control_rate", pc), ("design_drift", design_drift),
            ("final_critical_z", final_critical), ("final", int(fraction >= 1))]
    if 0 < fraction < 1 and math.isfinite(z):
        cp = conditional_power(z, fraction, final_critical, design_drift)
        prior = tuple(plan.get("prior", [1.0, 1.0]))

        def success(x1, n1, x2, n2):
            return x1 / n1 > x2 / n2 and fisher_exact(x1, n1, x2, n2) < alpha_two_sided

        pp = predictive_probability(tuple(x), tuple(n), (planned[active], planned[control]), success, prior)
        fut = plan.get("futility", {})
        stat += [("cp_current_trend", cp.current_trend), ("cp_design", cp.design), ("cp_null", cp.null),
                 ("predictive_probability", pp), ("prior_a", prior[0]), ("prior_b", prior[1]),
                 ("futility_cp_below", fut.get("conditional_power_below", np.nan)),
                 ("futility_pp_below", fut.get("predictive_probability_below", np.nan)),
                 ("crossed_futility", int(cp.current_trend < fut.get("conditional_power_below", -1)
                                          or pp < fut.get("predictive_probability_below", -1)))]
    rows += [dict(base, variable_level="look", stat_name=s, stat=v) for s, v in stat]
    return ard(rows)


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def t_guidelines(safety: pd.DataFrame, efficacy: pd.DataFrame | None, rules: list[dict], aesi: list[dict],
                 plan: dict | None) -> pd.DataFrame:
    """One row per rule: the rule, its threshold, today's value, crossed or not, in words."""
    out = []
    if efficacy is not None and len(efficacy):
        look = efficacy[efficacy["group1"] == "ANALYSIS"].set_index("stat_name")["stat"].astype(float)
        kind = {"obrien-fleming": "O'Brien-Fleming", "pocock": "Pocock"}[plan["efficacy"]["spending"]]
        if look["final"] == 1:
            p_one = float(stats.norm.sf(look["z"])) if np.isfinite(look["z"]) else np.nan
            out.append({"Guideline": "Primary endpoint: final analysis (one-sided score test)",
                        "Threshold": f"z >= {look['final_critical_z']:.3f} (one-sided alpha {look['alpha']:g} "
                                     "not spent at earlier looks)",
                        "Today": f"z = {look['z']:.2f}, one-sided p = {p_one:.4f}; {int(look['evaluable'])} of "
                                 f"{int(look['planned'])} expected patients evaluable",
                        "Crossed": "not a stopping rule: final analysis (Table 14.2.1)"})
        else:
            out.append({"Guideline": f"Efficacy: stop if z reaches the {kind}-type (Lan-DeMets) boundary",
                        "Threshold": f"z >= {look['boundary_z']:.3f} at information "
                                     f"{_pct(look['information_fraction'])} "
                                     f"(alpha spent so far {look['alpha_spent']:.2g} of {look['alpha']:g})",
                        "Today": f"z = {look['z']:.2f} ({int(look['evaluable'])} of {int(look['planned'])} evaluable)",
                        "Crossed": "YES" if look["crossed_efficacy"] == 1 else "no"})
            if "cp_current_trend" in look:
                thr = []
                if np.isfinite(look["futility_cp_below"]):
                    thr.append(f"conditional power (current trend) < {_pct(look['futility_cp_below'])}")
                if np.isfinite(look["futility_pp_below"]):
                    thr.append(f"predictive probability < {_pct(look['futility_pp_below'])}")
                out.append({"Guideline": "Futility (non-binding): consider stopping if the final analysis is "
                                         "unlikely to succeed",
                            "Threshold": " or ".join(thr) or "none declared",
                            "Today": f"conditional power {_pct(look['cp_current_trend'])} (current trend), "
                                     f"{_pct(look['cp_design'])} (design assumption), "
                                     f"{_pct(look['cp_null'])} (no effect); "
                                     f"predictive probability {_pct(look['predictive_probability'])}",
                            "Crossed": "YES" if look["crossed_futility"] == 1 else "no"})
    for rule in rules:
        sel = safety[safety["variable"] == rule["event"]]
        for group, g in sel.groupby("group1_level", sort=False):
            v = g.set_index("stat_name")["stat"].astype(float)
            if not v["n"] >= v["from_subjects"]:
                threshold = f"applies from {int(v['from_subjects'])} subjects"
            elif v["trigger_count"] <= v["n"]:
                threshold = (f"{int(v['trigger_count'])} or more of {int(v['n'])} subjects "
                             f"(Beta({v['prior_a']:g}, {v['prior_b']:g}) prior)")
            else:
                threshold = f"not reachable with {int(v['n'])} subjects"
            out.append({"Guideline": f"Safety: {event_label(rule['event'], aesi)} ({group}): stop or review if "
                                     f"P(rate > {_pct(rule['p0'])}) > {_pct(rule['threshold'])}",
                        "Threshold": threshold,
                        "Today": f"{int(v['events'])} of {int(v['n'])}; "
                                 f"P(rate > {_pct(rule['p0'])}) = {_pct(v['posterior_prob'])}",
                        "Crossed": "YES" if v["crossed"] == 1 else "no"})
    return pd.DataFrame(out, columns=["Guideline", "Threshold", "Today", "Crossed"])


INTERIM_METHODS = (
    "Efficacy: one-sided Lan-DeMets alpha spending; this look's boundary assumes the charter's planned earlier "
    "looks; information = evaluable patients (full analysis set, endpoint due) of the expected total. Conditional "
    "power: B-value method (Lan & Wittes 1988) under the current trend, the design assumption and no effect. "
    "Predictive probability: Beta priors per arm, every outcome of the remaining patients enumerated "
    "(beta-binomial), success = Fisher's exact p < 2 alpha with the arm listed first ahead.")
FINAL_METHODS = (
    "Efficacy: at the final analysis the charter's test is the one-sided score test (z of the difference in "
    "responder proportions, pooled variance) at the alpha not spent at earlier looks; no earlier look was "
    "analysed before this cut, so the full alpha is available. The result the trial reports is the primary "
    "analysis of Table 14.2.1 (Fisher's exact test, Miettinen-Nurminen CI).")
SAFETY_METHODS = ("Safety: posterior probability (Beta prior) that the rate of subjects with the event exceeds p0. "
                  "Guidelines inform the DMC's judgement; they do not decide. Inputs of every number: monitoring ARDs.")


def guidelines_note(efficacy: pd.DataFrame | None) -> str:
    """The footnote of the guidelines table: the methods of what it shows (the interim methods at
    an interim look, the final test at the final analysis) and the safety rule."""
    if efficacy is None or efficacy.empty:
        return SAFETY_METHODS
    look = efficacy[efficacy["group1"] == "ANALYSIS"].set_index("stat_name")["stat"].astype(float)
    return (FINAL_METHODS if look.get("final") == 1 else INTERIM_METHODS) + " " + SAFETY_METHODS
