"""The DMC display functions on tiny hand-made frames with hand-counted answers."""
import numpy as np
import pandas as pd
import pytest

from trialstats.tables.dmc_safety import (ae_listing, ard_ae_by_infusion, ard_exposure_adjusted, ard_time_to_event,
                                          compute_poisson_ci, derive_end_of_observation, derive_infusion_of_onset,
                                          derive_time_to_first, listing_liver, t_ae_by_infusion, t_time_to_event,
                                          withdrawal_mask)

D = pd.Timestamp("2020-01-01")        # every subject's first dose: study day 1


def day(n):                           # the date of study day n (no day 0)
    return D + pd.Timedelta(days=n - 1)


@pytest.fixture
def adsl():
    return pd.DataFrame({"USUBJID": ["S1", "S2", "S3", "S4"], "ARM_": ["A", "A", "B", "B"], "TRTSDT": [D] * 4,
                         "EOSDT": [day(100), pd.NaT, day(50), day(100)], "AGE": [40.0, 51.0, 62.0, 33.0],
                         "SEX": ["F", "M", "F", "M"], "EOSSTT": ["COMPLETED", None, "DISCONTINUED", "COMPLETED"],
                         "DCSREAS": [None, None, "ADVERSE EVENT", None]})


def test_end_of_observation_is_eosdt_else_the_last_record(adsl):
    records = pd.DataFrame({"USUBJID": ["S2", "S2", "S1"], "ADT": [day(30), day(70), day(400)]})
    end = derive_end_of_observation(adsl, [(records, "ADT")])
    assert end["S1"] == day(100) and end["S2"] == day(70) and pd.isna(end["S4"]) is False


def test_time_to_first_event_in_study_days(adsl):
    events = pd.DataFrame({"USUBJID": ["S1", "S1", "S3"], "DT": [day(20), day(10), day(1)]})
    end = pd.Series([day(100), day(70), day(50), day(100)], index=adsl["USUBJID"])
    tte = derive_time_to_first(adsl, events, end).set_index("USUBJID")
    assert tte["TIME"].tolist() == [10, 70, 1, 100]          # first event; end of observation; day 1 counts 1
    assert tte["EVENT"].tolist() == [1, 0, 1, 0]


def test_kaplan_meier_at_weeks_by_hand():
    # one arm, days: events at 3, 5, 9; censored at 5 and 12. At day 8 (week 1): S = 4/5 x 3/4 = 0.6,
    # at risk 2 (days 9, 12); at day 15 (week 2): S = 0.6 x 1/2 = 0.3, at risk 0.
    tte = pd.DataFrame({"ARM_": "A", "TIME": [3.0, 5, 5, 9, 12], "EVENT": [1, 1, 0, 1, 0]})
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
    tte = pd.DataFrame({"ARM_": ["A"] * 3 + ["B"] * 3, "TIME": [2.0, 4, 6, 3, 5, 7], "EVENT": [1, 1, 1, 0, 0, 1]})
    ard = ard_time_to_event({"E": tte}, ["A", "B"], [0])
    p = ard.loc[ard["group1"] == "TEST", "stat"]
    assert len(p) == 1 and 0 < p.iloc[0] < 1


def test_exact_poisson_limits_hand_values():
    lower, upper = compute_poisson_ci([0, 2], [1.0, 1.0])
    assert lower[0] == 0 and upper[0] == pytest.approx(3.688879, abs=1e-6)          # -ln(0.025)
    assert lower[1] == pytest.approx(0.2422, abs=1e-4) and upper[1] == pytest.approx(7.2247, abs=1e-4)
    lower, upper = compute_poisson_ci(2, 4.0)                                         # per unit exposure
    assert lower == pytest.approx(0.2422 / 4, abs=1e-4) and upper == pytest.approx(7.2247 / 4, abs=1e-4)


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


def test_infusion_of_onset_is_the_latest_on_or_before(adsl):
    adex = pd.DataFrame({"USUBJID": ["S1"] * 3 + ["S3"], "ASTDT": [day(1), day(29), day(57), day(1)],
                         "INFNUM": [1, 2, 3, 1]})
    adae = pd.DataFrame({"USUBJID": ["S1", "S1", "S1", "S1", "S3", "S1"], "ARM_": ["A"] * 4 + ["B", "A"],
                         "ASTDT": [day(1), day(28), day(29), day(90), day(5), pd.NaT],
                         "AEDECOD": ["P1", "P1", "P2", "P1", "P1", "P1"]})
    out = derive_infusion_of_onset(adae, adex)
    assert out["INFNUM_"].tolist()[:5] == [1, 1, 2, 3, 1] and pd.isna(out["INFNUM_"].iloc[5])
    assert out["DSLI_"].tolist()[:5] == [0, 27, 0, 33, 4]
    ard = ard_ae_by_infusion(adsl, out, adex, ["A", "B"])
    stat = ard.set_index(["variable_level", "group2_level", "group1_level", "stat_name"])["stat"]
    assert stat[("Any TEAE", "1", "A", "n")] == 1 and stat[("Any TEAE", "1", "A", "events")] == 2
    assert stat[("Any TEAE", "2", "A", "N")] == 1 and stat[("Any TEAE", "2", "B", "N")] == 0
    assert stat[("P1", "3", "A", "n")] == 1 and stat[("P2", "1", "A", "n")] == 0
    assert stat[("TEAEs without an infusion on or before onset (no onset date)", "-", "A", "events")] == 1
    table = t_ae_by_infusion(ard)
    assert table.iloc[0]["A (N=1)"] == "1/1 (100.0%) [2]" and table.iloc[1]["B (N=1)"] == "0/0 (-%) [0]"
    assert table.iloc[-1]["A (N=1)"] == "1 subjects [1]"


def test_withdrawal_by_action_or_by_the_discontinuation_reason(adsl):
    adae = pd.DataFrame({"USUBJID": ["S1", "S1", "S3", "S3"], "AEACN": ["DRUG WITHDRAWN", "DOSE NOT CHANGED",
                                                                     "NOT APPLICABLE", "NOT APPLICABLE"],
                         "AEACNOTH": [None, None, None, None]})
    mask, label = withdrawal_mask(adae, adsl)
    assert mask.tolist() == [True, False, True, True] and label == "TEAE leading to withdrawal"


def test_liver_listing_subjects_at_3_x_uln_after_the_first_dose():
    lb = pd.DataFrame({"USUBJID": ["S1"] * 3 + ["S2"] * 2 + ["S3"] * 2, "ARM_": ["A"] * 5 + ["B"] * 2,
                       "PARAMCD": ["ALT", "AST", "BILI", "ALT", "ALT", "AST", "AST"], "PARAM": "x",
                       "AVAL": [120.0, 30, 10, 150, 20, 100, 104], "ANRHI": [40.0, 35, 20, 40, 40, 35, 35],
                       "POSTFL_": [True, True, True, False, True, True, True], "AVISIT": "V",
                       "ADT": [day(10)] * 7, "ADY": [10] * 7})
    subjects = pd.DataFrame({"USUBJID": ["S1", "S2", "S3"], "AGE": [40.0, 50, 60], "SEX": ["F", "M", "F"]})
    out = listing_liver(lb, subjects)
    # S1: ALT 3.0 x ULN post-baseline (all 3 records listed); S2: 3.75 only at baseline; S3: AST 2.97
    assert out["Subject"].tolist() == ["S1"] * 3 and out[">= 3 x ULN"].tolist().count("Yes") == 1
    assert out["Age"].tolist() == ["40"] * 3


def test_ae_listing_headers_and_words(adsl):
    adae = pd.DataFrame({"USUBJID": ["S1"], "ARM_": ["A"], "AEBODSYS": ["Skin"], "AEDECOD": ["Rash"],
                         "AETERM": ["RASH"], "ASTDT": [day(5)], "ASTDY": [5], "AESEV": ["MODERATE"], "AESER": ["N"],
                         "AEREL": ["POSSIBLY RELATED"], "AEOUT": ["RECOVERED/RESOLVED"], "AEACN": ["DRUG WITHDRAWN"],
                         "AEACNOTH": [None], "DSLI_": [4]})
    row = ae_listing(adae, adsl).iloc[0]
    assert row.to_dict() == {"Arm": "A", "Subject": "S1", "Age": "40", "Sex": "F", "System organ class": "Skin",
                             "Preferred term": "Rash", "Verbatim term": "RASH", "Onset date": "2020-01-05",
                             "Onset day": "5", "Days since last infusion": "4", "Severity": "Moderate",
                             "Serious": "No", "Relationship": "Possibly related", "Outcome": "Recovered/resolved",
                             "Action taken": "Drug withdrawn"}
