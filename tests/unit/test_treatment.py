"""A real study's SDTM as delivered: CDISC relatedness terms, seriousness criteria, randomization
from the key, any dosing regimen, split-key (issue 25)."""
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.support.safety_frames import day, four_subjects
from trialstats.adam.standardize import standardize_adae
from trialstats.listings.safety import compute_seriousness, listing_serious
from trialstats.outputs.plan import report_plan
from trialstats.vocabulary import RELATED_TERMS, compute_arel, related_terms

PILOT_TERMS = ["NONE", "REMOTE", "POSSIBLE", "PROBABLE", "", None, "possible ", "DEFINITELY RELATED",
               "UNLIKELY", "NOT RELATED"]


def test_aerel_cdisc_pilot_terms_by_the_default_mapping():
    arel = compute_arel(pd.Series(PILOT_TERMS, dtype="object"))
    assert arel.tolist() == ["NOT RELATED", "NOT RELATED", "RELATED", "RELATED", "NOT RELATED", "NOT RELATED",
                             "RELATED", "RELATED", "NOT RELATED", "NOT RELATED"]


def test_aerel_mapping_from_the_protocol():
    protocol = {"adverse_events": {"related": ["probable", "Definite"]}}
    assert related_terms(protocol) == ("PROBABLE", "DEFINITE") and related_terms({}) == RELATED_TERMS
    arel = compute_arel(pd.Series(["POSSIBLE", "PROBABLE", "DEFINITE"]), related_terms(protocol))
    assert arel.tolist() == ["NOT RELATED", "RELATED", "RELATED"]


def test_standardize_adae_uses_the_one_mapping():
    adsl = four_subjects().assign(ARM_="A")
    adae = pd.DataFrame({"USUBJID": ["S1", "S2"], "TRTEMFL": "Y", "AEREL": ["PROBABLE", "REMOTE"]})
    assert standardize_adae(adae, adsl)["AREL"].tolist() == ["RELATED", "NOT RELATED"]


def test_related_footnote_states_the_mapping():
    protocol = _protocol()
    protocol["adverse_events"] = {"related": ["POSSIBLE", "PROBABLE"]}
    footnote = _output(report_plan("closed", protocol), "t_14_3_4").footnote
    assert "AEREL counted as related: POSSIBLE, PROBABLE;" in footnote


def test_seriousness_criteria_in_words_in_the_sae_listing():
    adae = pd.DataFrame({"USUBJID": ["S1", "S2", "S3"], "ARM_": "A", "AEBODSYS": "Skin", "AEDECOD": "Rash",
                         "AETERM": "RASH", "ASTDT": [day(5)] * 3, "ASTDY": 5, "AESEV": "MILD", "AESER": ["Y", "Y", "N"],
                         "AEREL": "NONE", "AEOUT": ["FATAL", "RECOVERED/RESOLVED", ""], "AESDTH": ["Y", "N", "N"],
                         "AESHOSP": ["Y", "", "N"], "AESLIFE": ["N", "N", "N"], "AESMIE": ["N", "Y", "N"]})
    assert compute_seriousness(adae).tolist() == ["Death; Hospitalization", "Other medically important", ""]
    out = listing_serious(adae, four_subjects())
    assert out["Seriousness criteria"].tolist() == ["Death; Hospitalization", "Other medically important"]
    assert out.columns.get_loc("Seriousness criteria") == out.columns.get_loc("Outcome") + 1
    assert out["Outcome"].tolist() == ["Fatal", "Recovered/resolved"]
    assert "Seriousness criteria" not in listing_serious(adae.drop(columns=["AESDTH", "AESHOSP", "AESLIFE",
                                                                           "AESMIE"]), four_subjects())


def _protocol() -> dict:
    return yaml.safe_load((Path(__file__).parents[2] / "data/nct02302599/protocol.yaml").read_text())


def _output(plan, oid):
    return next(o for _, outputs in plan for o in outputs if o.id == oid)


def _blinded_adsl(randdt=None) -> pd.DataFrame:
    """Three subjects of a randomized study: S1 and S2 dosed, S3 randomized but never dosed, S4 a screen failure."""
    from trialstats.adam.adsl import derive_var_enrolled
    adsl = pd.DataFrame({"USUBJID": ["S1", "S2", "S3", "S4"], "SCRFFL": ["N", "N", "N", "Y"],
                         "TRTSDT": [day(1), day(3), pd.NaT, pd.NaT], "SAFFL": ["Y", "Y", "N", "N"],
                         "RANDDT": pd.to_datetime(randdt or [None] * 4)})
    enrolled = derive_var_enrolled(adsl, True)
    return adsl.assign(ENRLFL=enrolled.map({True: "Y", False: "N"}), RANDFL=enrolled.map({True: "Y", False: "N"}))


KEY = pd.DataFrame({"USUBJID": ["S1", "S2", "S3"], "ARMCD": ["PBO", "HI", "PBO"], "ARM": ["Placebo", "High", "Placebo"],
                    "RANDDT": ["2019-12-30", "2020-01-02", "2020-01-04"]})


def test_no_ds_randomized_milestone_key_date_used_and_arms_kept():
    from trialstats.adam.unblind import check_key, compare_randomization, unblind
    adsl = _blinded_adsl()
    assert adsl["ENRLFL"].tolist() == ["Y", "Y", "N", "N"]        # the open side: first dose, no key
    check_key(KEY, adsl)
    assert compare_randomization(adsl, KEY).empty                  # DS has no milestone at all: nothing to compare
    closed = unblind({"adsl": adsl}, KEY)["adsl"]
    assert closed["TRT01P"].fillna("-").tolist() == ["Placebo", "High", "Placebo", "-"]
    assert closed["RANDFL"].tolist() == ["Y", "Y", "Y", "N"] and closed["ENRLFL"].tolist() == ["Y", "Y", "Y", "N"]
    assert closed["RANDDT"].dt.strftime("%Y-%m-%d").fillna("").tolist() == ["2019-12-30", "2020-01-02",
                                                                            "2020-01-04", ""]
    assert closed["TRT01A"].fillna("-").tolist() == ["Placebo", "High", "-", "-"]


def test_ds_milestones_used_and_cross_checked_against_the_key():
    from trialstats.adam.unblind import compare_randomization, unblind
    adsl = _blinded_adsl(["2019-12-30", "2020-01-01", None, None])
    out = compare_randomization(adsl, KEY)
    assert out.to_dict("records") == [
        {"USUBJID": "S2", "DS_RANDDT": "2020-01-01", "KEY_RANDDT": "2020-01-02",
         "PROBLEM": "randomization date differs"},
        {"USUBJID": "S3", "DS_RANDDT": "", "KEY_RANDDT": "2020-01-04",
         "PROBLEM": "randomized in the key; no DS RANDOMIZED milestone"}]
    closed = unblind({"adsl": adsl}, KEY)["adsl"]
    assert closed["RANDDT"].dt.strftime("%Y-%m-%d").tolist()[:3] == ["2019-12-30", "2020-01-01", "2020-01-04"]


def test_a_key_subject_without_an_arm_stops_the_run_naming_it():
    from trialstats.adam.unblind import RandomizationKeyError, assert_key_arms, unblind
    closed = unblind({"adsl": _blinded_adsl()}, KEY)["adsl"]
    assert_key_arms(closed, KEY)
    closed.loc[closed["USUBJID"] == "S3", "TRT01P"] = None
    with pytest.raises(RandomizationKeyError, match=r"data/x/randomization.csv: 1 subject\(s\) of the key without an "
                       r"arm after unblinding: S3"):
        assert_key_arms(closed, KEY, source="data/x/randomization.csv")
