"""Safety listings: human headers and words on tiny hand-made frames."""
import pandas as pd
import pytest

from tests.support.safety_frames import day, four_subjects
from trialstats.listings.safety import ae_listing, listing_liver


@pytest.fixture
def adsl():
    return four_subjects()


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
    assert row.to_dict() == {"Arm": "A", "Subject": "S1", "Age": "40", "Sex": "Female", "System organ class": "Skin",
                             "Preferred term": "Rash", "Verbatim term": "RASH", "Onset date": "2020-01-05",
                             "Onset day": "5", "Days since last infusion": "4", "Severity": "Moderate",
                             "Serious": "No", "Relationship": "Possibly related", "Outcome": "Recovered/resolved",
                             "Action taken": "Drug withdrawn"}
