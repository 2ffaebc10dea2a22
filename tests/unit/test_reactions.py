"""Reaction ARDs on small inline frames, each number counted by hand in the comments: the composite in
fixed windows after each dose, the re-challenge, temperature categories, medications started after a
dose, the AEs by infusion in a fixed window, and the protocol block's defaults and errors."""
import pandas as pd
import pytest

from trialstats.adam.exposure import derive_infusion_of_onset
from trialstats.ard.reactions import ard_medications_after_dose, ard_reactions, ard_rechallenge, ard_temperature
from trialstats.ard.safety import ard_ae_by_infusion
from trialstats.protocol import reaction_spec

D = lambda n: pd.Timestamp("2020-01-01") + pd.Timedelta(days=n - 1)  # noqa: E731  study day n (day 1 = dose 1)
SPEC = reaction_spec({"reactions": {"terms": ["Pyrexia", "Rash"], "windows": [[0, 2], [0, 7]]}})


@pytest.fixture
def frames():
    adsl = pd.DataFrame({"USUBJID": ["S1", "S2", "S3"], "ARM_": ["A", "A", "B"],
                         "TRTSDT": [D(1)] * 3, "TRTEDT": [D(29), D(1), D(29)]})
    # S1 and S3: doses on days 1 and 29; S2 only day 1
    adex = pd.DataFrame({"USUBJID": ["S1", "S1", "S2", "S3", "S3"], "ASTDT": [D(1), D(29), D(1), D(1), D(29)],
                         "INFNUM": [1, 2, 1, 1, 2], "AVISIT": ["BASELINE", "WEEK 4", "BASELINE", "BASELINE", "WEEK 4"]})
    adae = pd.DataFrame({"USUBJID": ["S1", "S1", "S1", "S2", "S3", "S3"],
                         "AEDECOD": ["Pyrexia", "Pyrexia", "Rash", "Rash", "Headache", "Pyrexia"],
                         "AEBODSYS": ["Gen", "Gen", "Skin", "Skin", "Nerv", "Gen"],
                         "ARM_": ["A", "A", "A", "A", "B", "B"],
                         # S1: day 2 (dose 1 + 1), day 30 (dose 2 + 1), day 34 (dose 2 + 5); S2: day 8 (dose 1 + 7)
                         # S3: headache day 1; pyrexia day 40 (dose 2 + 11: outside every window)
                         "ASTDT": [D(2), D(30), D(34), D(8), D(1), D(40)]})
    return adsl, derive_infusion_of_onset(adae, adex), adex


def test_composite_by_window_and_dose(frames):
    adsl, adae, adex = frames
    stat = ard_reactions(adsl, adae, adex, ["A", "B"], SPEC).set_index(
        ["variable", "variable_level", "group2_level", "group1_level", "stat_name"])["stat"]
    any_ = "Any infusion reaction"
    # days 0-2: S1 after dose 1 (day 2) and dose 2 (day 30); nothing else
    assert stat[("Days 0-2", any_, "1", "A", "n")] == 1 and stat[("Days 0-2", any_, "1", "A", "N")] == 2
    assert stat[("Days 0-2", any_, "2", "A", "n")] == 1 and stat[("Days 0-2", any_, "2", "A", "N")] == 1
    assert stat[("Days 0-2", any_, "Any", "A", "events")] == 2 and stat[("Days 0-2", any_, "Any", "B", "n")] == 0
    # days 0-7: adds S1's rash (dose 2 + 5) and S2's rash (dose 1 + 7); S3's day-40 pyrexia never counts
    assert stat[("Days 0-7", any_, "1", "A", "n")] == 2 and stat[("Days 0-7", any_, "2", "A", "events")] == 2
    assert stat[("Days 0-7", "Rash", "Any", "A", "n")] == 2 and stat[("Days 0-7", any_, "Any", "A", "pct")] == 100
    assert stat[("Days 0-7", any_, "2", "B", "n")] == 0 and stat[("Days 0-7", any_, "2", "B", "N")] == 1


def test_rechallenge(frames):
    adsl, adae, adex = frames
    stat = ard_rechallenge(adsl, adae, adex, ["A", "B"], SPEC).set_index(
        ["group2_level", "variable_level", "group1_level", "stat_name"])["stat"]
    # days 0-7 after dose 1: S1 and S2; S1 received dose 2 and reacted again; S2 had no dose 2
    assert stat[("1", "With a reaction after dose k", "A", "n")] == 2
    assert stat[("1", "Received dose k+1", "A", "n")] == 1 and stat[("1", "Did not receive dose k+1", "A", "n")] == 1
    assert stat[("1", "Reaction again after dose k+1", "A", "n")] == 1
    assert stat[("1", "Reaction again after dose k+1", "A", "pct_rechallenged")] == 100
    assert stat[("1", "Reaction again after dose k+1", "A", "pct")] == 50
    assert stat[("1", "With a reaction after dose k", "B", "n")] == 0
    assert pd.isna(stat[("1", "Received dose k+1", "B", "pct")])          # none to re-challenge: no percentage


def test_temperature_categories(frames):
    adsl, _, adex = frames
    advs = pd.DataFrame({"USUBJID": ["S1", "S1", "S1", "S2", "S3", "S3"], "PARAMCD": "TEMP",
                         "AVISIT": ["BASELINE", "BASELINE", "WEEK 4", "BASELINE", "BASELINE", "WEEK 8"],
                         "ATPT": ["PRE-DOSE", "2H POST-DOSE", "2H POST-DOSE", "2H POST-DOSE", "2H POST-DOSE",
                                  "2H POST-DOSE"], "ATPTN": [0, 2, 2, 2, 2, 2],
                         "AVAL": [36.5, 38.2, 37.3, 37.2, 39.0, 40.0]})   # S3 week 8: no dose at that visit
    stat = ard_temperature(adsl, advs, adex, ["A", "B"], SPEC).set_index(
        ["group2_level", "variable", "variable_level", "group1_level", "stat_name"])["stat"]
    assert stat[("1", "2H POST-DOSE", "measured", "A", "n")] == 2
    assert stat[("1", "2H POST-DOSE", ">= 37.3", "A", "n")] == 1
    assert stat[("1", "2H POST-DOSE", ">= 38.0", "A", "pct")] == 50
    assert stat[("1", "2H POST-DOSE", ">= 39.0", "B", "n")] == 1                     # 39.0 counts as >= 39.0
    assert stat[("2", "2H POST-DOSE", ">= 37.3", "A", "n")] == 1                     # 37.3 counts as >= 37.3
    assert stat[("1", "PRE-DOSE", ">= 37.3", "A", "n")] == 0
    assert stat[("1", "Any post-dose time point", "measured", "A", "n")] == 2
    assert stat[("2", "2H POST-DOSE", "measured", "B", "n")] == 0                   # S3's week 8: no dose then


def test_medications_started_after_a_dose(frames):
    adsl, _, adex = frames
    adcm = pd.DataFrame({"USUBJID": ["S1", "S1", "S2", "S3", "S3"],
                         "CMDECOD": ["PARACETAMOL", "METFORMIN", "PARACETAMOL", "INSULIN", "IBUPROFEN"],
                         "CMCLAS": ["ANILIDES", "BIGUANIDES", "ANILIDES", "INSULINS", "PROPIONIC ACIDS"],
                         "CMCAT": ["CONCOMITANT", "CONCOMITANT", "CONCOMITANT", "DAILY INSULIN DOSE", "CONCOMITANT"],
                         # S1 paracetamol day 31 (dose 2 + 2); S2 day 4 (dose 1 + 3); S3 ibuprofen day 30 (dose 2 + 1)
                         "ASTDT": [D(31), D(-100), D(4), D(1), D(30)], "AENDT": [D(33), pd.NaT, D(5), pd.NaT, D(31)]})
    spec = dict(SPEC, medication_exclude=["DAILY INSULIN DOSE"])
    stat = ard_medications_after_dose(adsl, adcm, adex, ["A", "B"], spec).set_index(
        ["group2_level", "variable_level", "group1_level", "stat_name"])["stat"]
    # on study, whenever started: S1's paracetamol (2 days after its last dose, day 29: also in the window)
    # and S2's (dose 1 + 3, after S2's last dose: on study, not in the window)
    assert stat[("ANILIDES", "ANY", "A", "n")] == 2 and stat[("ANILIDES", "ANY", "A", "n_after_dose")] == 1
    assert stat[("ANILIDES", "PARACETAMOL", "A", "pct_after_dose")] == 50
    assert stat[("BIGUANIDES", "ANY", "A", "n_after_dose")] == 0                   # started before the first dose
    assert stat[("PROPIONIC ACIDS", "ANY", "B", "n_after_dose")] == 1
    assert "INSULINS" not in set(stat.index.get_level_values(0))
    assert stat[("", "Any medication on study", "A", "n")] == 2       # S1 (metformin, paracetamol), S2 (paracetamol)


def test_ae_by_infusion_counts_a_fixed_window(frames):
    adsl, adae, adex = frames
    stat = ard_ae_by_infusion(adsl, adae, adex, ["A", "B"], window=(0, 7)).set_index(
        ["variable_level", "group2_level", "group1_level", "stat_name"])["stat"]
    # window 0-7: S3's headache (dose 1 + 0) counts; its day-40 pyrexia (dose 2 + 11) falls in the later row
    assert stat[("Any TEAE", "1", "B", "n")] == 1 and stat[("Any TEAE", "2", "B", "n")] == 0
    later = "TEAEs with an onset after day 7 of the latest infusion"
    assert stat[(later, "-", "B", "events")] == 1 and stat[(later, "-", "A", "events")] == 0
    unwindowed = ard_ae_by_infusion(adsl, adae, adex, ["A", "B"]).set_index(
        ["variable_level", "group2_level", "group1_level", "stat_name"])["stat"]
    assert unwindowed[("Any TEAE", "2", "B", "n")] == 1                             # until the next infusion


def test_reaction_spec_defaults_and_unknown_aesi():
    spec = reaction_spec({"aesi": [{"id": "PRURIT", "name": "Pruritus", "terms": ["Pruritus"]}],
                          "reactions": {"aesi": ["PRURIT"], "terms": ["Pyrexia"]}, "insulin": {"cmcat": "INS"}})
    assert spec["terms"] == ["Pyrexia", "Pruritus"] and spec["windows"] == [(0, 2), (0, 7)]
    assert spec["thresholds"] == [37.3, 38.0, 39.0] and spec["medication_exclude"] == ["INS"]
    aesi = [{"id": "PRURIT", "name": "P", "terms": ["Pruritus"]}]
    with pytest.raises(ValueError, match=r"reactions.aesi: FEVER not an id of protocol aesi \(expected one of PRU"):
        reaction_spec({"aesi": aesi, "reactions": {"aesi": ["FEVER"]}})


def test_a_single_arm_gets_clopper_pearson_limits(frames):
    adsl, adae, adex = frames
    one = adsl.assign(ARM_="T")
    stat = ard_reactions(one, adae.assign(ARM_="T"), adex, ["T"], SPEC).set_index(
        ["variable", "variable_level", "group2_level", "group1_level", "stat_name"])["stat"]
    # days 0-2, any dose: S1 of 3 subjects. Exact (Clopper-Pearson 1934) limits of 1/3 in closed form:
    # lower 1 - 0.975^(1/3) = 0.8403%; upper: the root of 3t^2 - 2t^3 = 0.975 (Beta(2, 2) CDF), 90.57%
    key = ("Days 0-2", "Any infusion reaction", "Any", "T")
    assert stat[(*key, "n")] == 1 and stat[(*key, "N")] == 3
    assert stat[(*key, "cp_lower")] == pytest.approx(100 * (1 - 0.975 ** (1 / 3)), rel=1e-9)
    t = stat[(*key, "cp_upper")] / 100
    assert 3 * t ** 2 - 2 * t ** 3 == pytest.approx(0.975, abs=1e-9) and t == pytest.approx(0.9057, abs=1e-4)
