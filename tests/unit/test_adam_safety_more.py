"""The ADaM route's exposure, exposure-adjusted incidence, prior and concomitant medications (ADCM),
liver listings, absent inputs and fatal AEs not flagged serious, on small frames counted by hand."""
import statistics

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from trialstats.ard.conmeds import ard_medications, medication_periods
from trialstats.ard.exposure import ard_exposure_adex, ard_exposure_adsl, time_at_risk_end
from trialstats.adam.standardize import standardize_adsl
from trialstats.listings.safety import ae_listing, listing_deaths, listing_liver
from trialstats.outputs.plan import adam_plan
from trialstats.report.build import output_markup
from trialstats.report.rtf import RtfPage, write_rtf_tables
from trialstats.tables.adam_route import run_adam_study
from trialstats.tables.adam_safety import t_exposure_summary

# S1, S2 placebo (code 0); S3, S4 high (81); S5 low (54): arms low, high, placebo (control last)
DURATION = {"S1": 10, "S2": 200, "S3": 30, "S4": 100, "S5": 84}


def adsl():
    rows = [("S1", "Placebo", 0), ("S2", "Placebo", 0), ("S3", "High", 81), ("S4", "High", 81), ("S5", "Low", 54)]
    return pd.DataFrame([{"STUDYID": "X", "USUBJID": u, "TRT01P": a, "TRT01PN": n, "TRT01A": a, "TRT01AN": n,
                          "SAFFL": "Y", "ITTFL": "Y", "SEX": "F", "AGE": 70, "EOSSTT": "COMPLETED",
                          "TRTSDT": "2020-01-01", "TRTEDT": str((pd.Timestamp("2020-01-01")
                                                               + pd.Timedelta(days=DURATION[u] - 1)).date()),
                          "TRTDURD": DURATION[u], "CUMDOSE": DURATION[u] * n, "AVGDD": float(n)} for u, a, n in rows])


def adae():
    # S1 nausea day 5; S3 nausea day 20 and rash day 40 (after its last dose, day 30); S4 rash day 50;
    # S2 fatal, not serious (a data query); S5 not treatment-emergent
    return pd.DataFrame({
        "USUBJID": ["S1", "S3", "S3", "S4", "S2", "S5"], "AEBODSYS": ["GI", "GI", "SKIN", "SKIN", "CARD", "GI"],
        "AEDECOD": ["NAUSEA", "NAUSEA", "RASH", "RASH", "MI", "NAUSEA"], "TRTEMFL": ["Y"] * 5 + [""],
        "ASTDY": [5, 20, 40, 50, 100, 3], "AESEV": "MILD", "AESER": ["N", "Y", "N", "Y", "N", "N"],
        "AEOUT": ["", "", "", "", "FATAL", ""], "AEREL": "NONE", "AESEQ": [1, 1, 2, 1, 1, 1],
        "TRTA": ["Placebo", "High", "High", "High", "Placebo", "Low"], "TRTAN": [0, 81, 81, 81, 0, 54]}).assign(
        ASTDT=lambda d: [str((pd.Timestamp("2020-01-01") + pd.Timedelta(days=int(k) - 1)).date()) for k in d.ASTDY])


def std():
    return standardize_adsl(adsl(), "TRT01A", "TRT01AN")


ARMS = ["Low", "High", "Placebo"]


def test_exposure_from_adsl_equals_a_hand_summary():
    a = ard_exposure_adsl(std(), ARMS, {"CUMDOSE": "mg"}, cuts=(28, 84))
    stat = a.set_index(["variable_level", "group1_level", "stat_name"])["stat"]
    high = [30, 100]
    assert stat[("TRTDURD", "High", "n")] == 2 and stat[("TRTDURD", "High", "mean")] == 65
    assert stat[("TRTDURD", "High", "sd")] == pytest.approx(statistics.stdev(high))
    assert stat[("TRTDURD", "High", "median")] == 65 and stat[("TRTDURD", "High", "min")] == 30
    assert stat[("CUMDOSE", "High", "mean")] == 81 * 65 and stat[("AVGDD", "Placebo", "max")] == 0
    assert stat[("TRTDURD", "Low", "sd")] != stat[("TRTDURD", "Low", "sd")]        # one subject: no SD (NaN)
    # categories < 28, 28 - < 84, >= 84 days: placebo 10 and 200; low 84 (>= 84, the cut belongs above)
    assert stat[("< 28 days", "Placebo", "n")] == 1 and stat[(">= 84 days", "Placebo", "n")] == 1
    assert stat[(">= 84 days", "Low", "n")] == 1 and stat[("28 - < 84 days", "Low", "n")] == 0
    assert stat[("duration", "Placebo", "py")] == pytest.approx(210 / 365.25)
    assert set(a.loc[a.variable_level == "CUMDOSE", "group2_level"]) == {"mg"}
    table = t_exposure_summary(a, {"Low": 1, "High": 2, "Placebo": 2}, {"TRTDURD": 0, "CUMDOSE": 0, "AVGDD": 1})
    high_col = table["High (N=2)"]
    assert high_col[table.Statistic == "Mean (SD)"].iloc[0] == f"65.0 ({statistics.stdev(high):.1f})"
    assert high_col[table.Statistic == "Min, max"].iloc[0] == "30, 100"
    assert table.Exposure.iloc[4] == "Cumulative dose (CUMDOSE, mg)"
    placebo = table["Placebo (N=2)"]                   # every dose 0: not applicable, the duration as counted
    assert placebo[4:12].tolist() == ["2"] + ["not applicable (placebo)"] * 3 + ["2"] + ["not applicable (placebo)"] * 3
    assert placebo[1] == "105.0 (134.4)" and table["Low (N=1)"][7] == "4536, 4536"
    note = run_adam_study({"adsl": adsl(), "adae": adae()}, {"arm": "TRT01A", "control": "Placebo", "exposure": {
        "units": {"CUMDOSE": "mg"}}})["tables/t_14_1_5_footnote"]
    assert "ADSL CUMDOSE (unit: mg, from exposure.units in the study's configuration)" in note
    assert "unit from the configuration" not in note
    assert note.endswith("Doses of Placebo: every one 0, not applicable (placebo).")


def test_adex_subject_level_parameters_summarised_per_period_ones_named():
    adex = pd.DataFrame({"USUBJID": ["S1", "S3", "S4", "S3", "S3"], "PARAMCD": ["TDOSE", "TDOSE", "TDOSE", "DOSE",
                                                                                "DOSE"],
                         "PARAM": ["Total dose", "Total dose", "Total dose", "Dose", "Dose"],
                         "AVAL": [0, 100, 300, 50, 50], "AVALU": ["mg", "mg", "mg", "mg", "mg"]})
    a, skipped = ard_exposure_adex(adex, std(), ARMS)
    stat = a.set_index(["variable_level", "group1_level", "stat_name"])["stat"]
    assert stat[("TDOSE", "High", "mean")] == 200 and stat[("TDOSE", "Low", "n")] == 0
    assert skipped == ["Dose: up to 2 records per subject, a per-period parameter, not summarised"]
    out = run_adam_study({"adsl": adsl(), "adae": adae(), "adex": adex}, {"arm": "TRT01A", "control": "Placebo"})
    assert out["tables/t_14_1_6"].Exposure.tolist()[:2] == ["Total dose (TDOSE, mg)", ""]
    assert out["tables/t_14_1_6"]["High (N=2)"].iloc[1] == "200.0 (141.4)"        # SD of 100, 300
    occds = run_adam_study({"adsl": adsl(), "adae": adae(), "adex": adex.drop(columns=["PARAMCD"])},
                           {"arm": "TRT01A"})
    assert occds["tables/t_14_1_6"].Exposure.iloc[0] == ("No subject-level ADEX parameter: ADEX has no PARAMCD and "
                                                         "AVAL (not a BDS dataset): not summarised")


def hand_eair(n_events: int, days: float):
    """Rate per 100 PY and its exact limits from the chi-square form (Garwood 1936; Ulm 1990)."""
    years = days / 365.25
    lower = stats.chi2.ppf(0.025, 2 * n_events) / 2 if n_events else 0.0
    return 100 * n_events / years, 100 * lower / years, 100 * stats.chi2.ppf(0.975, 2 * n_events + 2) / 2 / years


def test_exposure_adjusted_incidence_equals_a_hand_count():
    out = run_adam_study({"adsl": adsl(), "adae": adae()}, {"arm": "TRT01A", "control": "Placebo"})
    eair = out["ard/t_14_3_13"]
    stat = eair.set_index(["group2_level", "variable_level", "group1_level", "stat_name"])["stat"]
    # any TEAE: high S3 (day 20) + S4 (day 50) = 70 days, 2 events; placebo S1 day 5, S2 day 100; low: 84, none
    for arm, n, days in (("High", 2, 20 + 50), ("Placebo", 2, 5 + 100), ("Low", 0, 84)):
        rate, lower, upper = hand_eair(n, days)
        assert stat[("", "Any TEAE", arm, "n")] == n and stat[("", "Any TEAE", arm, "py")] == pytest.approx(
            days / 365.25)
        assert stat[("", "Any TEAE", arm, "rate")] == pytest.approx(rate)
        assert stat[("", "Any TEAE", arm, "lower")] == pytest.approx(lower)
        assert stat[("", "Any TEAE", arm, "upper")] == pytest.approx(upper)
    # rash: S3 at day 40 (after its last dose: its days count), S4 day 50
    assert stat[("SKIN", "RASH", "High", "py")] == pytest.approx(90 / 365.25)
    assert "last day of exposure (TRTDURD days)" in out["tables/t_14_3_13_footnote"]
    no_dates = run_adam_study({"adsl": adsl().drop(columns=["TRTSDT"]), "adae": adae()}, {"arm": "TRT01A"})
    assert no_dates["tables/t_14_3_13"].Category.iloc[0] == "Not computed: ADSL has no TRTSDT (the first dose): " \
        "no time at risk"
    end, how = time_at_risk_end(adsl().drop(columns=["TRTDURD"]))
    assert how == "the last dose (TRTEDT)" and end["S3"] == pd.Timestamp("2020-01-30")


def adcm():
    # S1: aspirin before and during (both); S3: paracetamol during, ibuprofen after the last dose (day 60)
    return pd.DataFrame({"USUBJID": ["S1", "S3", "S3", "S4"], "CMDECOD": ["ASPIRIN", "PARACETAMOL", "IBUPROFEN",
                                                                          "PARACETAMOL"],
                         "ATC2": ["ANALGESICS", "ANALGESICS", "ANTIINFLAMMATORY", "ANALGESICS"],
                         "ASTDT": ["2019-12-01", "2020-01-05", "2020-03-01", "2019-11-01"],
                         "AENDT": ["", "2020-01-09", "", "2019-11-05"]})


def test_prior_and_concomitant_medications_by_dates_and_by_flags():
    periods, rule = medication_periods(adcm(), std())
    assert periods["Prior"].tolist() == [True, False, False, True]
    assert periods["Concomitant"].tolist() == [True, True, False, False]
    assert rule.startswith("prior: started (ASTDT) before the first dose")
    con = ard_medications(adcm()[periods["Concomitant"].to_numpy(bool)], std(), ARMS)
    stat = con.set_index(["group2_level", "variable_level", "group1_level", "stat_name"])["stat"]
    assert stat[("", "Any medication", "High", "n")] == 1 and stat[("", "Any medication", "High", "N")] == 2
    assert stat[("ANALGESICS", "PARACETAMOL", "High", "pct")] == 50
    assert stat[("ANALGESICS", "ASPIRIN", "Placebo", "n")] == 1 and ("ANTIINFLAMMATORY", "ANY", "High", "n") \
        not in stat
    flagged = adcm().assign(PREFL=["Y", "", "", ""], ONTRTFL=["", "Y", "Y", ""])
    periods, rule = medication_periods(flagged, std())
    assert periods["Concomitant"].tolist() == [False, True, True, False] and "ONTRTFL" in rule
    out = run_adam_study({"adsl": adsl(), "adae": adae(), "adcm": adcm()}, {"arm": "TRT01A", "control": "Placebo"})
    table = out["tables/t_14_1_8"]
    assert table.Category.tolist() == ["Any medication", "ANALGESICS", "    ASPIRIN", "    PARACETAMOL"]
    assert table["High (N=2)"].tolist() == ["1 (50.0%)", "1 (50.0%)", "0 (0.0%)", "1 (50.0%)"]
    assert "Class: ADCM ATC2" in out["tables/t_14_1_7_footnote"]
    undated = run_adam_study({"adsl": adsl(), "adae": adae(), "adcm": adcm().drop(columns=["ASTDT"])},
                             {"arm": "TRT01A"})
    assert undated["tables/t_14_1_7"].Category.iloc[0].startswith("Prior medications not assessable")


def test_listings_in_arm_order_fatal_not_serious_commented_and_queried():
    out = run_adam_study({"adsl": adsl().assign(DTHFL=["", "Y", "", "", ""]), "adae": adae()},
                         {"arm": "TRT01A", "control": "Placebo"})
    assert out["listings/l_16_2_1"]["Subject"].tolist() == ["S3", "S4"]
    deaths = out["listings/l_16_2_2"]
    assert deaths.Comment.tolist() == ["Fatal TEAE not flagged serious (AESER not Y): a data query (appendix)"]
    q = out["listings/data_queries"]
    assert q[["DOMAIN", "USUBJID", "ROW", "SEQ", "VARIABLE"]].values.tolist() == [["ADAE", "S2", 6, "1", "AESER"]]
    missed = ("1 fatal TEAE (AEOUT FATAL or AESDTH Y) of 1 subject is not flagged serious (AESER not Y) and not "
              "counted as serious here: 1 (Placebo); it is in the deaths listing and the data queries appendix.")
    assert out["tables/t_14_3_5_footnote"] == "Serious: AESER = Y. " + missed
    assert out["tables/t_14_3_1_footnote"] == "Serious TEAE: AESER = Y. " + missed
    assert "TEAE with fatal outcome" in out["tables/t_14_3_1"].iloc[:, 0].tolist()
    flagged = run_adam_study({"adsl": adsl(), "adae": adae().assign(AESER="Y")},
                             {"arm": "TRT01A", "control": "Placebo"})
    assert flagged["tables/t_14_3_5_footnote"].endswith("Every fatal TEAE (AEOUT FATAL or AESDTH Y) is flagged "
                                                        "serious (AESER Y).")
    rows = pd.DataFrame({"USUBJID": ["S1", "S3", "S5"], "ARM_": ["Placebo", "High", "Low"]})
    listing = ae_listing(rows.assign(AEDECOD="X"), arms=ARMS)
    assert listing.Arm.tolist() == ["Low", "High", "Placebo"]                 # not alphabetical: the tables' order
    dead = std().assign(DTHFL="Y")
    assert listing_deaths(dead, adae().iloc[0:0].assign(ARM_=[]), ARMS).Arm.tolist() == [
        "Low", "High", "High", "Placebo", "Placebo"]


def test_liver_listing_of_given_subjects_after_the_first_dose_with_alp():
    lb = pd.DataFrame({"USUBJID": ["S1"] * 4 + ["S2"], "ARM_": "A", "PARAMCD": ["ALT", "ALP", "ALT", "GGT", "ALT"],
                       "PARAM": ["ALT", "ALP", "ALT", "GGT", "ALT"], "AVAL": ["20", "300", "50", "9", "200"],
                       "ANRHI": [40, 100, 40, 50, 40], "POSTFL_": [False, True, True, True, True], "AVISIT": "V",
                       "ADY": [-2, 3, 10, 10, 4]})
    out = listing_liver(lb, pd.DataFrame({"USUBJID": ["S1", "S2"], "AGE": ["70.0", "60"]}), subjects={"S1"},
                        tests=("ALT", "AST", "BILI", "ALP"), after_dose=True)
    assert out[["Subject", "Test", "Study day", "x ULN"]].values.tolist() == [["S1", "ALP", "3", "3.00"],
                                                                            ["S1", "ALT", "10", "1.25"]]
    assert out["Age"].tolist() == ["70", "70"] and out["Date"].tolist() == ["", ""]
    adlb = lb.drop(columns=["ARM_", "POSTFL_"]).assign(ABLFL=["Y", "", "", "", ""], ANRIND="N")
    none = run_adam_study({"adsl": adsl(), "adae": adae(), "adlb": adlb}, {"arm": "TRT01A", "control": "Placebo"})
    assert none["listings/l_16_2_3"].Subject.tolist() == ["No subject with ALT or AST >= 3 x ULN and bilirubin >= 2 x "
                                                          "ULN after the first dose"]
    assert none["listings/l_16_2_4"].Subject.tolist() == ["S2"]                    # ALT 5 x ULN on day 4


def test_hys_law_listing_with_baseline_records_peak_alp_and_the_assessment():
    # S1: ALT 4 x, bilirubin 3 x after the dose, ALP 2.5 x: cholestatic; S3: the same with ALP 1.5 x: potential;
    # S2, S4 normal throughout (two subjects an arm: the lab summary has an SD)
    rows = [(u, p, ady, v * (k if ady > 0 else 1), hi, "Y" if ady < 0 else "")
            for u, alp, k in (("S1", 2.5, 16 / 3), ("S3", 1.5, 16 / 3), ("S2", 0.9, 1), ("S4", 0.9, 1))
            for p, ady, v, hi in (("ALT", -3, 30, 40), ("ALT", 8, 30, 40), ("BILI", -3, 10, 20), ("BILI", 8, 11.25, 20),
                                  ("ALP", -3, 90, 100), ("ALP", 8, 100 * alp / k, 100))]
    adlb = pd.DataFrame(rows, columns=["USUBJID", "PARAMCD", "ADY", "AVAL", "ANRHI", "ABLFL"]).assign(
        PARAM=lambda d: d.PARAMCD, AVISIT=lambda d: np.where(d.ADY < 0, "Baseline", "Week 1"), ANRIND="N")
    out = run_adam_study({"adsl": adsl(), "adae": adae(), "adlb": adlb}, {"arm": "TRT01A", "control": "Placebo"})
    hys = out["listings/l_16_2_3"]
    assert hys.groupby("Subject").Assessment.first().to_dict() == {
        "S1": "Cholestatic pattern (peak ALP >= 2 x ULN), not potential Hy's law", "S3": "Potential Hy's law"}
    s1 = hys[hys.Subject == "S1"]
    assert s1[["Test", "Period", "Study day", "x ULN"]].values.tolist() == [
        ["ALP", "Baseline", "-3", "0.90"], ["ALP", "After first dose", "8", "2.50"],
        ["ALT", "Baseline", "-3", "0.75"], ["ALT", "After first dose", "8", "4.00"],
        ["BILI", "Baseline", "-3", "0.50"], ["BILI", "After first dose", "8", "3.00"]]
    assert set(s1["Peak ALP (x ULN)"]) == {"2.50"} and set(s1["Peak ALT/AST (x ULN)"]) == {"4.00"}
    screen = out["ard/t_14_3_10"].query("group1 == 'ARM' and stat_name == 'n'").groupby("variable_level").stat.sum()
    assert screen["Potential Hy's law (both)"] == 1
    assert screen["Cholestatic pattern (both, and ALP >= 2 x ULN): not potential Hy's law"] == 1


def test_absent_inputs_are_stated_where_their_outputs_would_be(tmp_path):
    facts = dict(datasets={"ADSL", "ADAE"}, folder={"ADSL", "ADAE", "ADTTE"}, categories=[], liver_peaks=False,
                 fisher="", baseline_tests="", demographics_population="", related_terms="")
    outputs = {o.id: o for _, outs in adam_plan(facts) for o in outs}
    stated = {i: o.footnote for i, o in outputs.items() if o.kind == "statement"}
    assert stated == {"t_14_1_6": "ADEX was not in the folder: no exposure by ADEX parameter (Table 14.1.4 is the "
                                  "exposure ADSL records).",
                      "t_14_1_7": "ADCM was not in the folder: no prior or concomitant medication tables.",
                      "t_14_3_8": "ADLB was not in the folder: no laboratory tables, shifts, Hy's-law screen, eDISH or "
                                  "liver listings.",
                      "t_14_3_11": "ADVS was not in the folder: no vital-sign tables."}   # ADTTE: in the folder
    assert "l_16_2_3" not in outputs and outputs["t_14_1_5"].kind == "table"
    assert "ADVS was not in the folder" in output_markup(outputs["t_14_3_11"], tmp_path)
    plan = [("Safety", [outputs["t_14_3_11"]])]
    write_rtf_tables(plan, tmp_path, tmp_path / "rtf", RtfPage("X", "r", "2020-01-01", closed=True, version="v"))
    assert "ADVS was not in the folder" in (tmp_path / "rtf/t_14_3_11.rtf").read_text()
    with_all = adam_plan({**facts, "datasets": {"ADSL", "ADAE", "ADEX", "ADCM", "ADVS", "ADLB"}})
    assert not [o for _, outs in with_all for o in outs if o.kind == "statement"]


def test_vital_signs_from_advs_by_visit_and_arm():
    advs = pd.DataFrame({"USUBJID": ["S1", "S2", "S1", "S2", "S3"], "PARAMCD": "SYSBP",
                         "PARAM": "Systolic Blood Pressure (mmHg)", "AVISIT": ["Baseline", "Baseline", "Week 2",
                                                                               "Week 2", "Week 2"],
                         "AVISITN": [0, 0, 2, 2, 2], "ADY": [-1, -1, 14, 15, 14], "AVAL": [120, 130, 125, 141, 110],
                         "ABLFL": ["Y", "Y", "", "", ""], "BASE": [120, 130, 120, 130, None],
                         "CHG": [None, None, 5, 11, None]})
    out = run_adam_study({"adsl": adsl(), "adae": adae(), "advs": advs}, {"arm": "TRT01A", "control": "Placebo"})
    table = out["tables/t_14_3_11"]
    week2 = table[(table.Visit == "Week 2") & (table.Arm == "Placebo (N=2)")].set_index("Statistic")
    assert week2.loc["Value", "n"] == "2"
    assert week2.loc["Value", "Mean (SD)"] == f"133.0 ({statistics.stdev([125, 141]):.2f})"   # SD: 2 more decimals
    assert week2.loc["Change from baseline", "Median"] == "8.0"
    assert table.Parameter.iloc[0] == "Systolic Blood Pressure (mmHg)"
    # control last within a visit, also where an arm has no record at an earlier visit
    assert table.loc[table.Visit == "Week 2", "Arm"].tolist() == ["High (N=2)", "Placebo (N=2)", "Placebo (N=2)"]


def test_first_rows_name_the_table_and_the_related_terms_found():
    ae = adae().assign(AEREL=["PROBABLE", "NONE", "REMOTE", None, "NONE", "PROBABLE"], AESER="Y")
    out = run_adam_study({"adsl": adsl(), "adae": ae}, {"arm": "TRT01A", "control": "Placebo"})
    assert out["tables/t_14_3_2"].Category.iloc[0] == "Any TEAE"
    assert out["tables/t_14_3_4"].Category.iloc[0] == "Any treatment-related TEAE"
    assert out["tables/t_14_3_5"].Category.iloc[0] == "Any serious TEAE"
    assert out["tables/t_14_3_4"].iloc[0]["Placebo (N=2)"] == "1 (50.0%) [1]"          # S1's PROBABLE nausea
    assert out["tables/t_14_3_4_footnote"] == ("AEREL counted as related: PROBABLE; not related: NONE, REMOTE; blank "
                                               "(1 record): not related.")


def test_overview_counts_subjects_discontinued_for_an_adverse_event_without_events():
    # S3 (two TEAEs) and S5 (no TEAE) discontinued for an adverse event; ADAE records no action taken
    sl = adsl().assign(DCSREAS=["", "", "Adverse Event", "Withdrew Consent", "ADVERSE EVENT"])
    table = run_adam_study({"adsl": sl, "adae": adae()}, {"arm": "TRT01A", "control": "Placebo"})["tables/t_14_3_1"]
    row = table.set_index("Category").loc["Discontinued the study because of an adverse event (ADSL DCSREAS)"]
    assert row[["Low (N=1)", "High (N=2)", "Placebo (N=2)"]].tolist() == ["1 (100.0%)", "1 (50.0%)", "0 (0.0%)"]
    assert not table.Category.str.contains("TEAE and discontinued").any()


def test_deaths_without_adsl_date_or_cause_take_the_fatal_teae():
    # S2: fatal MI, onset day 100, end day 102; S4: DTHDT and DTHCAUS in ADSL; S5: dead, nothing recorded
    sl = adsl().assign(DTHFL=["", "Y", "", "Y", "Y"], DTHDT=["", "", "", "2020-06-01", ""],
                       DTHCAUS=["", "", "", "STROKE", ""])
    ae = adae().assign(AENDT=["", "", "", "", "2020-04-11", ""])
    deaths = run_adam_study({"adsl": sl, "adae": ae}, {"arm": "TRT01A", "control": "Placebo"})["listings/l_16_2_2"]
    got = deaths.set_index("Subject")[["Date of death", "Cause of death", "Source"]].to_dict("index")
    assert got == {"S2": {"Date of death": "2020-04-11", "Cause of death": "MI",
                          "Source": "ADAE (fatal adverse event)"},
                   "S4": {"Date of death": "2020-06-01", "Cause of death": "STROKE", "Source": "ADSL"},
                   "S5": {"Date of death": "not recorded", "Cause of death": "not recorded", "Source": "not recorded"}}
    no_end = run_adam_study({"adsl": sl, "adae": adae()}, {"arm": "TRT01A", "control": "Placebo"})["listings/l_16_2_2"]
    assert no_end.set_index("Subject").loc["S2", "Date of death"] == "2020-04-09"          # the onset, day 100
