"""ADAE-level derivations: the AESI helper, fatal AEs, AEs leading to withdrawal, the infusion of onset."""
import pandas as pd
import pytest

from tests.support.safety_frames import day, four_subjects
from trialstats.adam.exposure import derive_infusion_of_onset
from trialstats.adam.occds import aesi_columns, is_aesi, is_fatal, withdrawal_mask
from trialstats.ard.safety import ard_ae_by_infusion
from trialstats.tables.safety import t_ae_by_infusion


@pytest.fixture
def adsl():
    return four_subjects()


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


def test_aesi_is_any_non_blank_cqnnnam_in_name_order():
    adae = pd.DataFrame({"USUBJID": ["S1", "S2", "S3", "S4"], "CQ02NAM": [None, "Hypoglycaemia", None, " "],
                         "CQ01NAM": ["Infusion reaction", None, None, ""], "CQNOTE": ["x", "x", "x", "x"]})
    assert aesi_columns(adae) == ["CQ01NAM", "CQ02NAM"]
    assert is_aesi(adae).tolist() == [True, True, False, False]
    assert is_aesi(adae[["USUBJID"]]).tolist() == [False] * 4          # no AESI column: none


def test_fatal_by_outcome_or_by_the_death_flag():
    ae = pd.DataFrame({"AEOUT": ["FATAL", "RECOVERED/RESOLVED", None], "AESDTH": [None, "Y", "N"]})
    assert is_fatal(ae).tolist() == [True, True, False]
    assert is_fatal(ae[["AEOUT"]]).tolist() == [True, False, False]    # SDTM AE without AESDTH
