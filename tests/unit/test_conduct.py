"""Trial-conduct tables of the open report on hand-counted inline frames."""
import pandas as pd

from trialstats.ard.conduct import ard_accrual, ard_completeness
from trialstats.tables.conduct import t_accrual, t_completeness, t_deviations

VISITS = [{"name": "BASELINE", "num": 1, "day": 1}, {"name": "WEEK 4", "num": 4, "day": 29, "window": 7}]


def adsl():
    return pd.DataFrame({
        "USUBJID": ["S1", "S2", "S3", "S4"],
        "RFICDT": pd.to_datetime(["2016-01-05", "2016-01-20", "2016-03-02", "2016-03-30"]),
        "RANDDT": pd.to_datetime(["2016-01-19", None, "2016-03-16", "2016-04-12"]),
        "TRTSDT": pd.to_datetime(["2016-01-19", None, "2016-03-16", pd.NaT]),
        "REFSDT": pd.to_datetime(["2016-01-19", None, "2016-03-16", "2016-04-12"]),
        "ENRLFL": ["Y", "N", "Y", "Y"], "FASFL": ["Y", "N", "Y", "N"], "NINF": [3, 0, 2, 0],
        "EOSSTT": ["COMPLETED", "DISCONTINUED", "ONGOING", "DISCONTINUED"],
        "EOSDT": pd.to_datetime(["2017-01-10", "2016-01-25", None, "2016-04-12"]),
        "PROHIBFL": ["N", "N", "Y", "N"], "ELIGFL": ["Y", "N", "Y", "Y"]})


def test_accrual_by_month_with_empty_months():
    ard = ard_accrual(adsl())
    assert set(ard.stat_name) == {"screened", "enrolled", "cumulative_screened", "cumulative_enrolled"}
    t = t_accrual(ard).set_index("Month")
    assert list(t.index) == ["2016-01", "2016-02", "2016-03", "2016-04"]
    assert t["Screened"].tolist() == [2, 0, 2, 0] and t["Enrolled"].tolist() == [1, 0, 1, 1]
    assert t["Cumulative enrolled"].iloc[-1] == 3


def test_deviations_counted_among_the_enrolled():
    adeff = pd.DataFrame({"USUBJID": ["S1", "S3"], "PARAMCD": "HBA1C", "AVISIT": ["UNSCHEDULED", "WEEK 4"]})
    t = t_deviations(adsl(), adeff, 3, "HBA1C").set_index("Deviation")["Subjects"]
    assert t["Missed infusion (fewer than planned, not discontinued)"] == "1 (33.3%)"   # S3: 2 of 3, ongoing
    assert t["Never dosed after randomization"] == "1 (33.3%)"                          # S4
    assert t["HBA1C assessment outside every visit window"] == "1 (33.3%)"              # S1
    assert t["Prohibited medication on study"] == "1 (33.3%)"


def test_completeness_expects_only_subjects_due_by_the_cut():
    adeff = pd.DataFrame({"USUBJID": ["S1"], "PARAMCD": "HBA1C", "AVISIT": "WEEK 4", "ANL01FL": "Y", "AVAL": [8.1]})
    # cut 2016-04-01: S1's week-4 window (day 36 = 2016-02-23) has closed; S3's (2016-04-20) has not
    t = t_completeness(ard_completeness(adsl(), adeff, VISITS, ["HBA1C"], "2016-04-01")).set_index("Visit")
    assert t.loc["WEEK 4", "Expected"] == 1 and t.loc["WEEK 4", "HBA1C available"] == "1 (100.0%)"
    t = t_completeness(ard_completeness(adsl(), adeff, VISITS, ["HBA1C"], "2016-12-31")).set_index("Visit")
    assert t.loc["WEEK 4", "Expected"] == 2 and t.loc["WEEK 4", "HBA1C available"] == "1 (50.0%)"


def test_completeness_without_a_visit_window_is_an_empty_table_with_its_columns():
    none = t_completeness(ard_completeness(adsl(), pd.DataFrame(columns=["USUBJID", "PARAMCD", "AVISIT"]),
                                           VISITS[:1], ["HBA1C"], "2016-12-31"))
    assert none.empty and list(none.columns) == ["Visit", "Expected"]
