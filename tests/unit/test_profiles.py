"""Patient profiles and narratives on small inline frames: the selection rule reason by reason, the
narrative's facts and wording, rounding, and the protocol's narratives.aesi check."""
import pandas as pd
import pytest

from trialstats.ard.narratives import ard_narratives, profile_files
from trialstats.listings.profiles import select_profile_subjects
from trialstats.numbers import decimal_text
from trialstats.protocol import narrative_aesi

D = pd.Timestamp


def frames():
    """Seven subjects: S1 an SAE, S2 died, S3 an AE with drug withdrawn, S4 left for an AE, S5 a marked AESI,
    S6 ALT 4 x ULN with bilirubin 2.5 x ULN (Hy's-law screen), S7 nothing (ALT 5 x ULN at screening only),
    S8 an SAE outside the safety set."""
    ids = [f"S{i}" for i in range(1, 9)]
    adsl = pd.DataFrame({"USUBJID": ids, "SAFFL": ["Y"] * 7 + ["N"], "AGE": [50, 61, 45, 38, 70, 55, 42, 33],
                         "SEX": ["F", "M", "F", "M", "F", "M", "F", "M"],
                         "DTHFL": [pd.NA, "Y", pd.NA, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA],
                         "DTHDT": [pd.NaT, D("2020-03-01"), *[pd.NaT] * 6],
                         "DTHCAUS": [pd.NA, "SEPSIS", *[pd.NA] * 6],
                         "DCSREAS": [pd.NA, "DEATH", pd.NA, "ADVERSE EVENT", *[pd.NA] * 4],
                         "EOSDT": [pd.NaT, D("2020-03-01"), pd.NaT, D("2020-02-20"), *[pd.NaT] * 4],
                         "TRTSDT": [D("2020-01-01")] * 8, "ARM_": list("ABABABAB")})
    ae = pd.DataFrame({
        "USUBJID": ["S1", "S1", "S2", "S3", "S4", "S5", "S7", "S8"], "AESEQ": [1.0, 2.0, 1, 1, 1, 1, 1, 1],
        "AETERM": ["PNEUMONIA", "HEADACHE", "SEPSIS", "RASH", "NAUSEA", "FEVER", "COUGH", "FALL"],
        "AEDECOD": ["Pneumonia", "Headache", "Sepsis", "Rash", "Nausea", "Pyrexia", "Cough", "Fall"],
        "AESEV": ["SEVERE", "MILD", "SEVERE", "MODERATE", "MILD", "MILD", "MILD", "SEVERE"],
        "AESER": ["Y", "N", "Y", "N", "N", "N", "N", "Y"], "AESHOSP": ["Y", pd.NA, "N", *[pd.NA] * 5],
        "AESDTH": ["N", pd.NA, "Y", *[pd.NA] * 5],
        "AEREL": ["NOT RELATED", "NOT RELATED", "NOT RELATED", "RELATED", "NOT RELATED", "PROBABLY RELATED",
                  "NOT RELATED", "NOT RELATED"],
        "AEACN": ["NOT APPLICABLE", "DOSE NOT CHANGED", "NOT APPLICABLE", "DRUG WITHDRAWN", "NOT APPLICABLE",
                  "DOSE NOT CHANGED", "DOSE NOT CHANGED", "NOT APPLICABLE"],
        "AEACNOTH": [pd.NA] * 8,
        "AEOUT": ["RECOVERED/RESOLVED", "RECOVERED/RESOLVED", "FATAL", "NOT RECOVERED/NOT RESOLVED",
                  "RECOVERED/RESOLVED", "RECOVERED/RESOLVED", "RECOVERED/RESOLVED", "RECOVERED/RESOLVED"],
        "ASTDT": [D("2020-01-20"), D("2020-01-02"), D("2020-02-25"), D("2020-01-10"), D("2020-02-15"),
                  D("2020-01-02"), D("2020-01-05"), D("2020-01-03")],
        "AENDT": [D("2020-01-29"), D("2020-01-02"), D("2020-03-01"), pd.NaT, D("2020-02-16"), D("2020-01-03"),
                  D("2020-01-06"), D("2020-01-04")],
        "ASTDY": [20, 2, 56, 10, 46, 2, 5, 3], "AENDY": [29, 2, 61, pd.NA, 47, 3, 6, 4],
        "TRTEMFL": ["Y"] * 8,
        "CQ01NAM": [pd.NA, pd.NA, pd.NA, pd.NA, pd.NA, "Fever after a dose", pd.NA, pd.NA],
        "CQ02NAM": [pd.NA, pd.NA, pd.NA, pd.NA, "Nausea and vomiting", pd.NA, pd.NA, pd.NA]})
    ae["ASTDY"] = ae["ASTDY"].astype("Int64")
    ae["AENDY"] = ae["AENDY"].astype("Int64")
    def lab(s, p, v, hi, day, ablfl=pd.NA):    # study day `day` (no day 0) from the first dose 2020-01-01
        when = D("2020-01-01") + pd.Timedelta(days=day - 1 if day > 0 else day)
        return dict(USUBJID=s, PARAMCD=p, AVAL=v, ANRHI=hi, AVALU="U/L", ADT=when, ADY=day, ABLFL=ablfl, ANL01FL="Y",
                    AVISIT="V")

    adlb = pd.DataFrame([lab("S6", "ALT", 30, 40, 1, "Y"), lab("S6", "ALT", 160, 40, 15), lab("S6", "ALT", 60, 40, 22),
                         lab("S6", "ALT", 42, 40, 29), lab("S6", "BILI", 50, 20, 15), lab("S7", "ALT", 200, 40, -14),
                         lab("S7", "ALT", 30, 40, 1, "Y"), lab("S1", "ALT", 20, 40, 15)])
    adex = pd.DataFrame({"USUBJID": [s for s in ids for _ in range(2)], "INFNUM": [1, 2] * 8,
                         "ASTDT": [D("2020-01-01"), D("2020-01-29")] * 8, "ASTDY": [1, 29] * 8})
    return adsl, ae, adlb, adex


def test_the_rule_selects_each_reason_and_only_the_safety_set():
    adsl, ae, adlb, _ = frames()
    sel = select_profile_subjects(adsl, ae, adlb, ["Fever after a dose"]).set_index("USUBJID")["REASONS"]
    assert list(sel.index) == ["S1", "S2", "S3", "S4", "S5", "S6"]     # S7: screening only; S8: not in safety set
    assert sel["S1"] == "serious adverse event"
    assert sel["S2"] == "serious adverse event; death"
    assert sel["S3"] == "adverse event leading to withdrawal"
    assert sel["S4"] == "adverse event leading to withdrawal"           # DCSREAS ADVERSE EVENT
    assert sel["S5"] == "AESI: Fever after a dose"
    assert sel["S6"] == "liver alert: ALT or AST >= 3 x ULN; Hy's-law screen: and bilirubin >= 2 x ULN"


def test_an_aesi_not_marked_for_narratives_selects_nobody():
    adsl, ae, adlb, _ = frames()
    sel = select_profile_subjects(adsl, ae, adlb, ["Nausea and vomiting"])
    assert "S5" not in set(sel["USUBJID"])
    assert "AESI: Nausea and vomiting" in set(sel.set_index("USUBJID").loc["S4", "REASONS"].split("; "))


def test_the_narrative_states_each_fact_from_its_record():
    adsl, ae, adlb, adex = frames()
    files, timelines = profile_files(adsl, ae, adlb, adex, None, None, ["Fever after a dose"], "TRTCODE",
                                     "2020-06-30")
    text = files["narratives.csv"].set_index("USUBJID")["NARRATIVE"]
    assert text["S1"].startswith("S1 is a 50-year-old female in arm A. The subject received 2 infusions, the first "
                                 "on 2020-01-01 and the last (number 2) on 2020-01-29. No medical history")
    # onset 2020-01-20 is 19 days after infusion 1 (2020-01-01); duration 2020-01-20..29 = 10 days
    assert ("On 2020-01-20 (study day 20), 19 days after infusion 1, the subject had Pneumonia (reported as "
            "\"pneumonia\"), severe, serious (criterion: hospitalization)") in text["S1"]
    assert "to be queried: infusion 2 was given on 2020-01-29, after the onset" in text["S1"]   # yet "not applicable"
    assert "ended 2020-01-29 (duration 10 days)" in text["S1"]
    assert "Headache" not in text["S1"]           # not a reason: in the profile's table, not the narrative
    assert "The subject died on 2020-03-01; cause: sepsis." in text["S2"]
    assert "no end date (ongoing at the data cut)" in text["S3"]
    assert "The subject discontinued the study on 2020-02-20 for an adverse event" in text["S4"]
    assert "the day of" not in text["S5"] and "1 day after infusion 1" in text["S5"]
    # S6: ALT 160 / 40 = 4.0 x ULN on day 15, 14 days after infusion 1; then 60 (1.5) on day 22 and 42 (1.1) on day 29
    assert "ALT 160 U/L (4.0 x ULN) on 2020-01-15, 14 days after infusion 1" in text["S6"]
    assert ("ALT was measured 2 more times after its peak: 60 U/L (1.5 x ULN) on 2020-01-22, then 42 U/L "
            "(1.1 x ULN) on 2020-01-29") in text["S6"]
    assert "Not collected in this study: AST, alkaline phosphatase." in text["S6"]
    facts = files["facts.csv"]
    pneumonia = facts[(facts["KEY"] == "USUBJID=S1; AESEQ=1")].set_index("VARIABLE")["VALUE"]
    assert pneumonia["AENDT-ASTDT+1"] == "10" and pneumonia["ASTDT-LASTDOSE"] == "19" and pneumonia["AESHOSP"] == "Y"
    assert set(timelines) == {"S1", "S2", "S3", "S4", "S5", "S6"}


def test_open_or_single_arm_narratives_name_no_arm():
    adsl, ae, adlb, adex = frames()
    files, _ = profile_files(adsl.drop(columns="ARM_"), ae, adlb, adex, None, None, [], None, "2020-06-30")
    assert not files["narratives.csv"]["NARRATIVE"].str.contains(" arm ").any()
    assert "Arm" not in files["subjects.csv"]


def test_no_subject_selected_gives_empty_files():
    adsl, ae, adlb, adex = frames()
    quiet = ae[ae["AESER"] == "N"].assign(AEACN="DOSE NOT CHANGED")
    narratives, facts = ard_narratives(adsl.assign(DCSREAS=pd.NA, DTHFL=pd.NA), quiet.iloc[0:0].assign(NARR_=True),
                                       adex.iloc[0:0], adlb.iloc[0:0].assign(XULN=1.0), pd.DataFrame(columns=[
                                           "USUBJID", "MHSEQ", "MHDECOD", "MHSTDTC"]),
                                       pd.DataFrame(columns=["USUBJID", "REASONS"]), set())
    assert narratives.empty and facts.empty


@pytest.mark.parametrize("value, text", [(23.95, "24.0"), (3.6, "3.6"), (0.25, "0.3"), (2.449, "2.4"), (3.05, "3.1")])
def test_multiples_of_uln_round_half_away_from_zero_on_the_decimal_value(value, text):
    assert decimal_text(value, 1) == text      # 23.95 -> 24.0 as issue 28 asks (float rounding gives 23.9)


def test_narratives_aesi_must_be_aesi_ids_of_the_protocol():
    protocol = {"aesi": [{"id": "LIVER", "name": "Impaired liver function", "terms": ["x"]}],
                "narratives": {"aesi": ["LIVER"]}}
    assert narrative_aesi(protocol) == ["Impaired liver function"]
    with pytest.raises(ValueError, match=r"narratives.aesi: LIVR is not an AESI id of the protocol; expected ids "
                                         r"of aesi\[\] \(LIVER\)"):
        narrative_aesi({**protocol, "narratives": {"aesi": ["LIVR"]}})
