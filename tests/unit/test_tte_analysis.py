"""The time-to-event analysis unit (ard_tte_analysis, ard_km_steps, t_tte_analysis, km_figure): the ARD
assembled from hand computations on tiny frames, its tests equal to the survival functions on the
same subjects, the tau rule, and "not estimable" stated (a NOTE, NE on the display), never 0."""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from scipy import stats

from trialstats.ard.time_to_event import ard_km_steps, ard_tte_analysis, default_tau, landmark_times
from trialstats.arms import arm_colours
from trialstats.figures.survival import km_figure
from trialstats.stats.survival import compute_logrank, fit_cox
from trialstats.tables.time_to_event import t_tte_analysis, tte_footnote

# Arm A: events at 3, 5, 9; censored at 5, 12. Arm B: events at 2, 6, 8; censored at 4, 10.
TWO = pd.DataFrame({"USUBJID": [f"S{i}" for i in range(10)], "TRT": ["A"] * 5 + ["B"] * 5,
                    "AVAL": [3.0, 5, 5, 9, 12, 2, 4, 6, 8, 10], "CNSR": [0, 0, 1, 0, 1, 0, 1, 0, 0, 1]})


def stat(ard, group1, level, variable_level, stat_name, group2_level=None):
    sel = (ard["group1"] == group1) & (ard["group1_level"] == level) & (ard["variable_level"] == variable_level) & \
          (ard["stat_name"] == stat_name)
    if group2_level is not None:
        sel &= ard["group2_level"] == group2_level
    assert sel.sum() == 1, (group1, level, variable_level, stat_name, sel.sum())
    return ard.loc[sel, "stat"].iloc[0]


def notes(ard):
    n = ard[ard["group1"] == "NOTE"]
    return dict(zip(zip(n["group1_level"], n["group2_level"]), n["variable_level"]))


def hand_km(time, event):
    """Product limit by a plain loop: [(t, S(t))] at the event times."""
    s, out = 1.0, []
    for t in sorted(set(t for t, e in zip(time, event) if e)):
        n = sum(x >= t for x in time)
        d = sum(x == t and e for x, e in zip(time, event))
        s *= 1 - d / n
        out.append((t, s))
    return out


def hand_rmst(time, event, tau):
    """Area under the hand KM up to tau and the variance sum over event times of A_i^2 d_i / (n_i (n_i - d_i))
    (Klein & Moeschberger, Survival Analysis 2nd ed., section 4.5), written out independently."""
    steps = [(0.0, 1.0)] + [(t, s) for t, s in hand_km(time, event) if t <= tau]
    area = sum(s * ((steps[k + 1][0] if k + 1 < len(steps) else tau) - t) for k, (t, s) in enumerate(steps))
    var = 0.0
    for k, (t, _) in enumerate(steps[1:], 1):
        after = sum(s * ((steps[j + 1][0] if j + 1 < len(steps) else tau) - u) for j, (u, s) in enumerate(steps)
                    if j >= k)
        n = sum(x >= t for x in time)
        d = sum(x == t and e for x, e in zip(time, event))
        var += after ** 2 * d / (n * (n - d)) if n > d else 0.0
    return area, var


def hand_logrank(time, event, group, active):
    """Two-group log-rank: (sum of O - E for `active`)^2 / sum of the hypergeometric variances."""
    o_e = v = 0.0
    for t in sorted(set(t for t, e in zip(time, event) if e)):
        at = [(g, x == t and e) for x, e, g in zip(time, event, group) if x >= t]
        n, n1 = len(at), sum(g == active for g, _ in at)
        d, d1 = sum(e for _, e in at), sum(e for g, e in at if g == active)
        o_e += d1 - d * n1 / n
        v += d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1) if n > 1 else 0.0
    return o_e ** 2 / v


def test_counts_median_rmst_and_tau_by_hand():
    ard = ard_tte_analysis(TWO, "TRT", ["A", "B"], "B")
    assert [stat(ard, "ARM", "A", "overall", k) for k in ("N", "events", "censored")] == [5, 3, 2]
    assert [stat(ard, "ARM", "B", "overall", k) for k in ("N", "events", "censored")] == [5, 3, 2]
    # A: S = 0.8 (3), 0.6 (5), 0.3 (9) -> median 9; B: 0.8 (2), 0.8 x 2/3 (6), x 1/2 (8) -> median 8
    assert stat(ard, "ARM", "A", "median", "estimate") == 9 and stat(ard, "ARM", "B", "median", "estimate") == 8
    # tau: every arm at risk up to min(12, 10) = 10
    assert stat(ard, "ANALYSIS", "", "settings", "tau") == 10 and stat(ard, "ANALYSIS", "", "settings",
                                                                         "tau_given") == 0
    # RMST up to 10: A 3 + 0.8 x 2 + 0.6 x 4 + 0.3 x 1 = 7.3; B 2 + 0.8 x 4 + 0.5333 x 2 + 0.2667 x 2 = 6.8
    assert stat(ard, "ARM", "A", "rmst", "estimate") == pytest.approx(7.3)
    assert stat(ard, "ARM", "B", "rmst", "estimate") == pytest.approx(6.8)
    area_a, var_a = hand_rmst(TWO["AVAL"][:5].tolist(), (1 - TWO["CNSR"][:5]).tolist(), 10)
    area_b, var_b = hand_rmst(TWO["AVAL"][5:].tolist(), (1 - TWO["CNSR"][5:]).tolist(), 10)
    assert stat(ard, "ARM", "A", "rmst", "se") == pytest.approx(np.sqrt(var_a))
    diff, se = area_a - area_b, np.sqrt(var_a + var_b)
    assert stat(ard, "CONTRAST", "A vs B", "RMST difference", "estimate") == pytest.approx(0.5)
    assert stat(ard, "CONTRAST", "A vs B", "RMST difference", "lower") == pytest.approx(diff - 1.959964 * se)
    assert stat(ard, "CONTRAST", "A vs B", "RMST difference", "p") == pytest.approx(2 * stats.norm.sf(diff / se))


def test_landmarks_at_risk_and_km_by_hand():
    ard = ard_tte_analysis(TWO, "TRT", ["A", "B"], "B", landmarks=[4, 9])
    # A at day 4: 4 at risk (5, 5, 9, 12), S = 0.8; at day 9: 2 at risk, S = 0.3
    assert stat(ard, "ARM", "A", "landmark", "n_risk", "4") == 4 and stat(ard, "ARM", "A", "landmark", "surv",
                                                                           "4") == pytest.approx(0.8)
    assert stat(ard, "ARM", "A", "landmark", "n_risk", "9") == 2 and stat(ard, "ARM", "A", "landmark", "surv",
                                                                           "9") == pytest.approx(0.3)
    assert stat(ard, "ARM", "B", "landmark", "surv", "9") == pytest.approx(0.8 * 2 / 3 * 1 / 2)


def test_logrank_and_cox_equal_the_survival_functions_and_a_hand_logrank():
    ard = ard_tte_analysis(TWO, "TRT", ["A", "B"], "B")
    time, event, treated = TWO["AVAL"], 1 - TWO["CNSR"], (TWO["TRT"] == "A").astype(int)
    lr, cox = compute_logrank(time, event, TWO["TRT"]), fit_cox(time, event, treated)
    assert stat(ard, "CONTRAST", "A vs B", "log-rank", "chi2") == pytest.approx(lr["chi2"])
    assert stat(ard, "CONTRAST", "A vs B", "log-rank", "chi2") == pytest.approx(
        hand_logrank(time.tolist(), event.tolist(), TWO["TRT"].tolist(), "A"))
    for k in ("hr", "lower", "upper", "p"):
        assert stat(ard, "CONTRAST", "A vs B", "Cox", k) == pytest.approx(cox[k])


@pytest.fixture
def three_arms():
    rng = np.random.default_rng(26)
    n = 90
    return pd.DataFrame({"USUBJID": [f"S{i:03d}" for i in range(n)], "TRT": np.repeat(["High", "Low", "Placebo"], 30),
                         "AVAL": rng.integers(1, 300, n).astype(float), "CNSR": rng.binomial(1, 0.4, n),
                         "SITEGR": rng.choice(["North", "South", "East"], n)})


def test_each_arm_vs_control_on_the_pair_stratified_and_across_all_arms(three_arms):
    d = three_arms
    ard = ard_tte_analysis(d, "TRT", ["High", "Low", "Placebo"], "Placebo", strata="SITEGR", ties="breslow")
    for active in ("High", "Low"):
        pair = d[d["TRT"].isin([active, "Placebo"])]
        lr = compute_logrank(pair["AVAL"], 1 - pair["CNSR"], pair["TRT"], pair["SITEGR"])
        cox = fit_cox(pair["AVAL"], 1 - pair["CNSR"], (pair["TRT"] == active).astype(int), pair["SITEGR"],
                      ties="breslow")
        c = f"{active} vs Placebo"
        assert stat(ard, "CONTRAST", c, "log-rank", "p", "SITEGR") == pytest.approx(lr["p"])
        assert stat(ard, "CONTRAST", c, "Cox", "hr", "SITEGR") == pytest.approx(cox["hr"])
        unstratified = fit_cox(pair["AVAL"], 1 - pair["CNSR"], (pair["TRT"] == active).astype(int), ties="breslow")
        assert cox["hr"] != pytest.approx(unstratified["hr"])          # the strata matter in this data
    overall = compute_logrank(d["AVAL"], 1 - d["CNSR"], d["TRT"], d["SITEGR"])
    assert stat(ard, "TEST", "all arms", "log-rank", "p") == pytest.approx(overall["p"])
    assert stat(ard, "TEST", "all arms", "log-rank", "df") == 2
    assert stat(ard, "ANALYSIS", "", "settings", "ties_efron") == 0
    text = tte_footnote(ard, "Placebo")
    assert "Breslow ties, stratified by SITEGR" in text and "log-rank test, stratified by SITEGR" in text
    assert "Log-rank test across all arms, stratified by SITEGR: chi-square" in text
    assert "Stratified log-rank p" in set(t_tte_analysis(ard, "Placebo")["Statistic"])


def test_tau_rule_and_a_given_tau(three_arms):
    d = three_arms
    longest = d.groupby("TRT")["AVAL"].max()
    assert default_tau(d, "TRT", ["High", "Low", "Placebo"]) == longest.min()
    ard = ard_tte_analysis(d, "TRT", ["High", "Low", "Placebo"], "Placebo", tau=100)
    assert stat(ard, "ANALYSIS", "", "settings", "tau") == 100 and stat(ard, "ANALYSIS", "", "settings",
                                                                          "tau_given") == 1
    assert "tau = 100 days (as specified)" in tte_footnote(ard, "Placebo")
    assert "(the largest time at which every arm still has subjects at risk)" in tte_footnote(
        ard_tte_analysis(d, "TRT", ["High", "Low", "Placebo"], "Placebo"), "Placebo")
    # a tau beyond an arm's follow-up: that arm's RMST and the difference not estimable, stated
    beyond = ard_tte_analysis(TWO, "TRT", ["A", "B"], "B", tau=11)
    assert "rmst" not in set(beyond.loc[(beyond["group1"] == "ARM") & (beyond["group1_level"] == "B"),
                                        "variable_level"])
    assert notes(beyond)[("B", "rmst")] == "tau 11 days is beyond the arm's follow-up (the longest 10)"
    assert ("A vs B", "RMST difference") in notes(beyond)


def test_landmark_times_are_round_and_within_tau():
    assert landmark_times(190) == [50, 100, 150]
    assert landmark_times(365) == [100, 200, 300]
    assert landmark_times(12) == [5, 10] and landmark_times(0) == []


def test_not_estimable_is_stated_never_zero():
    # arm B has no event: its median, the HR; arm A's curve stays above 50%: its median
    d = pd.DataFrame({"USUBJID": [f"S{i}" for i in range(8)], "TRT": ["A"] * 4 + ["B"] * 4,
                      "AVAL": [2.0, 6, 8, 9, 3, 5, 7, 9], "CNSR": [0, 1, 1, 1, 1, 1, 1, 1]})
    ard = ard_tte_analysis(d, "TRT", ["A", "B"], "B", landmarks=[5, 20])
    n = notes(ard)
    assert n[("A", "median")] == "the Kaplan-Meier curve stays above 50% (lowest 75.0%)"
    assert n[("A vs B", "Cox")].startswith("no event in B")
    assert n[("A", "landmark 20")] == "no subject followed to 20 days (the longest 9)"
    assert not ((ard["group1"] == "CONTRAST") & (ard["variable_level"] == "Cox")).any()
    assert stat(ard, "CONTRAST", "A vs B", "log-rank", "p") > 0          # one event: the test runs
    table = t_tte_analysis(ard, "B").set_index("Statistic")
    assert table.loc["Median time to the event, days (95% CI)", "A (N=4)"] == "NE"
    assert table.loc["Hazard ratio (95% CI)", "A (N=4)"] == "NE"
    assert table.loc["Event-free at 20 days, % (95% CI)", "B (N=4)"] == "NE"
    assert table.loc["Event-free at 5 days, % (95% CI)", "A (N=4)"] == "75.0 (12.8, 96.1)"
    assert table.loc["Hazard ratio (95% CI)", "B (N=4)"] == ""                 # the control: no comparison
    text = tte_footnote(ard, "B")
    assert "A, median: the Kaplan-Meier curve stays above 50%" in text and "A vs B, Cox: no event in B" in text
    none = ard_tte_analysis(d.assign(CNSR=1), "TRT", ["A", "B"], "B")
    assert notes(none)[("A vs B", "log-rank")] == "no event in either arm"
    assert t_tte_analysis(none, "B").set_index("Statistic").loc["Log-rank p", "A (N=4)"] == "NE"


def test_display_numbers():
    table = t_tte_analysis(ard_tte_analysis(TWO, "TRT", ["A", "B"], "B"), "B").set_index("Statistic")
    assert table.loc["With the event, n (%)", "A (N=5)"] == "3 (60.0%)"
    assert table.loc["Median time to the event, days (95% CI)", "A (N=5)"].startswith("9 (")
    assert table.loc["RMST up to 10 days (95% CI)", "A (N=5)"].startswith("7.3 (")
    assert table.loc["RMST difference, days (95% CI)", "A (N=5)"].startswith("0.5 (")
    cox = fit_cox(TWO["AVAL"], 1 - TWO["CNSR"], (TWO["TRT"] == "A").astype(int))
    assert table.loc["Hazard ratio (95% CI)", "A (N=5)"] == f"{cox['hr']:.2f} ({cox['lower']:.2f}, {cox['upper']:.2f})"


@pytest.mark.parametrize("change, message", [
    (lambda d: d.drop(columns="CNSR"), "columns ['CNSR'] are missing"),
    (lambda d: d.assign(CNSR=[0, 2] * 5), "CNSR must be 0 (event) or 1 (censored); 5 rows fail"),
    (lambda d: d.assign(USUBJID="S1"), "USUBJID must have one record per subject"),
    (lambda d: d.assign(AVAL=[-1.0] + [1.0] * 9), "AVAL must be a time >= 0; 1 rows fail (rows [0]"),
])
def test_bad_input_names_the_column_and_rows(change, message):
    with pytest.raises(ValueError, match="^ADTTE: " + message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):
        ard_tte_analysis(change(TWO), "TRT", ["A", "B"], "B", source="ADTTE")


def test_km_steps_and_the_figure_at_risk_table():
    steps = ard_km_steps(TWO, "TRT", ["A", "B"])
    a = steps[steps["group1_level"] == "A"].pivot_table(index="variable_level", columns="stat_name", values="stat")
    assert a.loc["9", "surv"] == pytest.approx(0.3) and a.loc["0", "n_risk"] == 5 and a.loc["5", "censored"] == 1
    colours = {a: c.lower() for a, c in arm_colours(["A", "B"], "B").items()}
    fig = km_figure(steps, ["A", "B"], colours, "days", "Figure X", times=[0, 4, 9, 11])
    ax, low = fig.axes
    counts = {(round(t.get_position()[0]), to_hex(t.get_color())): t.get_text() for t in low.texts}
    # at day 4: A 4 (5, 5, 9, 12), B 4 (4, 6, 8, 10); day 9: A 2, B 1; day 11: A 1, B 0
    assert counts[(4, colours["A"])] == "4" and counts[(4, colours["B"])] == "4"
    assert counts[(9, colours["A"])] == "2" and counts[(9, colours["B"])] == "1"
    assert counts[(11, colours["A"])] == "1" and counts[(11, colours["B"])] == "0"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["A", "B"]
    assert [to_hex(line.get_color()) for line in ax.get_lines()[::2]] == [colours["A"], colours["B"]]
    plt.close(fig)
