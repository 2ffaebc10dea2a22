"""The DMC charter's stopping guidelines at a data cut (protocol `monitoring`): Bayesian
beta-binomial safety rules by arm and pooled, and for a randomized responder endpoint the
group-sequential efficacy boundary of this look, conditional power and the predictive probability
of success. ARDs carry every input a number used; `t_guidelines` says each rule in words."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from ..stats.distributions import beta_sf, norm_sf
from ..numbers import decimal_text
from ..adam.occds import aesi_columns
from ..stats.binary import diff_ci, score_ci
from ..stats.ancova import fit_ancova
from ..stats.survival import compute_logrank, fit_cox
from ..stats.monitoring import (adjusted_inference, alpha_spent, bayesian_count_boundary, conditional_power,
                                cp_futility_z, crossing_probabilities, posterior_exceedance,
                                power, predictive_probability, repeated_p_value, rule_crossing_probability,
                                spending_boundary)
from ..ard.shape import ard
from .primary_tte import strata_name, tte_analysis_frame
from .secondary import analysis_frame

POOLED = "All subjects"


def _event_onsets(adae: pd.DataFrame, event: str, aesi: list[dict]) -> pd.Series:
    """First onset date (ASTDT) per subject of a treatment-emergent event of the rule: "SERIOUS" (any
    serious TEAE) or the id of an adverse event of special interest of the protocol."""
    teae = adae[adae["TRTEMFL"] == "Y"]
    if event == "SERIOUS":
        hit = (teae["AESER"] == "Y").to_numpy(dtype=bool)
    else:
        names = {a["id"]: a["name"] for a in aesi}
        if event not in names:
            raise ValueError(f"monitoring rule event {event!r}: not SERIOUS nor an AESI id of the protocol "
                             f"({', '.join(names) or 'none'})")
        hit = np.zeros(len(teae), bool)
        for col in aesi_columns(teae):
            hit |= (teae[col] == names[event]).fillna(False).to_numpy(dtype=bool)
    dates = teae.loc[hit, ["USUBJID"]].assign(ASTDT=pd.to_datetime(teae.loc[hit, "ASTDT"]) if "ASTDT" in teae
                                              else pd.NaT)
    return dates.groupby("USUBJID")["ASTDT"].min()


def replay(dosed: pd.DataFrame, onsets: pd.Series) -> pd.DataFrame:
    """The cumulative data by calendar date: one record per first dose (TRTSDT) and per first onset
    of the event among the dosed, in date order (on one day the doses first): the subjects dosed
    (n) and with the event (events) once the record is in, and whose record it is."""
    first_dose = pd.to_datetime(dosed.set_index("USUBJID")["TRTSDT"]).dropna()
    onset = onsets[onsets.index.isin(first_dose.index)].dropna()
    records = pd.concat([pd.DataFrame({"date": first_dose.to_numpy(), "onset": False, "subject": first_dose.index}),
                         pd.DataFrame({"date": onset.to_numpy(), "onset": True, "subject": onset.index})],
                        ignore_index=True).sort_values(["date", "onset", "subject"], kind="mergesort")
    return records.assign(n=(~records["onset"]).cumsum(), events=records["onset"].cumsum()).reset_index(drop=True)


def first_crossing(records: pd.DataFrame, rule: dict, prior) -> dict | None:
    """The first onset record of the replay (`replay`) after which the rule (from its
    from_subjects-th subject on) is crossed: date, subject, n and events then."""
    onsets = records[records["onset"]]
    n, x = onsets["n"].to_numpy(), onsets["events"].to_numpy()
    prob = beta_sf(rule["p0"], prior[0] + x, prior[1] + n - x)
    hit = np.flatnonzero((n >= rule.get("from_subjects", 1)) & (prob > rule["threshold"]))
    if not len(hit):
        return None
    first = onsets.iloc[hit[0]]
    return {"date": first["date"].date().isoformat(), "subject": first["subject"], "n": int(first["n"]),
            "events": int(first["events"])}


def event_label(event: str, aesi: list[dict]) -> str:
    return "Any serious adverse event" if event == "SERIOUS" else \
        next((a["name"] for a in aesi if a["id"] == event), event)


def ard_safety_rules(adsl: pd.DataFrame, adae: pd.DataFrame, rules: list[dict], aesi: list[dict],
                     arm: str | None, arms: list[str], control: str | None = None,
                     planned: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Per rule and group (each arm, and all subjects): subjects, subjects with the event, the
    posterior probability that the event rate exceeds p0, the count that triggers the rule at this
    n, and crossed (1/0). A rule applies from its `from_subjects`-th subject on (small numbers make
    a posterior probability jumpy; the charter says from when). Each arm against the `control`: the
    difference in proportions with its Miettinen-Nurminen 95% CI. The rule's operating
    characteristics: the probability of crossing by the planned size of the group (`planned`: arm
    -> patients: the total for the pooled rule, the total shared equally for an arm's; else the group's size
    at the cut) at p0 and at the rule's design_rate, simulated
    (seeded). Also the path of the data replayed by date (subjects dosed and with the event after
    each first dose and first onset) for the figure, and the first crossing of each crossed rule."""
    saf = adsl[adsl["SAFFL"] == "Y"].sort_values(["TRTSDT", "USUBJID"], kind="mergesort")
    groups = [(label, saf[saf[arm] == label]) for label in arms] if arm else []
    groups.append((POOLED, saf))
    rows, paths, crossings = [], [], []
    for rule in rules:
        onsets = _event_onsets(adae, rule["event"], aesi)
        prior = tuple(rule.get("prior", [1.0, 1.0]))
        counts = {label: (int(group["USUBJID"].isin(onsets.index).sum()), len(group)) for label, group in groups}
        for label, group in groups:
            n = len(group)
            flags = group["USUBJID"].isin(onsets.index).to_numpy()
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
            if control is not None and label not in (control, POOLED) and n and counts[control][1]:
                ci = diff_ci(x, n, *counts[control], "mn")
                rows += [dict(base, stat_name=k, stat=v) for k, v in
                         (("diff_vs_control", ci.estimate), ("diff_lower", ci.lower), ("diff_upper", ci.upper))]
            # the pooled rule at the design's total; an arm's at the total shared equally (a charter's per-arm
            # plan, e.g. 46 and 45, would tell the coded arms apart); without a plan, the group's size now
            size = (sum(planned.values()) if label == POOLED else sum(planned.values()) // len(planned)) if planned \
                else n
            design = bayesian_count_boundary(max(size, 1), rule["p0"], rule["threshold"], prior).astype(float)
            design[:start - 1] = np.nan
            rows += [dict(base, stat_name="oc_subjects", stat=size),
                     dict(base, stat_name="oc_at_p0", stat=rule_crossing_probability(design, rule["p0"]))]
            if "design_rate" in rule:
                rows.append(dict(base, stat_name="oc_at_design_rate", stat=rule_crossing_probability(
                    design, rule["design_rate"])))
            records = replay(group, onsets)
            crossing = first_crossing(records, rule, prior) if applies and prob > rule["threshold"] else None
            if crossing:
                crossings.append({"event": rule["event"], "group": label, **crossing})
            records = records[records["n"] > 0]
            paths.append(pd.DataFrame({"event": rule["event"], "group": label, "enrolled": records["n"].to_numpy(),
                                       "cumulative_events": records["events"].to_numpy(),
                                       "boundary": boundary[records["n"].to_numpy() - 1]}))
    return (ard(rows), pd.concat(paths, ignore_index=True) if paths else pd.DataFrame(),
            pd.DataFrame(crossings, columns=["event", "group", "date", "subject", "n", "events"]))


def planned_by_arm(status: pd.DataFrame, labels, plan: dict) -> dict:
    """The design's planned patients per arm (protocol monitoring.information.planned, by ARMCD)
    under the display labels."""
    declared = plan["information"]["planned"]
    codes = status[["ARM", "ARMCD"]].drop_duplicates().set_index("ARM")["ARMCD"]
    absent = [codes[lab] for lab in labels if codes[lab] not in declared]
    if absent:
        raise ValueError(f"protocol.yaml monitoring.information.planned: no planned size for arm {absent}; "
                         f"it declares {sorted(declared)}")
    return {lab: int(declared[codes[lab]]) for lab in labels}


def is_final_look(status: pd.DataFrame, adsl: pd.DataFrame) -> bool:
    """The final analysis: no randomized subject is still on study and none is still due the endpoint."""
    on_study = adsl.loc[adsl["RANDFL"] == "Y", "EOSSTT"] == "ONGOING"
    return not (status["STATUS"] == "not yet due").any() and not on_study.any()


def score_test(x1, n1, x2, n2) -> tuple[float, float, float]:
    """Difference in proportions, its standard error under H0 (pooled variance) and the score z;
    z is nan without variance (no or only responders)."""
    pbar = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pbar * (1 - pbar) * (1 / n1 + 1 / n2))
    est = x1 / n1 - x2 / n2
    return est, se, est / se if se > 0 else math.nan


def look_history(folders) -> pd.DataFrame:
    """The looks analysed before this cut: the efficacy look ARD of each earlier cut's monitoring
    folder (results/<study>/<cut>/closed/monitoring), in cut order, with its information fraction and z."""
    rows = []
    for folder in sorted(folders, key=lambda f: Path(f).parent.parent.name):
        cut = Path(folder).parent.parent.name
        look = pd.read_csv(Path(folder) / "efficacy_look_ard.csv", keep_default_na=False)
        v = _look(look)
        rows.append({"cut": cut, "information_fraction": v["information_fraction"], "z": v["z"],
                     "evaluable": v["evaluable"], "se": v["se"], "final": v["final"]})
    return pd.DataFrame(rows, columns=["cut", "information_fraction", "z", "evaluable", "se", "final"])


def _design_rows(plan: dict, planned: dict, labels) -> tuple[list[dict], float]:
    """The design's planned looks of a responder endpoint (design rates, pooled variance) and the
    design's drift (E[Z] at the planned size)."""
    active, control = labels
    pa, pc = plan["design"]["active_rate"], plan["design"]["control_rate"]
    total = planned[active] + planned[control]
    pbar = (pa * planned[active] + pc * planned[control]) / total
    se_planned = math.sqrt(pbar * (1 - pbar) * (1 / planned[active] + 1 / planned[control]))
    drift = (pa - pc) / se_planned
    return _planned_looks(plan, total, se_planned, drift, "patients", "boundary_difference", 1.0), drift


def _planned_looks(plan: dict, total: float, se_planned: float, drift: float, unit: str, effect: str,
                   sign: float) -> list[dict]:
    """The design's planned looks: boundary on the z and on the effect scale (`effect`:
    boundary_difference = sign c SE / sqrt(t), boundary_hr = exp(sign c SE / sqrt(t)), SE the planned
    standard error of the estimate at full information), alpha spent, cumulative power at the
    design's drift (E[Z] at the planned information) and the conditional-power futility boundary."""
    alpha, kind = plan["final_test"]["alpha"], plan["efficacy"]["spending"]
    looks = np.asarray(plan["looks"], dtype=float)
    bounds = spending_boundary(looks, alpha, kind)
    up, _ = crossing_probabilities(looks, bounds, theta=drift)
    threshold = plan.get("futility", {}).get("conditional_power_below")
    rows = []
    for j, (t, c) in enumerate(zip(looks, bounds)):
        base = dict(group1="DESIGN", group1_level=f"look {j + 1}", variable="monitoring", variable_level="design")
        futility = cp_futility_z(t, bounds[-1], threshold) if threshold is not None and t < 1 else np.nan
        on_effect = sign * c * se_planned / math.sqrt(t)
        on_effect = math.exp(on_effect) if effect == "boundary_hr" else on_effect
        rows += [dict(base, stat_name=k, stat=float(v)) for k, v in (
            ("information_fraction", t), (unit, round(t * total)), ("boundary_z", c),
            ("boundary_p", norm_sf(c)), (effect, on_effect),
            ("alpha_spent", alpha_spent(t, alpha, kind)), ("cumulative_power", up[:j + 1].sum()),
            ("futility_z", futility))]
    rows.append(dict(group1="DESIGN", group1_level="overall", variable="monitoring", variable_level="design",
                     stat_name="power", stat=power(looks, bounds, drift)))
    return rows


def _history_rows(history: pd.DataFrame, bounds, alpha: float, kind: str) -> list[dict]:
    """The looks analysed before this cut with the boundaries they had."""
    rows = []
    for (_, h), c in zip(history.iterrows(), bounds[:-1]):
        rows += [dict(group1="LOOK", group1_level=h["cut"], variable="monitoring", variable_level="analysed",
                      stat_name=k, stat=float(v)) for k, v in (
            ("information_fraction", h["information_fraction"]), ("evaluable", h.get("evaluable", np.nan)),
            ("z", h.get("z", np.nan)), ("se", h.get("se", np.nan)), ("boundary_z", c),
            ("alpha_spent", alpha_spent(h["information_fraction"], alpha, kind)))]
    return rows


def ard_efficacy_monitoring(status: pd.DataFrame, labels: tuple[str, str], plan: dict, planned: dict,
                            history: pd.DataFrame, final: bool) -> pd.DataFrame:
    """The primary responder endpoint at this look with the charter's one final test (protocol
    monitoring.final_test: the one-sided score z of the difference in proportions): responders by
    arm (FAS, endpoint due; a missing value counts as non-response, as in the primary analysis),
    information = patients analysed over the design's planned, the boundary of this look from
    the looks analysed before (`history`, the earlier cuts) and this one (Lan-DeMets; the final
    look spends all alpha left), the design's planned looks beside them; at an interim the
    conditional power, the predictive probability, the repeated CI and p-value; at the final the
    stagewise-ordering p-value, the median-unbiased estimate and its CI."""
    active, control = labels
    fas = status[(status["FASFL"] == "Y") & (status["STATUS"] != "not yet due")]
    x = [int((fas.loc[fas["ARM"] == lab, "STATUS"] == "Y").sum()) for lab in labels]
    n = [int((fas["ARM"] == lab).sum()) for lab in labels]
    missing = int((fas["STATUS"] == "missing").sum())
    total_planned = planned[active] + planned[control]
    evaluable = sum(n)
    fraction = evaluable / total_planned
    final, alpha, kind, fractions, bounds, final_critical = _boundaries(fraction, plan, history, final, "information")
    bound = float(bounds[-1])
    est, se, z = score_test(x[0], n[0], x[1], n[1]) if min(n) > 0 else (math.nan, math.nan, math.nan)
    p_hat = [xi / ni if ni else math.nan for xi, ni in zip(x, n)]
    se_estimate = math.sqrt(sum(p * (1 - p) / ni for p, ni in zip(p_hat, n))) if min(n) > 0 else math.nan
    design_rows, drift = _design_rows(plan, planned, labels)
    pa, pc = plan["design"]["active_rate"], plan["design"]["control_rate"]
    rows = list(design_rows)
    for lab, xi, ni in zip(labels, x, n):
        rows += [dict(group1="ARM", group1_level=lab, variable="monitoring", variable_level="responders",
                      stat_name=s, stat=v) for s, v in (("n", xi), ("N", ni), ("planned", planned[lab]))]
    rows += _history_rows(history, bounds, alpha, kind)
    stat = [("evaluable", evaluable), ("missing_as_nonresponders", missing), ("planned", total_planned),
            ("information_fraction", fraction), ("z", z), ("p_one_sided", norm_sf(z)),
            ("estimate", est), ("se", se), ("se_estimate", se_estimate), ("alpha", alpha),
            ("alpha_spent", alpha if final else float(alpha_spent(fraction, alpha, kind))),
            ("looks_before", len(history)), ("boundary_z", bound), ("boundary_p", norm_sf(bound)),
            ("crossed_efficacy", int(z >= bound) if math.isfinite(z) else 0),
            ("design_active_rate", pa), ("design_control_rate", pc), ("design_drift", drift),
            ("final_critical_z", final_critical), ("final", int(final))]
    if final and math.isfinite(z) and se_estimate > 0:
        # information on the difference scale (1 / unpooled variance, as rpact), shaped as the looks
        info = np.asarray(fractions) / (fraction * se_estimate ** 2)
        adj = adjusted_inference(z, info, bounds[:-1], alpha)
        stat += [("stagewise_p", adj.p_value), ("median_unbiased", adj.median_unbiased),
                 ("mue_lower", adj.lower), ("mue_upper", adj.upper)]
    if not final and math.isfinite(z):
        lower, upper = score_ci(x[0], n[0], x[1], n[1], bound, correction=False)
        cp = conditional_power(z, fraction, final_critical, drift)
        prior = tuple(plan.get("prior", [1.0, 1.0]))

        def success(x1, n1, x2, n2):
            return score_test(x1, n1, x2, n2)[2] >= final_critical

        pp = predictive_probability(tuple(x), tuple(n), (planned[active], planned[control]), success, prior)
        fut = plan.get("futility", {})
        stat += [("rci_lower", lower), ("rci_upper", upper),
                 ("repeated_p", repeated_p_value(z, fractions, kind)),
                 ("cp_current_trend", cp.current_trend), ("cp_design", cp.design), ("cp_null", cp.null),
                 ("predictive_probability", pp), ("prior_a", prior[0]), ("prior_b", prior[1]),
                 ("futility_cp_below", fut.get("conditional_power_below", np.nan)),
                 ("futility_pp_below", fut.get("predictive_probability_below", np.nan)),
                 ("crossed_futility", int(cp.current_trend < fut.get("conditional_power_below", -1)
                                          or pp < fut.get("predictive_probability_below", -1)))]
    base = dict(group1="ANALYSIS", group1_level="primary", variable="monitoring", variable_level="look")
    rows += [dict(base, stat_name=s, stat=float(v)) for s, v in stat]
    return ard(rows)


def _boundaries(fraction: float, plan: dict, history: pd.DataFrame, final: bool, unit: str):
    """This look's place in the charter's alpha spending: (final: the last look, at full information or
    the study's end; alpha; spending kind; the information fractions of every look analysed so far,
    this one last; their boundaries on z; the final analysis' critical z). Looks must add `unit`."""
    final = final or fraction >= 1
    alpha, kind = plan["final_test"]["alpha"], plan["efficacy"]["spending"]
    earlier = history["information_fraction"].tolist()
    if earlier and fraction <= earlier[-1]:
        raise ValueError(f"information fraction {fraction:.3f} at this cut is not above the earlier look's "
                         f"{earlier[-1]:.3f} (cut {history['cut'].iloc[-1]}): looks must add {unit}")
    fractions = [*earlier, fraction]
    bounds = spending_boundary(fractions, alpha, kind, final)
    final_critical = float(bounds[-1]) if final else float(spending_boundary([*fractions, 1.0], alpha, kind, True)[-1])
    return final, alpha, kind, fractions, bounds, final_critical


def _sequential_look(z: float, estimate: float, se: float, evaluable: int, planned: int, plan: dict,
                     history: pd.DataFrame, final: bool, unit: str, design: tuple[float, float] | None,
                     sign: float = 1.0, scale: str = "difference") -> list[dict]:
    """The look of a normal test statistic z = sign x estimate / se (positive: benefit) on
    `evaluable` of `planned` units of information (patients or events): this look's boundary from
    the looks analysed before (`history`) and this one, the design's planned looks (`design`: the
    planned standard error of the estimate and the drift E[Z] at the planned information), at an
    interim the repeated CI and p-value, the conditional power (trend, design, H0) and the
    conditional-power futility rule, at the final the stagewise-ordering p-value, the median-unbiased
    estimate and its CI. On the hazard-ratio `scale` the estimate is the log hazard ratio (sign -1)
    and the effect columns are hazard ratios."""
    fraction = evaluable / planned
    final, alpha, kind, fractions, bounds, final_critical = _boundaries(fraction, plan, history, final, unit)
    bound = float(bounds[-1])
    to_effect = math.exp if scale == "hr" else float
    rows = _planned_looks(plan, planned, design[0], design[1], unit, f"boundary_{scale}", sign) if design else []
    rows += _history_rows(history, bounds, alpha, kind)
    stat = [("evaluable", evaluable), ("planned", planned), ("information_fraction", fraction),
            ("estimate", to_effect(estimate)), ("se", se), ("z", z), ("p_one_sided", norm_sf(z)),
            ("alpha", alpha), ("alpha_spent", alpha if final else float(alpha_spent(fraction, alpha, kind))),
            ("looks_before", len(history)), ("boundary_z", bound), ("boundary_p", norm_sf(bound)),
            (f"boundary_{scale}", to_effect(sign * bound * se)), ("crossed_efficacy", int(z >= bound)),
            ("final_critical_z", final_critical), ("final", int(final)), ("benefit_sign", sign)]
    if design:
        stat.append(("design_drift", design[1]))
    if final:
        # the stagewise ordering on the benefit scale sign x estimate, information 1 / se^2 shaped as the looks
        adj = adjusted_inference(z, np.asarray(fractions) / (fraction * se ** 2), bounds[:-1], alpha)
        ends = sorted([to_effect(sign * adj.lower), to_effect(sign * adj.upper)])
        stat += [("stagewise_p", adj.p_value), ("median_unbiased", to_effect(sign * adj.median_unbiased)),
                 ("mue_lower", ends[0]), ("mue_upper", ends[1])]
    else:
        ends = sorted([to_effect(estimate - bound * se), to_effect(estimate + bound * se)])
        stat += [("rci_lower", ends[0]), ("rci_upper", ends[1]), ("repeated_p", repeated_p_value(z, fractions, kind))]
        if design:
            cp = conditional_power(z, fraction, final_critical, design[1])
            below = plan.get("futility", {}).get("conditional_power_below", np.nan)
            stat += [("cp_current_trend", cp.current_trend), ("cp_design", cp.design), ("cp_null", cp.null),
                     ("futility_cp_below", below), ("crossed_futility", int(cp.current_trend < below))]
    base = dict(group1="ANALYSIS", group1_level="primary", variable="monitoring", variable_level="look")
    return rows + [dict(base, stat_name=k, stat=float(v)) for k, v in stat]


def means_design(plan: dict, planned: tuple[int, int], sign: float) -> tuple[float, float] | None:
    """The planned SE of the difference in means (design sd, planned patients per arm) and the drift
    E[Z] at the planned size of the design's difference (protocol monitoring.design difference, sd)."""
    design = plan.get("design", {})
    if "difference" not in design:
        return None
    se = design["sd"] * math.sqrt(1 / planned[0] + 1 / planned[1])
    return se, sign * design["difference"] / se


def events_sign(plan: dict) -> float:
    """-1 where fewer events favour the active arm (final_test.favours fewer_events, the default), +1 where more do."""
    return 1.0 if plan["final_test"].get("favours") == "more_events" else -1.0


def events_design(plan: dict, planned_events: int) -> tuple[float, float] | None:
    """The planned SE of the log hazard ratio with 1:1 allocation (Schoenfeld 1981: 1 / sqrt(D / 4)) and
    the drift E[Z] = sign log(HR) / SE of the design's hazard ratio (protocol monitoring.design hazard_ratio)."""
    design = plan.get("design", {})
    if "hazard_ratio" not in design:
        return None
    se = 2 / math.sqrt(planned_events)
    return se, events_sign(plan) * math.log(design["hazard_ratio"]) / se


def ard_means_monitoring(active, control, planned: tuple[int, int], plan: dict, history: pd.DataFrame,
                         final: bool) -> pd.DataFrame:
    """A continuous endpoint (larger better) monitored on patients: information fraction = patients
    analysed over the design's planned (active, control); the charter's test the one-sided z of the
    difference in means with the pooled standard deviation; the look as `_sequential_look`, the
    boundary on the z and on the mean-difference scale (c x SE)."""
    a, c = np.asarray(active, dtype=float), np.asarray(control, dtype=float)
    if min(len(a), len(c)) < 2:
        raise ValueError("monitoring a mean difference needs at least 2 patients per arm")
    pooled = math.sqrt(((len(a) - 1) * a.var(ddof=1) + (len(c) - 1) * c.var(ddof=1)) / (len(a) + len(c) - 2))
    se = pooled * math.sqrt(1 / len(a) + 1 / len(c))
    est = float(a.mean() - c.mean())
    rows = _sequential_look(est / se, est, se, len(a) + len(c), sum(planned), plan, history, final, "patients",
                            means_design(plan, planned, 1.0))
    base = dict(group1="ANALYSIS", group1_level="primary", variable="monitoring", variable_level="look")
    return ard(rows + [dict(base, stat_name="sd_pooled", stat=pooled)])


def ard_difference_monitoring(estimate: float, se: float, n: tuple[int, int], planned: tuple[int, int], plan: dict,
                              history: pd.DataFrame, final: bool, sign: float) -> pd.DataFrame:
    """A continuous primary monitored on patients from a model's difference (active - control) and its
    standard error: z = sign x estimate / se (sign -1 where a lower value is better)."""
    if not (se > 0 and min(n) > 0):
        raise ValueError(f"monitoring the difference in means needs patients in both arms (have {n}) and a "
                         f"standard error (got {se})")
    return ard(_sequential_look(sign * estimate / se, estimate, se, sum(n), sum(planned), plan, history, final,
                                "patients", means_design(plan, planned, sign), sign))


def ard_events_monitoring(time, event, treated, planned_events: int, plan: dict, history: pd.DataFrame,
                          final: bool, strata=None) -> pd.DataFrame:
    """A time-to-event primary endpoint monitored on events: information = events of both arms over
    the design's planned events; the charter's test the one-sided log-rank z (stratified by `strata`
    when given; positive: fewer events on the active arm, or more with final_test.favours
    more_events), the hazard ratio active / control from a Cox model (statsmodels PHReg, the same
    strata); the look as `_sequential_look`, the boundary on the z and on the hazard-ratio scale
    (exp(-/+ c x SE(log HR)))."""
    treated = np.asarray(treated, dtype=int)
    events = int(np.sum(event))
    if not events or treated.min() == treated.max():
        raise ValueError("monitoring on events needs events and both arms")
    cox = fit_cox(time, event, treated, strata)
    sign = events_sign(plan)
    z = sign * math.copysign(math.sqrt(compute_logrank(time, event, treated, strata)["chi2"]), cox["log_hr"])
    return ard(_sequential_look(z, cox["log_hr"], cox["se"], events, planned_events, plan, history, final, "events",
                                events_design(plan, planned_events), sign, "hr"))


def monitored_pair(adsl: pd.DataFrame, arm: str, protocol: dict) -> tuple[str, str]:
    """(active, control) display labels of the comparison the charter monitors: the two arms of
    monitoring.information.planned (patients), or monitoring.information.active (events; needed when
    the study has more than one active arm) against the control."""
    info, control = protocol["monitoring"]["information"], protocol["randomization"]["control"]
    labels = adsl.loc[adsl["ENRLFL"] == "Y", [arm, "ARMCD"]].dropna().drop_duplicates().set_index("ARMCD")[arm]
    if info["unit"] == "patients":
        actives = [c for c in info["planned"] if c != control]
        if control not in info["planned"]:
            actives = []
    else:
        actives = [info["active"]] if "active" in info else [c for c in labels.index if c != control]
    if len(actives) != 1 or actives[0] not in labels.index or control not in labels.index:
        raise ValueError(f"protocol.yaml monitoring.information: the monitored comparison needs one active arm and "
                         f"the control {control!r} (planned: the two arms; events: active when several active arms)"
                         f"; declared {info.get('planned', info.get('active', 'no active arm'))}, ADSL has ARMCD "
                         f"{sorted(labels.index)}")
    return str(labels[actives[0]]), str(labels[control])


def study_complete(adsl: pd.DataFrame) -> bool:
    """No randomized subject is still on study (the final analysis of an endpoint with no status)."""
    return not (adsl.loc[adsl["RANDFL"] == "Y", "EOSSTT"] == "ONGOING").any()


def ard_tte_monitoring(adsl: pd.DataFrame, adtte: pd.DataFrame, spec: dict, arm: str, pair: tuple[str, str],
                       plan: dict, history: pd.DataFrame, final: bool) -> pd.DataFrame:
    """The time_to_event primary (`spec`) monitored on events: the analysis set and strata of the
    primary analysis (tables.primary_tte), the two arms of `pair` (active, control)."""
    d = tte_analysis_frame(adsl, adtte, spec, arm)
    d = d[d["ARM"].isin(pair)]
    strata = d[strata_name(spec)].to_numpy() if spec.get("strata") else None
    return ard_events_monitoring(d["AVAL"].to_numpy(), 1 - d["CNSR"].to_numpy(int), (d["ARM"] == pair[0]).to_numpy(int),
                                 plan["information"]["planned_events"], plan, history, final, strata)


def ard_change_monitoring(adsl: pd.DataFrame, adeff: pd.DataFrame, spec: dict, arm: str, pair: tuple[str, str],
                          planned: tuple[int, int], plan: dict, history: pd.DataFrame, final: bool) -> pd.DataFrame:
    """The continuous_primary (`spec`) monitored on patients: the ANCOVA of the change at the key visit
    on arm, baseline and the primary's covariates (full analysis set, observed cases: the SAP's
    sensitivity analysis, stats.ancova), active - control of `pair`, its z on the normal scale."""
    covariates = list(spec.get("covariates", []))
    data = analysis_frame(adeff, adsl, spec["paramcd"], arm, [spec["visit"]])
    data = data.merge(adsl[["USUBJID", *covariates]], on="USUBJID", how="left")
    d = data[data["TRT"].isin(pair)].dropna(subset=["CHG", "BASE", *covariates])
    n = tuple(int((d["TRT"] == label).sum()) for label in pair)
    if min(n) < 2:
        raise ValueError(f"monitoring {spec['paramcd']} at {spec['visit']}: {n[0]} and {n[1]} patients of "
                         f"{pair[0]} and {pair[1]} with a change; at least 2 per arm are needed")
    contrast = fit_ancova(d, "CHG", "TRT", ["BASE", *covariates], reference=pair[1])["contrasts"].iloc[0]
    sign = -1.0 if spec.get("better") == "lower" else 1.0
    return ard_difference_monitoring(float(contrast["estimate"]), float(contrast["se"]), n, planned, plan, history,
                                     final, sign)


def _pct(value: float) -> str:
    return f"{decimal_text(100 * value, 1)}%"


KINDS = {"obrien-fleming": "O'Brien-Fleming", "pocock": "Pocock"}
AT_CUT = "At the data cut"
ACTION = "Charter's action if crossed"
FINAL_DECISION = ("final analysis: boundary crossed", "final analysis: not crossed")


def _look(efficacy: pd.DataFrame) -> pd.Series:
    """This look's statistics (blank in a CSV read as text: nan)."""
    return pd.to_numeric(efficacy[efficacy["group1"] == "ANALYSIS"].set_index("stat_name")["stat"], errors="coerce")


def _earlier_words(efficacy: pd.DataFrame, alpha: float) -> str:
    """What the looks analysed before this cut spent, in words."""
    looks = efficacy[efficacy["group1"] == "LOOK"]
    if looks.empty:
        return f"no earlier look analysed: the full one-sided alpha {alpha:g}"
    parts = []
    for cut, g in looks.groupby("group1_level", sort=True):
        v = pd.to_numeric(g.set_index("stat_name")["stat"], errors="coerce")
        parts.append(f"{cut} at information {_pct(v['information_fraction'])}")
    spent = float(looks.loc[looks["stat_name"] == "alpha_spent", "stat"].astype(float).max())
    return f"one-sided alpha {alpha:g} less {spent:.2g} spent at the look{'s' if len(parts) > 1 else ''} of " \
           + ", ".join(parts)


def _stats(efficacy: pd.DataFrame, group1: str) -> dict[str, pd.Series]:
    rows = efficacy[efficacy["group1"] == group1]
    return {level: pd.to_numeric(g.set_index("stat_name")["stat"], errors="coerce")
            for level, g in rows.groupby("group1_level", sort=False)}


STATISTIC_WORDS = {"score": "one-sided score z of the difference in responder proportions",
                   "logrank": "one-sided log-rank z",
                   "mean_difference": "one-sided z of the ANCOVA difference in mean change (active - control)"}
EFFECT_NAMES = {"score": "difference", "logrank": "hazard ratio", "mean_difference": "difference"}


def final_test_words(plan: dict, strata: list[str] | None = None) -> str:
    """The charter's final test in words (monitoring.final_test.statistic; a stratified log-rank names its strata)."""
    statistic = plan["final_test"]["statistic"]
    return STATISTIC_WORDS[statistic] + (f" stratified by {', '.join(strata)}" if statistic == "logrank" and strata
                                         else "")


def _statistic(plan: dict) -> str:
    return plan["final_test"]["statistic"]


def _effect(value: float, statistic: str) -> str:
    """A value of the treatment effect as the tables print it: pp, a hazard ratio, a mean difference."""
    return f"{100 * value:.1f}" if statistic == "score" else f"{value:.2f}"


def _analysed_effect(v: pd.Series, statistic: str, sign: float) -> float:
    """An analysed look's boundary on the effect scale from its boundary z and its standard error."""
    if statistic == "logrank":
        return math.exp(sign * v["boundary_z"] * v["se"])
    return sign * v["boundary_z"] * v["se"]


def _design_assumption(plan: dict, look: pd.Series) -> str:
    design = plan["design"]
    return {"score": lambda: f"response {_pct(look['design_active_rate'])} vs {_pct(look['design_control_rate'])}",
            "logrank": lambda: f"hazard ratio {design.get('hazard_ratio', np.nan):g}, 1:1 allocation",
            "mean_difference": lambda: f"difference {design.get('difference', np.nan):g}, SD "
                                       f"{design.get('sd', np.nan):g}"}[_statistic(plan)]()


def t_gs_design(efficacy: pd.DataFrame, plan: dict, cut: str) -> pd.DataFrame:
    """Table G.2: the design's planned looks (boundary on the z and on the effect scale, alpha
    spent, the conditional-power futility boundary, cumulative power under the design) and the
    looks analysed (earlier cuts, and this one) with their boundaries and observed z. Information:
    patients, or events for a time-to-event endpoint."""
    look = _look(efficacy)
    planned = int(look["planned"])
    statistic = _statistic(plan)
    unit = "events" if statistic == "logrank" else "patients"
    unit_head = unit.capitalize()
    effect_head = {"score": "On the difference, pp", "logrank": "On the hazard ratio",
                   "mean_difference": "On the difference"}[statistic]
    effect_stat = "boundary_hr" if statistic == "logrank" else "boundary_difference"
    sign = look.get("benefit_sign", -1.0 if statistic == "logrank" else 1.0)
    threshold = plan.get("futility", {}).get("conditional_power_below")
    futility_head = (f"Futility z (CP trend < {_pct(threshold)})" if threshold is not None else "Futility z")
    rows = []
    for level, v in _stats(efficacy, "DESIGN").items():
        if level == "overall":
            continue
        rows.append({"Look": f"Design {level} ({_pct(v['information_fraction'])})",
                     unit_head: f"{int(v[unit])} of {planned}",
                     "Efficacy boundary z (nominal p)": f"{v['boundary_z']:.3f} ({v['boundary_p']:.2g})",
                     effect_head: _effect(v[effect_stat], statistic),
                     "Alpha spent": f"{v['alpha_spent']:.4f}",
                     futility_head: f"{v['futility_z']:.2f}" if np.isfinite(v["futility_z"]) else "-",
                     "Power so far": _pct(v["cumulative_power"]), "Observed z": "-"})
    analysed = [(c, v) for c, v in _stats(efficacy, "LOOK").items()] + [(cut, look)]
    for c, v in analysed:
        effect = _analysed_effect(v, statistic, sign) if np.isfinite(v["boundary_z"]) else np.nan
        rows.append({"Look": f"Analysed {c}" + (" (this cut, final)" if c == cut and look["final"] == 1 else
                                                " (this cut)" if c == cut else ""),
                     unit_head: f"{int(v['evaluable'])} of {planned} ({_pct(v['information_fraction'])})",
                     "Efficacy boundary z (nominal p)": f"{v['boundary_z']:.3f} ({norm_sf(v['boundary_z']):.2g})"
                     if np.isfinite(v["boundary_z"]) else "- (no information)",
                     effect_head: _effect(effect, statistic) if np.isfinite(effect) else "-",
                     "Alpha spent": f"{v['alpha_spent']:.4f}", futility_head: "-", "Power so far": "-",
                     "Observed z": f"{v['z']:.2f}" if np.isfinite(v["z"]) else "not estimable"})
    power = _stats(efficacy, "DESIGN")["overall"]["power"]
    rows.append({"Look": f"Design power at the planned {planned}{'' if unit == 'patients' else ' events'}: "
                         f"{_pct(power)} ({_design_assumption(plan, look)})",
                 **{k: "" for k in rows[0] if k != "Look"}})
    return pd.DataFrame(rows)


SHORT_TEST = {"score": "one-sided score z", "logrank": "one-sided log-rank z",
              "mean_difference": "one-sided z of the ANCOVA difference"}


def decision_row(efficacy: pd.DataFrame, statistic: str = "score") -> dict:
    """Table 14.2.1's row of the charter's final test (monitoring.final_test.statistic) at this look: z
    against this look's critical value (the final one at the final analysis, the interim boundary at an
    interim) and the decision."""
    look = _look(efficacy)
    test = SHORT_TEST[statistic]
    if look["final"] == 1:
        name = f"Charter's final test: {test} (group-sequential decision)"
        against = f"critical z {look['final_critical_z']:.3f} ({_earlier_words(efficacy, look['alpha'])})"
        verdict = ("crossed: the charter's criterion for efficacy is met" if look["crossed_efficacy"] == 1
                   else "not crossed")
    else:
        name = f"Charter's test at this interim look: {test} (group-sequential decision)"
        against = (f"interim boundary z {look['boundary_z']:.3f} (nominal one-sided p < {look['boundary_p']:.2g}) "
                   f"at information {_pct(look['information_fraction'])}" if np.isfinite(look["boundary_z"]) else
                   "no boundary (no information yet)")
        verdict = "crossed" if look["crossed_efficacy"] == 1 else "not crossed: no efficacy claim at this look"
    z = f"z = {look['z']:.2f}" if np.isfinite(look["z"]) else "z not estimable"
    return {"Statistic": name, "Estimate (95% CI)": f"{z} against {against}: {verdict}",
            "p": f"{look['p_one_sided']:.4f} (one-sided)" if np.isfinite(look["p_one_sided"]) else ""}


def with_decision(table: pd.DataFrame, decision: dict, column: str, p_column: str | None = None) -> pd.DataFrame:
    """`table` (a Table 14.2.1 of a time-to-event or continuous primary) with the charter's decision row
    (decision_row) last: its name in the first column, the test and verdict in `column` (the monitored
    comparison's), the one-sided p in `p_column` (else after the verdict)."""
    row = dict.fromkeys(table.columns, "")
    row[table.columns[0]] = decision["Statistic"]
    row[column] = decision["Estimate (95% CI)"] + ("" if p_column or not decision["p"] else f"; p = {decision['p']}")
    if p_column:
        row[p_column] = decision["p"]
    return pd.concat([table, pd.DataFrame([row])], ignore_index=True)


def _efficacy_rows(efficacy: pd.DataFrame, plan: dict, test: str) -> list[dict]:
    """Table G.1's rows of the primary endpoint: the efficacy boundary (at the final: the decision) and
    at an interim the non-binding futility guideline."""
    look = _look(efficacy)
    kind = KINDS[plan["efficacy"]["spending"]]
    statistic = _statistic(plan)
    effect_name = EFFECT_NAMES[statistic]
    pp = " pp" if statistic == "score" else ""
    if statistic == "logrank":
        analysed = f"{int(look['evaluable'])} of {int(look['planned'])} planned events"
    else:
        analysed = (f"{int(look['evaluable'])} of {int(look['planned'])} planned patients analysed"
                    + (f" ({int(look['missing_as_nonresponders'])} missing counted as non-responders)"
                       if look.get("missing_as_nonresponders", 0) else ""))
    level = f"{100 * (1 - 2 * look['alpha']):g}%"
    out = []
    if look["final"] == 1:
        adjusted = (f"; stagewise-ordering p = {look['stagewise_p']:.4f}, median-unbiased {effect_name} "
                    f"{_effect(look['median_unbiased'], statistic)}{pp} ({level} CI "
                    f"{_effect(look['mue_lower'], statistic)} to {_effect(look['mue_upper'], statistic)})"
                    if look["looks_before"] > 0 and "stagewise_p" in look else "")
        out.append({"Guideline": f"Primary endpoint: final analysis (the charter's final test: {test})",
                    "Threshold": f"z >= {look['final_critical_z']:.3f} ("
                                 f"{_earlier_words(efficacy, look['alpha'])})",
                    AT_CUT: f"z = {look['z']:.2f}, one-sided p = {look['p_one_sided']:.4f}; {analysed}{adjusted}",
                    "Crossed": FINAL_DECISION[0] if look["crossed_efficacy"] == 1 else FINAL_DECISION[1]})
        return out
    rci = (f"; {effect_name} {_effect(look['estimate'], statistic)}{pp}, repeated {level} CI "
           f"{_effect(look['rci_lower'], statistic)} to {_effect(look['rci_upper'], statistic)}, repeated p = "
           f"{look['repeated_p']:.4f}" if "rci_lower" in look else "")
    threshold = (f"z >= {look['boundary_z']:.3f} (nominal one-sided p < {look['boundary_p']:.2g}) at "
                 f"information {_pct(look['information_fraction'])}; alpha spent {look['alpha_spent']:.2g} of "
                 f"{look['alpha']:g}" if np.isfinite(look["boundary_z"]) else
                 "no boundary: no information yet, no alpha spent")
    z = f"z = {look['z']:.2f}" if np.isfinite(look["z"]) else "z not estimable"
    short = "one-sided score z" if statistic == "score" else test
    out.append({"Guideline": f"Efficacy: stop if the {short} reaches the {kind}-type (Lan-DeMets) boundary",
                "Threshold": threshold, AT_CUT: f"{z}; {analysed}{rci}",
                "Crossed": "YES" if look["crossed_efficacy"] == 1 else "no"})
    if "cp_current_trend" in look:
        thr = []
        if np.isfinite(look["futility_cp_below"]):
            thr.append(f"conditional power (current trend) < {_pct(look['futility_cp_below'])}")
        if np.isfinite(look.get("futility_pp_below", np.nan)):
            thr.append(f"predictive probability < {_pct(look['futility_pp_below'])}")
        predictive = (f"predictive probability {_pct(look['predictive_probability'])}"
                      if "predictive_probability" in look else
                      "predictive probability not computed (a binary endpoint's beta-binomial only)")
        out.append({"Guideline": "Futility (non-binding): consider stopping if the final analysis is "
                                 "unlikely to succeed",
                    "Threshold": " or ".join(thr) or "none declared",
                    AT_CUT: f"conditional power {_pct(look['cp_current_trend'])} (current trend), "
                            f"{_pct(look['cp_design'])} (design{' rates' if statistic == 'score' else ''}), "
                            f"{_pct(look['cp_null'])} (no effect); {predictive}",
                    "Crossed": "YES" if look["crossed_futility"] == 1 else "no"})
    return out


def t_guidelines(safety: pd.DataFrame, efficacy: pd.DataFrame | None, rules: list[dict], aesi: list[dict],
                 plan: dict | None, crossings: pd.DataFrame | None = None, test: str | None = None) -> pd.DataFrame:
    """One row per rule: the rule, its threshold, the value at the data cut, crossed or not, and the
    charter's action, in words; a crossed safety rule with the other groups beside it, the difference
    from the control and its first crossing (`crossings`, from ard_safety_rules). `test`: the final
    test in words (final_test_words; default from the plan)."""
    out = []
    if efficacy is not None and len(efficacy):
        out += _efficacy_rows(efficacy, plan, test or final_test_words(plan))
    for rule in rules:
        sel = safety[safety["variable"] == rule["event"]]
        by_group = {group: g.set_index("stat_name")["stat"].astype(float)
                    for group, g in sel.groupby("group1_level", sort=False)}
        for group, v in by_group.items():
            if not v["n"] >= v["from_subjects"]:
                threshold = f"applies from {int(v['from_subjects'])} subjects"
            elif v["trigger_count"] <= v["n"]:
                threshold = (f"{int(v['trigger_count'])} or more of {int(v['n'])} subjects "
                             f"(Beta({v['prior_a']:g}, {v['prior_b']:g}) prior)")
            else:
                threshold = f"not reachable with {int(v['n'])} subjects"
            value = (f"{int(v['events'])} of {int(v['n'])} ({_pct(v['events'] / v['n']) if v['n'] else '-'}); "
                     f"P(rate > {_pct(rule['p0'])}) = {_pct(v['posterior_prob'])}")
            if v["crossed"] == 1:
                others = [f"{g} {int(w['events'])} of {int(w['n'])} ({_pct(w['events'] / w['n']) if w['n'] else '-'}, "
                          f"P = {_pct(w['posterior_prob'])})" for g, w in by_group.items() if g != group]
                value += f"; beside it: {', '.join(others)}" if others else ""
                if "diff_vs_control" in v:
                    value += (f"; difference from the arm listed last {100 * v['diff_vs_control']:.1f} pp (95% CI "
                              f"{100 * v['diff_lower']:.1f} to {100 * v['diff_upper']:.1f})")
                first = None if crossings is None else crossings[(crossings["event"] == rule["event"])
                                                                 & (crossings["group"] == group)]
                if first is not None and len(first):
                    f = first.iloc[0]
                    value += (f"; first crossed on {f['date']} with subject {f['subject']} ({int(f['events'])} of "
                              f"{int(f['n'])} dosed then)")
            out.append({"Guideline": f"Safety: {event_label(rule['event'], aesi)} ({group}): stop or review if "
                                     f"P(rate > {_pct(rule['p0'])}) > {_pct(rule['threshold'])}",
                        "Threshold": threshold, AT_CUT: value,
                        "Crossed": "YES" if v["crossed"] == 1 else "no",
                        ACTION: rule.get("action", "not stated in the charter")})
    for row in out:                             # the efficacy rows: the decision is the DMC's
        row.setdefault(ACTION, "-")
    return pd.DataFrame(out, columns=["Guideline", "Threshold", AT_CUT, "Crossed", ACTION])


SAFETY_METHODS = ("Safety: posterior probability (Beta prior) that the rate of subjects with the event exceeds p0, "
                  "evaluated after each subject dosed from the subject the charter names on (from_subjects); "
                  "first crossing: the data replayed by date (first dose, first "
                  "onset). Guidelines inform the DMC's judgement; they do not decide.")


def safety_characteristics(safety: pd.DataFrame, rules: list[dict], aesi: list[dict]) -> str:
    """The operating characteristics of each safety rule in words (ARD oc_*: simulated, seeded)."""
    parts = []
    for rule in rules:
        sel = safety[safety["variable"] == rule["event"]]
        for group, g in sel.groupby("group1_level", sort=False):
            v = g.set_index("stat_name")["stat"].astype(float)
            text = (f"{event_label(rule['event'], aesi)} ({group}): {_pct(v['oc_at_p0'])} at a true rate of "
                    f"p0 {_pct(rule['p0'])}")
            if "oc_at_design_rate" in v:
                text += f", {_pct(v['oc_at_design_rate'])} at the design rate {_pct(rule['design_rate'])}"
            parts.append(text + f" (by {int(v['oc_subjects'])} subjects)")
    return ("Operating characteristics, the probability that a rule is crossed (20,000 simulated trials, seed "
            "20240601): " + "; ".join(parts) + ".") if parts else ""


def _design_words(plan: dict, look: pd.Series, test: str) -> str:
    statistic, alpha, kind = _statistic(plan), look["alpha"], KINDS[plan["efficacy"]["spending"]]
    if statistic == "score":
        return (f"The charter's final test: one-sided score z of the difference in responder proportions (pooled "
                f"variance) at one-sided alpha {alpha:g}, {kind}-type Lan-DeMets "
                f"spending; information = patients analysed (full analysis set, endpoint due) of the "
                f"{int(look['planned'])} the design plans (protocol).")
    if statistic == "logrank":
        fewer = "more" if plan["final_test"].get("favours") == "more_events" else "fewer"
        return (f"The charter's final test: {test} (positive: {fewer} events on the active arm) at one-sided alpha "
                f"{alpha:g}, {kind}-type Lan-DeMets spending; information = events of the two arms (full analysis "
                f"set) of the {int(look['planned'])} the design plans (protocol); hazard ratio active / control from "
                f"the Cox model with the same strata, on the hazard-ratio scale a boundary is "
                f"exp({'' if fewer == 'more' else '-'}z SE(log HR)).")
    return (f"The charter's final test: {test} (ANCOVA of the change at the key visit on arm, baseline and the "
            f"primary's covariates, observed cases of the full analysis set; z = estimate / SE, positive favours "
            f"the active arm) at one-sided alpha {alpha:g}, {kind}-type Lan-DeMets spending; information = patients "
            f"with the change of the {int(look['planned'])} the design plans for the two arms (protocol).")


def _interim_words(plan: dict, look: pd.Series, efficacy: pd.DataFrame) -> str:
    """The methods of an interim look of a time-to-event or continuous endpoint."""
    rci = ("the hazard ratios exp(log HR +/- z_k SE)" if _statistic(plan) == "logrank" else
           "the differences estimate +/- z_k SE")
    scale = "Schoenfeld variance 4 / events" if _statistic(plan) == "logrank" else "the design SD, planned patients"
    return (f" This look's boundary: {_earlier_words(efficacy, look['alpha'])}, spent by this look's information. "
            f"Repeated CI: {rci}, z_k this look's boundary. Conditional power: B-value method (Lan & Wittes "
            f"1988), final critical z {look['final_critical_z']:.3f} at the planned {int(look['planned'])} (no "
            f"further interim look assumed), drift E[Z] at the planned information from the current trend, from "
            f"the design ({_design_assumption(plan, look)}; {scale}; E[Z] = {look['design_drift']:.2f}) or 0. "
            "Predictive probability: not computed (the beta-binomial enumeration is for a binary endpoint).")


def _sap_words(plan: dict) -> str:
    return {"score": " Table 14.2.1 shows this decision beside the SAP's reported analysis (Fisher's exact test, "
                     "Miettinen-Nurminen CI).",
            "logrank": " Table 14.2.1 reports the SAP's analysis (log-rank and Cox of every arm against the control) "
                       "without this decision.",
            "mean_difference": " Table 14.2.1 reports the SAP's primary analysis (MMRM), a different statistic "
                               "from this ANCOVA z, without this decision."}[_statistic(plan)]


def guidelines_note(efficacy: pd.DataFrame | None, plan: dict | None = None, characteristics: str = "",
                    test: str | None = None) -> str:
    """The footnote of the guidelines table: the final test, the looks analysed before this cut,
    the methods of what the table shows at this look (interim or final) and the safety rules with
    their operating characteristics. `test`: the final test in words (final_test_words)."""
    safety = SAFETY_METHODS + (" " + characteristics if characteristics else "")
    if efficacy is None or efficacy.empty:
        return safety
    look = _look(efficacy)
    text = _design_words(plan, look, test or final_test_words(plan))
    scale = "difference scale by the unpooled standard error" if _statistic(plan) == "score" else \
        "on the scale of the estimate by its standard error"
    if look["final"] == 1:
        text += (f" Final analysis: critical z {look['final_critical_z']:.3f} from the "
                 f"{_earlier_words(efficacy, look['alpha'])}.")
        if look["looks_before"] > 0:
            text += (" Stagewise-ordering p-value, median-unbiased estimate and its CI adjust for the earlier looks "
                     f"(Jennison & Turnbull 2000, ch. 8; {scale}).")
        text += _sap_words(plan)
    elif "cp_current_trend" in look and _statistic(plan) != "score":
        text += _interim_words(plan, look, efficacy)
    elif "cp_current_trend" in look:
        text += (f" This look's boundary: {_earlier_words(efficacy, look['alpha'])}, spent by this look's "
                 "information. Repeated CI: the differences whose Farrington-Manning score is within the boundary. "
                 "Conditional power: B-value method (Lan & Wittes 1988), final critical z "
                 f"{look['final_critical_z']:.3f} at the planned {int(look['planned'])} (no further interim look "
                 "assumed), drift E[Z] at the planned size from the current trend, from the design "
                 f"rates {_pct(look['design_active_rate'])} vs {_pct(look['design_control_rate'])} (pooled variance; "
                 f"E[Z] = {look['design_drift']:.2f}) or 0. Predictive probability: Beta({look['prior_a']:g}, "
                 f"{look['prior_b']:g}) prior per arm, every outcome of the remaining planned patients enumerated "
                 "(beta-binomial), success = the final test's z at or above the final critical z.")
    return text + " " + safety
