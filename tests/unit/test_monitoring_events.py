"""A time-to-event primary endpoint monitored on events, on a small synthetic trial made here
(seed 4): 160 patients entering uniformly over 12 months, exponential event times (control median
10 months, hazard ratio 0.65), analysed at an interim cut (month 14) and the final cut (month 30) with
120 events planned. The log-rank z is recomputed by a hand loop over the event times, the
final look's alpha and stagewise p-value by scipy's bivariate normal."""
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from trialstats.tables.monitoring import ard_events_monitoring

PLAN = {"final_test": {"statistic": "score", "sides": 1, "alpha": 0.025}, "efficacy": {"spending": "obrien-fleming"}}
PLANNED_EVENTS = 120


def trial():
    rng = np.random.default_rng(4)
    n = 160
    treated = np.repeat([1, 0], n // 2)
    entry = rng.uniform(0, 12, n)
    hazard = math.log(2) / 10 * np.where(treated == 1, 0.65, 1.0)
    return entry, rng.exponential(1 / hazard), treated


def at_cut(cut):
    entry, event_time, treated = trial()
    follow = cut - entry
    seen = entry < cut
    time = np.minimum(event_time, follow)[seen]
    return time, (event_time <= follow)[seen].astype(int), treated[seen]


def hand_logrank_z(time, event, treated) -> float:
    """(expected - observed) events of the active arm over the square root of the hypergeometric variance."""
    o_minus_e, var = 0.0, 0.0
    for t in np.unique(time[event == 1]):
        at_risk = time >= t
        n, n1 = at_risk.sum(), (at_risk & (treated == 1)).sum()
        d = ((time == t) & (event == 1)).sum()
        d1 = ((time == t) & (event == 1) & (treated == 1)).sum()
        o_minus_e += d1 - d * n1 / n
        var += d * (n1 / n) * (1 - n1 / n) * (n - d) / max(n - 1, 1)
    return -o_minus_e / math.sqrt(var)


def values(ard):
    """This look's statistics."""
    return ard[ard["group1"] == "ANALYSIS"].set_index("stat_name")["stat"].astype(float)


def test_interim_and_final_looks_on_events():
    time, event, treated = at_cut(14.0)
    interim = values(ard_events_monitoring(time, event, treated, PLANNED_EVENTS, PLAN, pd.DataFrame(
        columns=["cut", "information_fraction"]), final=False))
    assert interim["evaluable"] == event.sum() and 0 < interim["information_fraction"] < 1
    assert interim["information_fraction"] == pytest.approx(event.sum() / PLANNED_EVENTS)
    assert interim["z"] == pytest.approx(hand_logrank_z(time, event, treated), rel=1e-9)
    t1 = interim["information_fraction"]
    spent = 2 - 2 * stats.norm.cdf(stats.norm.isf(0.0125) / math.sqrt(t1))   # O'Brien-Fleming type
    assert interim["boundary_z"] == pytest.approx(stats.norm.isf(spent), abs=1e-6)
    assert interim["boundary_hr"] == pytest.approx(math.exp(-interim["boundary_z"] * interim["se"]))
    assert interim["rci_lower"] < interim["estimate"] < interim["rci_upper"]
    assert (interim["rci_upper"] < 1) == (interim["crossed_efficacy"] == 1)
    history = pd.DataFrame([{"cut": "month 14", "information_fraction": t1}])
    time, event, treated = at_cut(30.0)
    final = values(ard_events_monitoring(time, event, treated, PLANNED_EVENTS, PLAN, history, final=True))
    t2, c1, c2, z = final["information_fraction"], interim["boundary_z"], final["boundary_z"], final["z"]
    mvn = stats.multivariate_normal([0, 0], [[1, math.sqrt(t1 / t2)], [math.sqrt(t1 / t2), 1]])
    assert stats.norm.cdf(c1) - mvn.cdf([c1, c2]) == pytest.approx(0.025 - spent, abs=1e-6)
    assert final["stagewise_p"] == pytest.approx(stats.norm.sf(c1) + stats.norm.cdf(c1) - mvn.cdf([c1, z]), abs=1e-6)
    assert final["mue_lower"] < final["median_unbiased"] < final["mue_upper"]
    assert final["crossed_efficacy"] == int(z >= c2)
    assert interim["crossed_efficacy"] == 0 and final["crossed_efficacy"] == 1 and t2 < 1   # this seed's trial
    with pytest.raises(ValueError, match="looks must add events"):
        ard_events_monitoring(*at_cut(14.0), PLANNED_EVENTS, PLAN, history.assign(information_fraction=0.99),
                              final=False)


def test_a_continuous_endpoint_monitored_on_patients():
    """Two looks on a mean difference (seeded normal data, sd 1, true difference 0.5, 60 + 60 planned):
    z and the boundary on the difference by hand, the final look's stagewise p by scipy's bivariate normal."""
    from trialstats.tables.monitoring import ard_means_monitoring
    rng = np.random.default_rng(8)
    active, control = rng.normal(0.5, 1, 60), rng.normal(0, 1, 60)
    empty = pd.DataFrame(columns=["cut", "information_fraction"])
    interim = values(ard_means_monitoring(active[:25], control[:25], (60, 60), PLAN, empty, final=False))
    a, c = active[:25], control[:25]
    sd = math.sqrt((a.var(ddof=1) + c.var(ddof=1)) / 2)                 # equal arms: the mean of the variances
    assert interim["z"] == pytest.approx((a.mean() - c.mean()) / (sd * math.sqrt(2 / 25)))
    assert interim["information_fraction"] == pytest.approx(50 / 120)
    assert interim["boundary_difference"] == pytest.approx(interim["boundary_z"] * sd * math.sqrt(2 / 25))
    assert (interim["rci_lower"] > 0) == (interim["crossed_efficacy"] == 1)
    history = pd.DataFrame([{"cut": "first", "information_fraction": interim["information_fraction"]}])
    final = values(ard_means_monitoring(active[:58], control[:57], (60, 60), PLAN, history, final=True))
    t1, t2 = interim["information_fraction"], final["information_fraction"]
    c1, z = interim["boundary_z"], final["z"]
    mvn = stats.multivariate_normal([0, 0], [[1, math.sqrt(t1 / t2)], [math.sqrt(t1 / t2), 1]])
    assert final["stagewise_p"] == pytest.approx(stats.norm.sf(c1) + stats.norm.cdf(c1) - mvn.cdf([c1, z]), abs=1e-6)
    assert final["mue_lower"] < final["median_unbiased"] < final["mue_upper"]


def test_design_looks_conditional_power_and_the_direction_of_benefit():
    """With the design's hazard ratio 0.65 on 120 events: the planned looks' hazard-ratio boundaries
    exp(-c / sqrt(t D / 4)) (Schoenfeld), the conditional power by the B-value formula written here
    (Lan & Wittes 1988); with favours more_events the z and the hazard-ratio boundary turn over."""
    plan = dict(PLAN, looks=[0.5, 1.0], design={"hazard_ratio": 0.65}, futility={"conditional_power_below": 0.1})
    empty = pd.DataFrame(columns=["cut", "information_fraction"])
    ard = ard_events_monitoring(*at_cut(14.0), PLANNED_EVENTS, plan, empty, final=False)
    look = values(ard)
    design = ard[(ard["group1"] == "DESIGN") & (ard["group1_level"] == "look 1")].set_index("stat_name")["stat"]
    assert design["boundary_hr"] == pytest.approx(math.exp(-design["boundary_z"] / math.sqrt(0.5 * 120 / 4)))
    drift = -math.log(0.65) * math.sqrt(120 / 4)
    t, z, c = look["information_fraction"], look["z"], look["final_critical_z"]
    assert look["design_drift"] == pytest.approx(drift)
    for name, theta in (("cp_design", drift), ("cp_current_trend", z / math.sqrt(t)), ("cp_null", 0.0)):
        assert look[name] == pytest.approx(stats.norm.sf((c - z * math.sqrt(t) - theta * (1 - t)) / math.sqrt(1 - t)))
    assert look["crossed_futility"] == int(look["cp_current_trend"] < 0.1)
    more = dict(plan, final_test=dict(PLAN["final_test"], favours="more_events"), design={"hazard_ratio": 1.5})
    flipped = values(ard_events_monitoring(*at_cut(14.0), PLANNED_EVENTS, more, empty, final=False))
    assert flipped["z"] == pytest.approx(-z) and flipped["estimate"] == pytest.approx(look["estimate"])
    assert flipped["boundary_hr"] == pytest.approx(1 / look["boundary_hr"]) and flipped["boundary_hr"] > 1
    assert flipped["design_drift"] == pytest.approx(math.log(1.5) * math.sqrt(120 / 4))
