"""Time to first event (ADTTE, Kaplan-Meier, exposure-adjusted incidence) on tiny hand-made frames."""
import numpy as np
import pandas as pd
import pytest

from tests.support.safety_frames import day, four_subjects
from trialstats.adam.adtte import derive_end_of_observation, derive_param_tte
from trialstats.ard.time_to_event import ard_exposure_adjusted, ard_time_to_event
from trialstats.stats.survival import fit_km
from trialstats.tables.safety import t_time_to_event


@pytest.fixture
def adsl():
    return four_subjects()


def test_end_of_observation_is_eosdt_else_the_last_record(adsl):
    records = pd.DataFrame({"USUBJID": ["S2", "S2", "S1"], "ADT": [day(30), day(70), day(400)]})
    end = derive_end_of_observation(adsl, [(records, "ADT")])
    assert end["S1"] == day(100) and end["S2"] == day(70) and pd.isna(end["S4"]) is False


def test_time_to_first_event_in_study_days(adsl):
    events = pd.DataFrame({"USUBJID": ["S1", "S1", "S3"], "DT": [day(20), day(10), day(1)]})
    end = pd.Series([day(100), day(70), day(50), day(100)], index=adsl["USUBJID"])
    tte = derive_param_tte(adsl, events, end, "TTAE").set_index("USUBJID")
    assert tte["AVAL"].tolist() == [10, 70, 1, 100]          # first event; end of observation; day 1 counts 1
    assert tte["CNSR"].tolist() == [0, 1, 0, 1] and set(tte["PARAMCD"]) == {"TTAE"}
    assert tte.loc["S2", "ADT"] == day(70)


def test_kaplan_meier_at_weeks_by_hand():
    # one arm, days: events at 3, 5, 9; censored at 5 and 12. At day 8 (week 1): S = 4/5 x 3/4 = 0.6,
    # at risk 2 (days 9, 12); at day 15 (week 2): S = 0.6 x 1/2 = 0.3, at risk 0.
    tte = pd.DataFrame({"ARM_": "A", "AVAL": [3.0, 5, 5, 9, 12], "CNSR": [0, 0, 1, 0, 1]})
    ard = ard_time_to_event({"E": tte}, ["A"], [0, 1, 2])
    stat = ard.set_index(["variable_level", "stat_name"])["stat"]
    assert stat[("week 0", "surv")] == 1 and stat[("week 0", "n_risk")] == 5
    assert stat[("week 1", "surv")] == pytest.approx(0.6) and stat[("week 1", "n_risk")] == 2
    assert stat[("week 2", "surv")] == pytest.approx(0.3) and stat[("week 2", "n_risk")] == 0
    assert stat[("overall", "events")] == 3 and "TEST" not in set(ard["group1"])     # one arm: no log-rank
    # log(-log) limits: Greenwood sum at day 8 = 1/(5x4) + 1/(4x3)
    se = np.sqrt(1 / 20 + 1 / 12) / abs(np.log(0.6))
    assert stat[("week 1", "lower")] == pytest.approx(0.6 ** np.exp(1.959964 * se), abs=1e-6)
    table = t_time_to_event(ard)
    assert table.iloc[0]["A (N=5): n"] == "3 / 5" and table.iloc[1]["Week"] == "Week 1"
    assert table.iloc[1]["A (N=5): % (95% CI)"].startswith("40.0 (")


def test_logrank_only_with_two_arms():
    tte = pd.DataFrame({"ARM_": ["A"] * 3 + ["B"] * 3, "AVAL": [2.0, 4, 6, 3, 5, 7], "CNSR": [0, 0, 0, 1, 1, 0]})
    ard = ard_time_to_event({"E": tte}, ["A", "B"], [0])
    p = ard.loc[ard["group1"] == "TEST", "stat"]
    assert len(p) == 1 and 0 < p.iloc[0] < 1


def test_exposure_adjusted_time_at_risk_stops_at_the_first_event(adsl):
    adae = pd.DataFrame({"USUBJID": ["S1", "S1", "S3"], "ARM_": ["A", "A", "B"], "ASTDT": [day(10), day(20), day(50)],
                         "AESER": ["N", "Y", "N"], "AEBODSYS": ["SOC1"] * 3, "AEDECOD": ["P1", "P2", "P1"]})
    end = pd.Series([day(100), day(200), day(50), day(100)], index=adsl["USUBJID"])
    ard = ard_exposure_adjusted(adsl, adae, [("Any TEAE", pd.Series(True, index=adae.index))], end, ["A", "B"])
    stat = ard.set_index(["group2_level", "variable_level", "group1_level", "stat_name"])["stat"]
    # arm A: S1 10 days (first event day 10), S2 200 days; 1 subject / 210 days
    assert stat[("", "Any TEAE", "A", "py")] == pytest.approx(210 / 365.25)
    assert stat[("", "Any TEAE", "A", "rate")] == pytest.approx(100 * 365.25 / 210)
    assert stat[("SOC1", "P2", "A", "py")] == pytest.approx((20 + 200) / 365.25)     # P2 first on day 20
    assert stat[("", "Any TEAE", "B", "n")] == 1 and stat[("", "Any TEAE", "B", "py")] == pytest.approx(150 / 365.25)


def test_fit_km_on_arrays():
    km = fit_km([3.0, 5, 5, 9, 12], [1, 1, 0, 1, 0])
    assert km.loc[0.0, "surv"] == 1 and km.loc[5.0, "surv"] == pytest.approx(0.6) and km.loc[5.0, "censored"] == 1
