"""One definition of death (ADSL DTHFL, DTHDT, DTHCAUS, DTHSRC) and its two readers: the Deaths row of
Table 14.3.1 and the deaths listing. A death recorded only in DM, only in DS, only as a fatal AE."""
import pandas as pd
import pytest

from trialstats.adam.adsl import derive_vars_death
from trialstats.adam.standardize import standardize_adae, standardize_adsl
from trialstats.ard.safety import ard_ae_overview
from trialstats.listings.safety import listing_deaths

T = pd.Timestamp
DM = pd.DataFrame({"USUBJID": ["S1", "S2", "S3", "S4"], "DTHFL": ["Y", None, None, None],
                   "DTHDTC": ["2020-03-01", None, None, None]}, dtype="string")
DS = pd.DataFrame({"USUBJID": ["S2", "S2", "S4"], "DSDECOD": ["RANDOMIZED", "DEATH", "COMPLETED"],
                   "DSTERM": ["RANDOMIZED", "DIED OF STROKE", "COMPLETED"],
                   "DSSTDTC": ["2020-01-01", "2020-04-02", "2020-06-01"]}, dtype="string")
AE = pd.DataFrame({"USUBJID": ["S3", "S3", "S4"], "AEDECOD": ["Headache", "Myocardial infarction", "Rash"],
                   "AEOUT": ["RECOVERED/RESOLVED", "FATAL", "RECOVERED/RESOLVED"],
                   "AESTDTC": ["2020-02-01", "2020-02-10", "2020-02-01"],
                   "AEENDTC": ["2020-02-02", "2020-02-11", "2020-02-03"]}, dtype="string")


@pytest.fixture
def death():
    return derive_vars_death(DM, DS, AE).set_index("USUBJID")


def test_a_death_recorded_only_in_dm(death):
    row = death.loc["S1"]
    assert (row.DTHFL, row.DTHDT, row.DTHSRC) == ("Y", T("2020-03-01"), "DM") and pd.isna(row.DTHCAUS)


def test_a_death_recorded_only_in_ds(death):
    assert death.loc["S2"].to_dict() == {"DTHFL": "Y", "DTHDT": T("2020-04-02"), "DTHCAUS": "DIED OF STROKE",
                                         "DTHSRC": "DS"}


def test_a_death_recorded_only_as_a_fatal_ae(death):
    # the fatal AE's end date and its preferred term; the other AE of the subject is not a cause
    assert death.loc["S3"].to_dict() == {"DTHFL": "Y", "DTHDT": T("2020-02-11"), "DTHCAUS": "Myocardial infarction",
                                         "DTHSRC": "AE"}


def test_alive_is_blank(death):
    assert death.loc["S4"].isna().all()


def test_aesdth_alone_is_a_death_and_dm_dates_win():
    dm = pd.DataFrame({"USUBJID": ["S1"], "DTHDTC": ["2020-05-09"]}, dtype="string")
    ae = pd.DataFrame({"USUBJID": ["S1"], "AEDECOD": ["Sepsis"], "AEOUT": ["NOT RECOVERED/NOT RESOLVED"],
                       "AESDTH": ["Y"], "AESTDTC": ["2020-05-01"], "AEENDTC": [None]}, dtype="string")
    ds = pd.DataFrame({"USUBJID": ["S1"], "DSDECOD": ["DEATH"], "DSTERM": ["SEPSIS"], "DSSTDTC": ["2020-05-10"]},
                      dtype="string")
    row = derive_vars_death(dm, ds, ae).iloc[0]
    assert (row.DTHFL, row.DTHDT, row.DTHCAUS, row.DTHSRC) == ("Y", T("2020-05-09"), "Sepsis", "DM")


def test_each_death_counted_once_in_the_overview_and_listed_once(death):
    adsl = death.reset_index().assign(SAFFL="Y", TRT01A="A", AGE=[50, 60, 70, 40], SEX=["F", "M", "F", "M"])
    adae = pd.DataFrame({"USUBJID": ["S3", "S3", "S4"], "AEBODSYS": ["Nervous", "Cardiac", "Skin"],
                         "AEDECOD": ["Headache", "Myocardial infarction", "Rash"], "AESEV": "MILD", "AESER": "N",
                         "AEREL": "NONE", "TRTEMFL": "Y", "AEOUT": ["RECOVERED/RESOLVED", "FATAL", None],
                         "ASTDT": [T("2020-02-01"), T("2020-02-10"), T("2020-02-01")], "ASTDY": [32, 41, 32]})
    s = standardize_adsl(adsl, "TRT01A")
    a = standardize_adae(adae, s)
    ard = ard_ae_overview(s, a).set_index(["variable_level", "stat_name"])["stat"]
    assert ard[("Deaths", "n")] == 3 and ard[("Deaths", "N")] == 4
    assert ard[("TEAE with fatal outcome", "n")] == 1
    listing = listing_deaths(s, a)
    assert listing.columns[0] == "Subject" and listing["Subject"].tolist() == ["S1", "S2", "S3"]
    assert listing.iloc[2].to_dict() == {"Subject": "S3", "Arm": "A", "Age": "70", "Sex": "Female",
                                         "Date of death": "2020-02-11", "Cause of death": "Myocardial infarction",
                                         "Source": "AE", "Fatal TEAE (preferred term)": "Myocardial infarction",
                                         "Onset date": "2020-02-10", "Onset day": "41"}
    assert listing.iloc[1][["Date of death", "Cause of death", "Source", "Fatal TEAE (preferred term)"]].tolist() == \
        ["2020-04-02", "DIED OF STROKE", "DS", ""]


def test_an_adsl_without_dthfl_has_no_deaths():
    adsl = standardize_adsl(pd.DataFrame({"USUBJID": ["S1"], "SAFFL": "Y", "TRT01A": "A"}), "TRT01A")
    adae = standardize_adae(pd.DataFrame({"USUBJID": ["S1"], "AEBODSYS": ["C"], "AEDECOD": ["MI"], "AEREL": "NONE",
                                          "TRTEMFL": "Y", "AEOUT": ["FATAL"], "ASTDT": [T("2020-01-05")]}), adsl)
    assert listing_deaths(adsl, adae).empty
    assert ard_ae_overview(adsl, adae).set_index(["variable_level", "stat_name"])["stat"][("Deaths", "n")] == 0
