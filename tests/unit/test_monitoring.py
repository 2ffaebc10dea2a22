"""Monitoring arithmetic cross-checked two independent ways (closed form vs simulation, exact
enumeration vs Monte Carlo)."""
import math

import numpy as np
import pytest
from scipy import stats

from trialstats.stats.monitoring import (adjusted_inference, alpha_spent, bayesian_count_boundary,
                                         beta_binomial_pmf, conditional_power, cp_futility_z,
                                         crossing_probabilities, posterior_exceedance, power,
                                         predictive_probability, repeated_p_value,
                                         spending_boundary, stagewise_probability)


def brownian_z(rng, info, theta, draws):
    """Z_k = S_k / sqrt(I_k) of a Brownian motion with drift theta, simulated at information info."""
    steps = rng.normal(theta * np.diff(np.r_[0, info]), np.sqrt(np.diff(np.r_[0, info])), (draws, len(info)))
    return np.cumsum(steps, axis=1) / np.sqrt(info)


def test_spending_functions_spend_all_alpha_at_the_end_and_nothing_at_the_start():
    for kind in ("obrien-fleming", "pocock"):
        assert alpha_spent([0.0, 1.0], 0.025, kind) == pytest.approx([0.0, 0.025])
        assert np.all(np.diff(alpha_spent(np.linspace(0, 1, 11), 0.025, kind)) > 0)
    # Pocock-type spending at half the information: alpha ln(1 + (e - 1) / 2)
    assert alpha_spent(0.5, 0.05, "pocock") == pytest.approx(0.05 * math.log(1 + (math.e - 1) / 2))


def test_boundary_crossing_probability_equals_a_brownian_motion_simulation():
    rng = np.random.default_rng(11)
    fractions = np.array([0.3, 0.6, 1.0])
    bounds = spending_boundary(fractions, 0.025, "pocock")
    theta = 2.5                                   # drift: E[Z(1)] = 2.5
    up, _ = crossing_probabilities(fractions, bounds, theta=theta)
    steps = rng.normal(theta * np.diff(np.r_[0, fractions]), np.sqrt(np.diff(np.r_[0, fractions])), (400_000, 3))
    z = np.cumsum(steps, axis=1) / np.sqrt(fractions)
    crossed = np.cumsum(z >= bounds, axis=1) > 0
    first = np.diff(np.c_[np.zeros(len(z), bool), crossed].astype(int), axis=1)
    np.testing.assert_allclose(up, first.mean(axis=0), atol=3e-3)


def test_conditional_power_closed_form_equals_simulation():
    rng = np.random.default_rng(5)
    z, t, critical, design = 1.2, 0.4, 1.96, 2.8
    cp = conditional_power(z, t, critical, design)
    b_now = z * math.sqrt(t)
    for drift, value in ((z / math.sqrt(t), cp.current_trend), (design, cp.design), (0.0, cp.null)):
        final = b_now + rng.normal(drift * (1 - t), math.sqrt(1 - t), 400_000)
        assert value == pytest.approx(np.mean(final >= critical), abs=3e-3)
    assert cp.null < cp.current_trend < cp.design


def test_beta_binomial_pmf_sums_to_one_and_has_the_beta_binomial_mean():
    pmf = beta_binomial_pmf(25, 3.0, 9.0)
    assert pmf.sum() == pytest.approx(1.0)
    assert (np.arange(26) * pmf).sum() == pytest.approx(25 * 3 / 12)
    assert pmf == pytest.approx(stats.betabinom.pmf(np.arange(26), 25, 3.0, 9.0))


def fisher_success(x1, n1, x2, n2):
    return x1 / n1 > x2 / n2 and stats.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]])[1] < 0.05


def test_predictive_probability_equals_monte_carlo():
    rng = np.random.default_rng(3)
    x, n, planned = (5, 2), (22, 21), (30, 30)
    pp = predictive_probability(x, n, planned, fisher_success)
    draws = 60_000
    p1 = rng.beta(1 + x[0], 1 + n[0] - x[0], draws)
    p2 = rng.beta(1 + x[1], 1 + n[1] - x[1], draws)
    y1, y2 = rng.binomial(planned[0] - n[0], p1), rng.binomial(planned[1] - n[1], p2)
    cache = {}
    wins = [cache.setdefault((a, b), fisher_success(x[0] + a, 30, x[1] + b, 30)) for a, b in zip(y1, y2)]
    assert pp == pytest.approx(np.mean(wins), abs=0.01)
    # complete data: the predictive probability is 1 or 0
    assert predictive_probability((9, 2), (45, 44), (45, 44), fisher_success) in (0.0, 1.0)


def test_posterior_exceedance_equals_numerical_integration():
    x, n, p0 = 4, 12, 0.2
    grid = np.linspace(0, 1, 200_001)
    dens = grid ** x * (1 - grid) ** (n - x)
    assert posterior_exceedance(x, n, p0) == pytest.approx(dens[grid > p0].sum() / dens.sum(), abs=1e-4)


def test_count_boundary_is_where_the_posterior_rule_first_triggers():
    boundary = bayesian_count_boundary(30, 0.2, 0.9)
    for n in (5, 17, 30):
        b = boundary[n - 1]
        assert posterior_exceedance(b, n, 0.2) > 0.9 >= posterior_exceedance(b - 1, n, 0.2)
    assert np.all(np.diff(boundary) >= 0)


def test_safety_rule_counts_by_arm_and_pooled_on_a_hand_made_trial():
    import pandas as pd
    from trialstats.tables.monitoring import ard_safety_rules, t_guidelines
    adsl = pd.DataFrame({"USUBJID": [f"S{i}" for i in range(12)], "SAFFL": ["Y"] * 11 + ["N"],
                         "TRTSDT": pd.date_range("2020-01-01", periods=12), "ARM": ["A", "B"] * 6})
    # fever (AESI) in S0, S2, S4 (arm A) and S1 (B); S10 serious; S11 outside the safety set;
    # S6's fever is not treatment-emergent
    adae = pd.DataFrame({"USUBJID": ["S0", "S2", "S4", "S1", "S10", "S11", "S6"],
                         "TRTEMFL": ["Y", "Y", "Y", "Y", "Y", "Y", "N"], "AESER": ["N"] * 4 + ["Y", "Y", "N"],
                         "CQ01NAM": ["Fever"] * 4 + [None, "Fever", "Fever"],
                         "ASTDT": pd.to_datetime(["2020-01-05", "2020-01-03", "2020-01-20", "2020-01-02", "2020-01-11",
                                                  "2020-01-12", "2020-01-08"])})
    aesi = [{"id": "FEVER", "name": "Fever"}]
    rules = [{"event": "FEVER", "p0": 0.2, "threshold": 0.8, "from_subjects": 4}, {"event": "SERIOUS", "p0": 0.1,
                                                                                     "threshold": 0.9}]
    ard, paths, crossings = ard_safety_rules(adsl, adae, rules, aesi, "ARM", ["A", "B"], control="B")
    def get(ev, g, s):
        return float(ard[(ard.variable == ev) & (ard.group1_level == g) & (ard.stat_name == s)].stat.iloc[0])
    assert (get("FEVER", "A", "n"), get("FEVER", "A", "events")) == (6, 3)      # S0 S2 S4 of S0 S2 .. S10
    assert (get("FEVER", "B", "n"), get("FEVER", "B", "events")) == (5, 1)      # S1 of S1 S3 S5 S7 S9
    assert (get("FEVER", "All subjects", "n"), get("FEVER", "All subjects", "events")) == (11, 4)
    assert get("SERIOUS", "All subjects", "events") == 1
    assert get("FEVER", "A", "posterior_prob") == pytest.approx(stats.beta.sf(0.2, 4, 4))
    # the pooled path replayed by date, by hand: subject Si dosed on day i + 1 (S11 outside the
    # safety set); fever onsets S1 day 2, S2 day 3, S0 day 5, S4 day 20; on one day the dose first
    pooled = paths[(paths.event == "FEVER") & (paths.group == "All subjects")]
    onset_days = {2: "S1", 3: "S2", 5: "S0", 20: "S4"}
    expected, n, x = [], 0, 0
    for d in range(1, 21):
        if d <= 11:
            n += 1
            expected.append((n, x))
        if d in onset_days:
            x += 1
            expected.append((n, x))
    assert list(zip(pooled.enrolled, pooled.cumulative_events)) == expected
    assert pooled.loc[pooled.enrolled < 4, "boundary"].isna().all() and pooled.loc[pooled.enrolled >= 4,
                                                                                   "boundary"].notna().all()
    table = t_guidelines(ard, None, rules, aesi, None, crossings)
    assert len(table) == 6 and set(table.Crossed) <= {"YES", "no"}
    # arm A against the control B: 3/6 vs 1/5, the Miettinen-Nurminen interval of the primary analysis
    from trialstats.stats.binary import diff_ci
    assert get("FEVER", "A", "diff_vs_control") == pytest.approx(3 / 6 - 1 / 5)
    assert get("FEVER", "A", "diff_lower") == pytest.approx(diff_ci(3, 6, 1, 5, "mn").lower)
    assert table["Charter's action if crossed"].eq("not stated in the charter").all()


def test_first_crossing_replays_the_data_by_date_and_names_the_subject():
    """Ten subjects dosed on days 1..10, events on days 3, 5, 12, 12 (S2, S4, S6, S7) and 20 (S9):
    rule P(rate > 0.2) > 0.8 from the 4th subject on; each date's posterior recomputed with scipy."""
    import pandas as pd
    from trialstats.tables.monitoring import ard_safety_rules, t_guidelines
    day = pd.Timestamp("2020-01-01")
    adsl = pd.DataFrame({"USUBJID": [f"S{i}" for i in range(10)], "SAFFL": "Y",
                         "TRTSDT": [day + pd.Timedelta(days=i) for i in range(10)]})
    events = {"S2": 2, "S4": 4, "S6": 11, "S7": 11, "S9": 19}
    adae = pd.DataFrame({"USUBJID": list(events), "TRTEMFL": "Y", "AESER": "Y",
                         "ASTDT": [day + pd.Timedelta(days=d) for d in events.values()]})
    rule = {"event": "SERIOUS", "p0": 0.2, "threshold": 0.8, "from_subjects": 4, "action": "Pause dosing"}
    ard, _, crossings = ard_safety_rules(adsl, adae, [rule], [], None, [])
    # by hand: on each onset date, subjects dosed by then and events by then
    expected = None
    for subject, d in sorted(events.items(), key=lambda kv: kv[1]):
        n = min(d + 1, 10)
        x = sum(v <= d for v in events.values())
        if n >= 4 and stats.beta.sf(0.2, 1 + x, 1 + n - x) > 0.8:
            expected = (subject, (day + pd.Timedelta(days=d)).date().isoformat(), n, x)
            break
    assert expected is not None
    row = crossings.iloc[0]
    assert (row.subject, row.date, row.n, row.events) == expected
    table = t_guidelines(ard, None, [rule], [], None, crossings)
    assert f"first crossed on {expected[1]} with subject {expected[0]}" in table.iloc[0]["At the data cut"]
    assert table.iloc[0]["Charter's action if crossed"] == "Pause dosing"


def test_safety_rule_crossing_probability_simulated_equals_the_exact_recursion():
    from trialstats.stats.monitoring import rule_crossing_probability, rule_crossing_probability_exact
    boundary = bayesian_count_boundary(46, 0.2, 0.9).astype(float)
    boundary[:9] = np.nan
    for rate in (0.1, 0.2, 0.35):
        assert rule_crossing_probability(boundary, rate) == pytest.approx(
            rule_crossing_probability_exact(boundary, rate), abs=0.012)
    # a rule that applies only at the last subject: the binomial tail at its trigger count
    last = np.full(20, np.nan)
    last[-1] = 7
    assert rule_crossing_probability_exact(last, 0.2) == pytest.approx(stats.binom.sf(6, 20, 0.2))


def test_final_look_spends_all_alpha_left_at_an_under_running_final_analysis():
    # the interim at 36% and a final analysis at 98% of the planned information
    bounds = spending_boundary([0.36, 0.98], 0.025, "obrien-fleming", final=True)
    up, _ = crossing_probabilities([0.36, 0.98], bounds)
    assert up.sum() == pytest.approx(0.025, abs=1e-9)
    assert bounds[0] == pytest.approx(spending_boundary([0.36], 0.025, "obrien-fleming")[0])
    # without interim looks, the final critical value is the fixed-sample one
    assert spending_boundary([0.98], 0.025, "obrien-fleming", final=True)[0] == pytest.approx(stats.norm.isf(0.025))


def test_stagewise_p_value_and_median_unbiased_estimate_equal_a_simulation():
    rng = np.random.default_rng(17)
    info = np.array([20.0, 40.0, 60.0])                  # 1 / variance of the estimate at each look
    bounds = spending_boundary(info / 60, 0.025, "obrien-fleming")
    z = 2.3                                              # reached the final look, z below nothing earlier
    adj = adjusted_inference(z, info, bounds[:2], 0.025)

    def simulated(theta):
        paths = brownian_z(rng, info, theta, 300_000)
        early = (paths[:, :2] >= bounds[:2]).any(axis=1)
        return np.mean(early | (paths[:, 2] >= z))

    assert adj.p_value == pytest.approx(simulated(0.0), abs=1e-3)
    assert simulated(adj.median_unbiased) == pytest.approx(0.5, abs=3e-3)
    assert simulated(adj.lower) == pytest.approx(0.025, abs=1.5e-3)
    assert simulated(adj.upper) == pytest.approx(0.975, abs=1.5e-3)
    assert adj.lower < adj.median_unbiased < z / math.sqrt(60) < adj.upper   # shrunk towards 0
    # with no earlier look: the fixed-sample p-value, estimate and Wald interval
    fixed = adjusted_inference(z, [60.0], [], 0.025)
    assert fixed.p_value == pytest.approx(stats.norm.sf(z))
    assert fixed.median_unbiased == pytest.approx(z / math.sqrt(60))
    assert fixed.lower == pytest.approx((z - 1.959964) / math.sqrt(60), abs=1e-6)
    assert stagewise_probability(z, [60.0], []) == pytest.approx(stats.norm.sf(z))


def test_repeated_p_value_is_the_alpha_whose_simulated_boundary_the_z_reaches():
    rng = np.random.default_rng(23)
    fractions, z = [0.3, 0.65], 2.6
    p = repeated_p_value(z, fractions, "pocock")
    # simulate the boundaries of Pocock-type spending at alpha = p: the first look's quantile, then
    # the second's among paths that continued, so that the spent alpha matches
    paths = brownian_z(rng, np.array(fractions), 0.0, 1_000_000)
    spent = alpha_spent(fractions, p, "pocock")
    c1 = np.quantile(paths[:, 0], 1 - spent[0])
    go_on = paths[paths[:, 0] < c1, 1]
    c2 = np.sort(go_on)[::-1][int(round((spent[1] - spent[0]) * len(paths))) - 1]
    assert c2 == pytest.approx(z, abs=0.03)
    assert repeated_p_value(z, [1.0], "pocock") == pytest.approx(stats.norm.sf(z), abs=1e-9)
    assert repeated_p_value(-1.0, fractions, "pocock") == 0.5


def test_design_power_equals_simulation_and_the_futility_boundary_has_the_stated_conditional_power():
    rng = np.random.default_rng(29)
    looks = np.array([0.5, 1.0])
    bounds = spending_boundary(looks, 0.025, "obrien-fleming")
    drift = 2.8
    paths = brownian_z(rng, looks, drift, 400_000)
    assert power(looks, bounds, drift) == pytest.approx(np.mean((paths >= bounds).any(axis=1)), abs=3e-3)
    z = cp_futility_z(0.5, bounds[-1], 0.10)
    assert conditional_power(z, 0.5, bounds[-1], drift).current_trend == pytest.approx(0.10)


def responders(counts: dict, pending: int = 0):
    """A responder status frame: per arm (label, ARMCD) responders and patients; `pending` not yet due."""
    import pandas as pd
    rows = []
    for (arm, code), (x, n) in counts.items():
        rows += [{"ARM": arm, "ARMCD": code, "FASFL": "Y", "STATUS": "Y" if i < x else "N"} for i in range(n)]
        rows += [{"ARM": arm, "ARMCD": code, "FASFL": "Y", "STATUS": "not yet due"}] * pending
    return pd.DataFrame(rows)


PLAN = {"information": {"unit": "patients", "planned": {"ACT": 46, "PBO": 45}}, "looks": [0.5, 1.0],
        "final_test": {"statistic": "score", "sides": 1, "alpha": 0.025}, "efficacy": {"spending": "obrien-fleming"},
        "design": {"active_rate": 0.25, "control_rate": 0.05},
        "futility": {"conditional_power_below": 0.1, "predictive_probability_below": 0.05}}


def look_values(ard):
    return ard[ard.group1 == "ANALYSIS"].set_index("stat_name")["stat"].astype(float)


def test_look_ard_at_an_interim_and_at_the_final_as_rpact():
    """rpact 3.3.4 (Debian r-cran-rpact), run by us on the same counts: getDesignGroupSequential(
    typeOfDesign = "asOF", informationRates = c(33/91, 1)) and, at the final, "asUser" with the
    alpha spent at 33/91 and all of it at 89/91; getAnalysisResults(normalApproximation = TRUE) of
    getDataset(events1 = c(6, 3), events2 = c(0, 2), sampleSizes1 = c(17, 28), sampleSizes2 = c(16, 28))."""
    import pandas as pd
    from trialstats.tables.monitoring import ard_efficacy_monitoring, look_history, planned_by_arm, t_gs_design
    labels = ("A", "B")
    interim = responders({("A", "ACT"): (6, 17), ("B", "PBO"): (0, 16)}, pending=5)
    planned = planned_by_arm(interim, labels, PLAN)
    assert planned == {"A": 46, "B": 45}
    first = ard_efficacy_monitoring(interim, labels, PLAN, planned, look_history([]), final=False)
    v = look_values(first)
    assert v["information_fraction"] == pytest.approx(33 / 91)
    assert v["z"] == pytest.approx(2.627158, abs=1e-6)                      # rpact overallTestStatistics
    assert v["boundary_z"] == pytest.approx(3.543265, abs=1e-6)             # rpact criticalValues
    assert v["final_critical_z"] == pytest.approx(1.961135, abs=1e-6)
    assert v["repeated_p"] == pytest.approx(0.08557689, abs=2e-6)           # rpact repeatedPValues
    assert (v["rci_lower"], v["rci_upper"]) == pytest.approx((-0.17079256, 0.73308195), abs=1e-6)
    assert v["final"] == 0 and "stagewise_p" not in v
    design = t_gs_design(first, PLAN, "2017-09-30")             # the design's 2 looks, this look, the power
    assert len(design) == 4 and design.iloc[2]["Observed z"] == "2.63"
    history = pd.DataFrame([{"cut": "2017-09-30", "information_fraction": 33 / 91, "z": v["z"], "evaluable": 33,
                             "final": 0}])
    final = responders({("A", "ACT"): (9, 45), ("B", "PBO"): (2, 44)})
    w = look_values(ard_efficacy_monitoring(final, labels, PLAN, planned, history, final=True))
    assert w["z"] == pytest.approx(2.214829, abs=1e-6)
    assert w["boundary_z"] == w["final_critical_z"] == pytest.approx(1.961092, abs=1e-6)
    assert w["stagewise_p"] == pytest.approx(0.01347562, abs=1e-7)          # rpact finalPValues
    assert w["median_unbiased"] == pytest.approx(0.14919399, abs=1e-6)      # rpact medianUnbiasedEstimates
    assert (w["mue_lower"], w["mue_upper"]) == pytest.approx((0.01702413, 0.28130562), abs=1e-6)
    assert w["crossed_efficacy"] == 1 and "cp_current_trend" not in w
    with pytest.raises(ValueError, match="not above the earlier look"):
        ard_efficacy_monitoring(interim, labels, PLAN, planned, history, final=False)
    with pytest.raises(ValueError, match="no planned size for arm"):
        planned_by_arm(interim.replace({"ARMCD": {"ACT": "UCMSC"}}), labels, PLAN)


def test_protocol_schema_asks_group_sequential_efficacy_for_its_design_and_final_test():
    import jsonschema
    import yaml
    from tests.conftest import ROOT
    schema = yaml.safe_load((ROOT / "workflow/schemas/protocol.schema.yaml").read_text())
    protocol = yaml.safe_load((ROOT / "data/nct02302599/protocol.yaml").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    assert list(validator.iter_errors(protocol)) == []
    for key in ("information", "final_test"):
        broken = {**protocol, "monitoring": {k: v for k, v in protocol["monitoring"].items() if k != key}}
        assert any(key in e.message for e in validator.iter_errors(broken)), key
    two_sided = {**protocol, "monitoring": {**protocol["monitoring"], "final_test": {
        "statistic": "score", "sides": 2, "alpha": 0.05}}}
    assert list(validator.iter_errors(two_sided))            # one-sided only: what the boundaries assume


def test_a_look_before_any_information_has_no_boundary_and_spends_nothing():
    import pandas as pd
    from trialstats.tables.monitoring import ard_efficacy_monitoring, decision_row, look_history, t_guidelines
    nobody_due = responders({("A", "ACT"): (0, 0), ("B", "PBO"): (0, 0)}, pending=3)
    empty = ard_efficacy_monitoring(nobody_due, ("A", "B"), PLAN, {"A": 46, "B": 45}, look_history([]), final=False)
    v = look_values(empty)
    assert v["information_fraction"] == 0 and v["alpha_spent"] == 0 and not np.isfinite(v["z"])
    row = t_guidelines(pd.DataFrame(columns=empty.columns), empty, [], [], PLAN).iloc[0]
    assert row["Threshold"] == "no boundary: no information yet, no alpha spent" and row["Crossed"] == "no"
    assert "no boundary (no information yet)" in decision_row(empty)["Estimate (95% CI)"]
    # as a look in the history it changes nothing: the next look's boundary is the first look's
    history = pd.DataFrame([{"cut": "early", "information_fraction": 0.0, "z": np.nan, "evaluable": 0,
                             "se": np.nan, "final": 0}])
    status = responders({("A", "ACT"): (6, 17), ("B", "PBO"): (0, 16)})
    after = look_values(ard_efficacy_monitoring(status, ("A", "B"), PLAN, {"A": 46, "B": 45}, history, final=False))
    assert after["boundary_z"] == pytest.approx(spending_boundary([33 / 91], 0.025, "obrien-fleming")[0])
