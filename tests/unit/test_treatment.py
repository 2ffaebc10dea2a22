"""A real study's SDTM as delivered: CDISC relatedness terms, seriousness criteria, randomization
from the key, any dosing regimen, split-key (issue 25)."""
from pathlib import Path

import pandas as pd
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
