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

ROOT = Path(__file__).parents[2]
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
    none = adae.assign(AESDTH="N", AESHOSP="N", AESMIE="N")      # serious, no criterion flagged: said so
    assert compute_seriousness(none).tolist() == ["Not recorded", "Not recorded", ""]
    out = listing_serious(adae, four_subjects())
    assert out["Seriousness criteria"].tolist() == ["Death; Hospitalization", "Other medically important"]
    assert out.columns.get_loc("Seriousness criteria") == out.columns.get_loc("Outcome") + 1
    assert out["Outcome"].tolist() == ["Fatal", "Recovered/resolved"]
    assert "Seriousness criteria" not in listing_serious(adae.drop(columns=["AESDTH", "AESHOSP", "AESLIFE",
                                                                           "AESMIE"]), four_subjects())


def _protocol() -> dict:
    return yaml.safe_load((ROOT / "data/nct02302599/protocol.yaml").read_text())


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


# Two subjects of a daily patch, two dosing periods each (EXSTDTC..EXENDTC inclusive)
EX_DAILY = pd.DataFrame({"STUDYID": "X", "USUBJID": ["S1", "S1", "S2", "S2"], "EXSEQ": [1, 2, 1, 2],
                         "EXTRT": "BLINDED", "EXDOSE": [54.0, 54.0, 81.0, 40.5], "EXDOSU": "mg",
                         "EXSTDTC": ["2020-01-01", "2020-01-11", "2020-01-03", "2020-01-05"],
                         "EXENDTC": ["2020-01-10", "2020-01-20", "2020-01-04", "2020-01-06"]})


def test_daily_dosing_exposure_in_adsl():
    from trialstats.adam.adsl import derive_vars_exposure
    out = derive_vars_exposure(EX_DAILY, "daily").set_index("USUBJID")
    assert out["TRTSDT"].dt.strftime("%Y-%m-%d").tolist() == ["2020-01-01", "2020-01-03"]
    assert out["TRTEDT"].dt.strftime("%Y-%m-%d").tolist() == ["2020-01-20", "2020-01-06"]
    assert out["TRTDURD"].tolist() == [20, 4]
    assert out["CUMDOSE"].tolist() == [54.0 * 20, 81.0 * 2 + 40.5 * 2]
    assert out["AVGDD"].tolist() == [54.0, 60.75]
    infused = derive_vars_exposure(EX_DAILY)            # the default: infusions, as before
    assert "TRTDURD" not in infused and infused["CUMDOSE"].tolist() == [108.0, 121.5]


def test_daily_dosing_exposure_table():
    from trialstats.adam.occds import derive_adex
    from trialstats.ard.safety import compute_safety
    from trialstats.tables.safety import t_exposure
    adsl = pd.DataFrame({"USUBJID": ["S1", "S2"], "SAFFL": "Y", "TRT01A": ["Low", "High"], "ARMCD": ["LO", "HI"],
                         "TRTSDT": pd.to_datetime(["2020-01-01", "2020-01-03"]),
                         "EOSDT": pd.to_datetime(["2020-02-01", "2020-02-01"]), "EOSSTT": "COMPLETED",
                         "DCSREAS": None, "AGE": [70.0, 71.0], "SEX": ["F", "M"]})
    adex = derive_adex(EX_DAILY, adsl, "daily")
    assert adex["ADURN"].tolist() == [10, 10, 2, 2]
    adae = pd.DataFrame({"USUBJID": ["S1"], "TRTEMFL": "Y", "AEBODSYS": "Skin", "AEDECOD": "Rash", "AESER": "N",
                         "AESEV": "MILD", "AEREL": "PROBABLE", "ASTDT": pd.to_datetime(["2020-01-05"]), "AESEQ": 1})
    out = compute_safety(adsl, adae, None, None, adex, "TRT01A", None, "EXDOSE", dose_unit="mg", regimen="daily",
                         planned={"LO": 54.0, "HI": 81.0})
    assert "ard_t_14_3_14" not in out                    # no AEs by infusion number for a daily regimen
    ard_ = out["ard_t_14_1_5"]
    mean = ard_[ard_["stat_name"] == "mean"].set_index(["group1_level", "variable"])["stat"]
    assert mean[("Low", "duration")] == 20 and mean[("High", "duration")] == 4
    assert mean[("High", "cumulative_dose")] == 243.0 and mean[("High", "average_daily_dose")] == 60.75
    assert mean[("Low", "dose_intensity")] == 100.0 and mean[("High", "dose_intensity")] == 75.0
    table = t_exposure(ard_, "mg")
    assert table["Exposure"].tolist() == ["Duration of exposure (days)", "Cumulative dose (mg)",
                                          "Average daily dose (mg/day)", "Dose intensity (% of planned)"]
    assert t_exposure(ard_, None)["Exposure"].tolist() == ["Duration of exposure (days)"]   # coded arms


def test_no_infusion_wording_in_a_daily_study_plan():
    protocol = yaml.safe_load((ROOT / "data/nct06495437/protocol.yaml").read_text())
    protocol["treatment"] = {"name": "Xanomeline patch", "regimen": "daily", "dose": 54, "dose_unit": "mg"}
    protocol["aesi"] = [{k: v for k, v in a.items() if k != "hours_after_infusion"} | {"name": f"AESI {i}"}
                        for i, a in enumerate(protocol.get("aesi", []), 1)]
    for kind in ("open", "closed", "review"):
        plan = report_plan(kind, protocol)
        worded = [o.id for _, outputs in plan for o in outputs if "infusion" in (o.title + o.footnote).lower()]
        assert worded == [], (kind, worded)
        assert all(o.id != "t_14_3_14" for _, outputs in plan for o in outputs)
    infused = yaml.safe_load((ROOT / "data/nct06495437/protocol.yaml").read_text())
    assert any(o.id == "t_14_3_14" for _, outputs in report_plan("review", infused) for o in outputs)


PILOT_SDTM = ROOT.parent / "shared" / "reference" / "cdiscpilot01_sdtm"


def _unblinded_study(folder: Path) -> None:
    """Four subjects of an unblinded two-arm CSV transfer: one screen failure, one without a DS milestone."""
    folder.mkdir(parents=True)
    pd.DataFrame({"STUDYID": "X", "DOMAIN": "DM", "USUBJID": ["X-1", "X-2", "X-3", "X-4"],
                  "RFSTDTC": ["2020-01-02", "2020-01-05", "", ""], "ARMCD": ["PBO", "HI", "SCRNFAIL", "HI"],
                  "ARM": ["Placebo", "High dose", "Screen Failure", "High dose"],
                  "ACTARMCD": ["PBO", "HI", "SCRNFAIL", ""], "ACTARM": ["Placebo", "High dose", "Screen Failure", ""]}
                 ).to_csv(folder / "dm.csv", index=False)
    pd.DataFrame({"STUDYID": "X", "DOMAIN": "DS", "USUBJID": ["X-1", "X-3"], "DSDECOD": ["RANDOMIZED",
                  "SCREEN FAILURE"], "DSSTDTC": ["2020-01-01", "2019-12-20"]}).to_csv(folder / "ds.csv", index=False)
    pd.DataFrame({"STUDYID": "X", "DOMAIN": "EX", "USUBJID": ["X-1", "X-2"], "EXSEQ": [1, 1],
                  "EXTRT": ["PLACEBO", "DRUG"], "EXDOSE": [0, 81], "EXDOSU": "mg",
                  "EXSTDTC": ["2020-01-02", "2020-01-05"]}).to_csv(folder / "ex.csv", index=False)
    pd.DataFrame({"STUDYID": "X", "USUBJID": ["X-1"], "AETERM": ["HEADACHE"]}).to_csv(folder / "ae.csv", index=False)


def test_split_key_on_a_small_unblinded_study(tmp_path):
    import json

    from trialstats.adam.unblind import check_key, filter_key_at_cut
    from trialstats.cli import main
    _unblinded_study(tmp_path / "in")
    out = str(tmp_path / "out")
    assert main(["split-key", str(tmp_path / "in"), "--out", out, "--treatment", "Drug or placebo"]) == 0
    key = pd.read_csv(tmp_path / "out" / "randomization.csv", dtype=str, keep_default_na=False)
    assert key[["USUBJID", "ARMCD", "RANDDT", "RANDSRC"]].values.tolist() == [
        ["X-1", "PBO", "2020-01-01", "DS"], ["X-2", "HI", "2020-01-05", "EX"], ["X-4", "HI", "", ""]]
    dm = pd.read_csv(tmp_path / "out" / "sdtm" / "dm.csv", dtype=str, keep_default_na=False)
    assert dm["ARM"].tolist() == ["BLINDED", "BLINDED", "Screen Failure", "BLINDED"]
    assert dm["ACTARMCD"].tolist() == ["BLINDED", "BLINDED", "SCRNFAIL", "BLINDED"]
    ex = pd.read_csv(tmp_path / "out" / "sdtm" / "ex.csv", dtype=str, keep_default_na=False)
    assert ex["EXTRT"].tolist() == ["Drug or placebo"] * 2 and ex["EXDOSE"].tolist() == ["", ""]
    assert ex["EXDOSU"].tolist() == ["mg", "mg"]                     # the same in every arm: kept
    assert (tmp_path / "out" / "sdtm" / "ae.csv").read_bytes() == (tmp_path / "in" / "ae.csv").read_bytes()
    manifest = json.loads((tmp_path / "out" / "split_key_manifest.json").read_text())
    assert manifest["key_entries"] == 3 and manifest["by_arm"] == {"Placebo": 1, "High dose": 2}
    changed = {(c["file"], c["column"]): c["rows_changed"] for c in manifest["changes"]}
    assert changed == {("sdtm/dm.csv", "ARMCD"): 3, ("sdtm/dm.csv", "ARM"): 3, ("sdtm/dm.csv", "ACTARMCD"): 3,
                       ("sdtm/dm.csv", "ACTARM"): 3, ("sdtm/ex.csv", "EXTRT"): 2, ("sdtm/ex.csv", "EXDOSE"): 2}
    doses = pd.read_csv(tmp_path / "out" / "doses.csv", dtype={"USUBJID": str})     # the real doses, key side
    assert doses.values.tolist() == [["X-1", 1, 0, "mg"], ["X-2", 1, 81, "mg"]]
    assert manifest["doses"] == str(tmp_path / "out" / "doses.csv")
    dated = key[key["RANDDT"] != ""]
    check_key(filter_key_at_cut(dated, "2020-12-31"), pd.DataFrame({"USUBJID": ["X-1", "X-2"], "ENRLFL": "Y"}))


@pytest.mark.skipif(not PILOT_SDTM.is_dir(), reason=f"the CDISC pilot SDTM is not at {PILOT_SDTM} (../shared absent)")
def test_split_key_on_the_cdisc_pilot_sdtm(tmp_path):
    from trialstats.cli import main
    assert main(["split-key", str(PILOT_SDTM), "--out", str(tmp_path)]) == 0
    key = pd.read_csv(tmp_path / "randomization.csv", dtype=str, keep_default_na=False)
    assert len(key) == 254 and key["ARM"].value_counts().to_dict() == {
        "Placebo": 86, "Xanomeline High Dose": 84, "Xanomeline Low Dose": 84}
    assert (key["RANDDT"] != "").all()
    dm = pd.read_parquet(tmp_path / "sdtm" / "dm.parquet")
    assert dm.loc[dm["USUBJID"].isin(key["USUBJID"]), ["ARM", "ARMCD", "ACTARM", "ACTARMCD"]].eq("BLINDED").all().all()
    assert set(dm["ARM"]) == {"BLINDED", "Screen Failure"}
    ex = pd.read_parquet(tmp_path / "sdtm" / "ex.parquet")
    assert set(ex["EXTRT"]) == {"BLINDED"} and ex["EXDOSE"].isna().all()
    from trialstats.adam.unblind import actual_arms          # 12 subjects planned to high dose received low
    received = actual_arms(key)["ARM"].reindex(key["USUBJID"]).to_numpy()
    moved = key[received != key["ARM"].to_numpy()]
    assert len(moved) == 12 and set(moved["ARM"]) == {"Xanomeline High Dose"}
    assert set(received[received != key["ARM"].to_numpy()]) == {"Xanomeline Low Dose"}


def test_a_masked_dose_is_the_arms_planned_dose_after_unblinding():
    from trialstats.adam.unblind import unblind
    adsl = _blinded_adsl()
    adex = pd.DataFrame({"USUBJID": ["S1", "S2"], "EXDOSE": [float("nan")] * 2})
    out = unblind({"adsl": adsl, "adex": adex}, KEY, placebo_arms=("PBO",), planned={"PBO": 0, "HI": 81})["adex"]
    assert out["ADOSE"].tolist() == [0.0, 81.0]
    assert unblind({"adsl": adsl, "adex": adex}, KEY, ("PBO",))["adex"]["ADOSE"].isna().tolist() == [False, True]


def test_a_titrated_dose_kept_key_side_wins_over_the_planned_dose():
    """The CDISC pilot's high dose: 54 mg for two weeks, then 81 mg; split-key's doses.csv keeps both."""
    from trialstats.adam.unblind import unblind
    adex = pd.DataFrame({"USUBJID": ["S1", "S2", "S2"], "EXSEQ": [1.0, 1.0, 2.0], "EXDOSE": [float("nan")] * 3})
    doses = pd.DataFrame({"USUBJID": ["S2", "S2", "S1"], "EXSEQ": [1, 2, 1], "EXDOSE": [54, 81, 0]})
    out = unblind({"adsl": _blinded_adsl(), "adex": adex}, KEY, ("PBO",), {"PBO": 0, "HI": 81}, doses)["adex"]
    assert out["ADOSE"].tolist() == [0.0, 54.0, 81.0]


def test_an_open_last_dosing_period_ends_at_the_reference_end_at_most_the_cut():
    from trialstats.adam.exposure import compute_open_period_end
    ex = pd.DataFrame({"USUBJID": ["S1", "S1", "S2", "S3", "S4"], "EXSEQ": [1, 2, 1, 1, 1],
                       "EXSTDTC": ["2020-01-01", "2020-01-15", "2020-01-01", "2020-01-01", "2020-03-01"],
                       "EXENDTC": ["", "", "", "2020-01-20", ""]})
    dm = pd.DataFrame({"USUBJID": ["S1", "S2", "S3", "S4"],
                       "RFENDTC": ["2020-02-01", "2020-12-31", "2020-02-01", "2020-02-01"]})
    end = compute_open_period_end(ex, dm, "2020-06-30")
    # S1: only the last period; S2: capped at the cut; S3: has an end; S4: RFENDTC before the start, left open
    assert end.tolist() == ["", "2020-02-01", "2020-06-30", "2020-01-20", ""]


def test_the_schema_checks_the_regimen_and_the_related_terms():
    import jsonschema
    schema = yaml.safe_load((ROOT / "workflow/schemas/protocol.schema.yaml").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    base = _protocol()
    errors = lambda doc: [e.message for e in validator.iter_errors(doc)]  # noqa: E731
    assert errors(base) == []
    daily = dict(base, treatment={"name": "Patch", "regimen": "daily", "dose": 54, "dose_unit": "mg",
                                  "planned_dose": {"Pbo": 0, "Xan_Lo": 54, "Xan_Hi": 81}},
                 adverse_events={"related": ["POSSIBLE", "PROBABLE"]})
    assert errors(daily) == []
    no_days = dict(base, treatment={k: v for k, v in base["treatment"].items() if k != "infusion_days"})
    assert any("infusion_days" in e for e in errors(no_days))          # an infusion study needs its days
    assert errors(dict(daily, treatment=dict(daily["treatment"], regimen="weekly")))
    assert errors(dict(daily, adverse_events={"related": []}))
    assert errors(dict(daily, adverse_events={"relatedness": ["POSSIBLE"]}))


def test_study1_without_ds_randomized_milestones_keeps_every_arm():
    """The embedded study 1 with its DS RANDOMIZED records removed: the open side enrols by first dose,
    the key randomizes every one of its subjects, and no arm is lost."""
    from tests.conftest import STUDY1
    from trialstats.adam import derive_adam
    from trialstats.adam.unblind import assert_key_arms, check_key, compare_randomization, unblind
    from trialstats.sdtm.pipeline import ingest_study
    sdtm = ingest_study(STUDY1, "2018-12-31").domains
    sdtm["DS"] = sdtm["DS"][sdtm["DS"]["DSDECOD"] != "RANDOMIZED"].reset_index(drop=True)
    protocol = yaml.safe_load((STUDY1 / "protocol.yaml").read_text())
    adam = derive_adam(sdtm, protocol, "2018-12-31")
    key = pd.read_csv(STUDY1 / "randomization.csv", dtype=str)
    check_key(key, adam["adsl"], randomization=protocol["randomization"])
    assert compare_randomization(adam["adsl"], key).empty
    closed = unblind(adam, key, protocol["randomization"]["placebo"])["adsl"]
    assert_key_arms(closed, key)
    by_arm = closed[closed["RANDFL"] == "Y"].groupby("TRT01P").size().to_dict()
    assert closed.loc[closed["RANDFL"] == "Y", "FASREAS"].ne("not enrolled").all()
    assert by_arm == {"UC-MSC 1.5x10^6 cells/kg": 45, "Placebo": 46}
    assert (closed.loc[closed["RANDFL"] == "Y", "RANDDT"].dt.strftime("%Y-%m-%d").tolist()
            == key.set_index("USUBJID").loc[closed.loc[closed["RANDFL"] == "Y", "USUBJID"], "RANDDT"].tolist())


def test_the_arm_received_from_the_key_and_the_safety_counts_by_it():
    """The key's ACTARMCD/ACTARM (split-key writes them): S2, randomized to High, received Placebo. TRT01P stays
    the randomized arm, TRT01A and TRTA are the arm received, the dose is the received arm's, and the safety ARD
    counts S2 (and its AE) under Placebo."""
    from trialstats.adam.unblind import RandomizationKeyError, arm_coding, received_arm, unblind
    from trialstats.ard.safety import compute_safety
    key = KEY.assign(ACTARMCD=["PBO", "PBO", "NOTTRT"], ACTARM=["Placebo", "Placebo", "Not Treated"])
    adsl = _blinded_adsl()
    adae = pd.DataFrame({"USUBJID": ["S1", "S2", "S2"], "TRTEMFL": "Y", "AEBODSYS": "Skin", "AEDECOD": "Rash",
                         "AESER": "N", "AESEV": "MILD", "AEREL": "PROBABLE", "AESEQ": [1, 1, 2],
                         "ASTDT": [day(2), day(4), day(5)]})
    adex = pd.DataFrame({"USUBJID": ["S1", "S2"], "EXDOSE": [81.0, 81.0]})
    closed = unblind({"adsl": adsl, "adae": adae, "adex": adex}, key, placebo_arms=("PBO",))
    assert closed["adsl"]["TRT01P"].fillna("-").tolist() == ["Placebo", "High", "Placebo", "-"]
    assert closed["adsl"]["TRT01A"].fillna("-").tolist() == ["Placebo", "Placebo", "-", "-"]
    assert closed["adsl"]["TRTCODE"].fillna("-").tolist() == ["A", "B", "A", "-"]      # the planned arm's code
    assert closed["adae"]["TRTA"].tolist() == ["Placebo"] * 3 and closed["adae"]["TRTP"].tolist()[1:] == ["High"] * 2
    assert closed["adex"]["ADOSE"].tolist() == [0.0, 0.0]                  # the dose of the arm received
    coding = arm_coding(key, "PBO")
    for column, placebo in (("TRT01P", "Placebo"), ("TRTCODE", "A")):
        s = closed["adsl"].assign(**{column: received_arm(closed["adsl"], column, coding)})
        overview = compute_safety(s, closed["adae"], None, None, None, column, placebo)["ard_t_14_3_1"]
        n = overview[(overview["variable_level"] == "Any TEAE") & (overview["stat_name"] == "n")]
        assert dict(zip(n["group1_level"], n["stat"])) == {placebo: 2}       # nobody received High
    no_actual = unblind({"adsl": adsl}, KEY)["adsl"]                   # a key without ACTARM: as before
    assert no_actual["TRT01A"].fillna("-").tolist() == ["Placebo", "High", "-", "-"]
    with pytest.raises(RandomizationKeyError, match=r"actual arm \(ACTARMCD/ACTARM\) LOW in rows 3"):
        unblind({"adsl": adsl}, KEY.assign(ACTARMCD=["PBO", "LOW", "PBO"], ACTARM=["Placebo", "Low", "Placebo"]))


def test_an_aesi_timed_after_an_infusion_is_refused_for_a_daily_regimen():
    from trialstats.protocol import assert_aesi_timing
    protocol = yaml.safe_load((ROOT / "data/nct06495437/protocol.yaml").read_text())
    timed = [a for a in protocol["aesi"] if "hours_after_infusion" in a]
    assert timed
    assert_aesi_timing(protocol)                                   # an infusion study: a window after each one
    protocol["treatment"] = {"name": "Xanomeline patch", "regimen": "daily", "dose": 54, "dose_unit": "mg"}
    with pytest.raises(ValueError, match=rf"aesi: {timed[0]['id']} \({timed[0]['name']}\).* hours_after_infusion, "
                       r"but treatment.regimen is daily"):
        assert_aesi_timing(protocol)
    protocol["aesi"] = [{k: v for k, v in a.items() if k != "hours_after_infusion"} for a in protocol["aesi"]]
    assert_aesi_timing(protocol)                                   # by terms alone: accepted


def _daily(protocol: dict) -> dict:
    """A protocol turned daily: the treatment's regimen, the AESIs by their terms alone (assert_aesi_timing) and
    named so (the protocol's own words)."""
    treatment = {k: v for k, v in protocol["treatment"].items() if k != "infusion_days"}
    return {**protocol, "treatment": {**treatment, "regimen": "daily"},
            "aesi": [{k: v for k, v in a.items() if k != "hours_after_infusion"} | {"name": f"AESI {a['id']}"}
                     for a in protocol.get("aesi", [])]}


def _texts(frame: pd.DataFrame) -> list[str]:
    return [str(c) for c in frame.columns] + [str(v) for v in frame.astype("string").fillna("").to_numpy().ravel()]


def test_no_infusion_in_any_output_text_of_a_daily_study(study_copy):
    """Study 2 given as a daily study: the ADSL reasons and every display the open and review sides write
    (populations, disposition, discontinued listing, trial conduct, the safety tables and listings) and the
    estimand of a daily study 1 are worded by dose, never by infusion; the infusion study keeps its words."""
    from tests.conftest import STUDY1, STUDY2
    from trialstats.adam import derive_adam
    from trialstats.ard.safety import compute_safety
    from trialstats.protocol import dose_words
    from trialstats.sdtm.pipeline import ingest_study
    from trialstats.tables.conduct import conduct_tables
    from trialstats.tables.flow import ard_consort, listing_discontinued, t_disposition, t_populations
    from trialstats.tables.format import dose_labels, humanize
    from trialstats.tables.primary import estimand_rows
    from trialstats.tables.safety import display_context, exposure_note, safety_files
    import matplotlib.pyplot as plt
    from matplotlib.text import Text
    folder = study_copy(STUDY2)
    protocol = _daily(yaml.safe_load((folder / "protocol.yaml").read_text()))
    (folder / "protocol.yaml").write_text(yaml.safe_dump(protocol))
    cut = "2026-03-31"
    adam = derive_adam(ingest_study(folder, cut).domains, protocol, cut)
    adsl, words = adam["adsl"], dose_words(protocol)
    consort = ard_consort(adsl, None)
    frames = {"populations": t_populations(consort, "Enrolled", words["dose_word"]),
              "disposition": t_disposition(consort, "Enrolled", words["dose_word"]),
              "discontinued": humanize(listing_discontinued(adsl, None), dose_labels(**words)),
              "adsl reasons": adsl[["FASREAS", "PPREAS"]],
              **conduct_tables(adsl, adam["adeff"], protocol, cut, randomized=False)}
    single = {k: adam[k].assign(TRT01A="EV") for k in ("adsl", "adae", "adlb", "adex", "advs")}
    single["adae"]["AETERM"] = single["adae"]["AETERM"].str.replace("INFUSION", "DOSE")   # the data's words, not ours
    results = compute_safety(single["adsl"], single["adae"], single["adlb"], single["advs"], single["adex"], "TRT01A",
                             None, "EXDOSE", [a["name"] for a in protocol["aesi"]], protocol.get("safety_labs"),
                             dose_unit=protocol["treatment"]["dose_unit"], regimen="daily")
    context = display_context(single["adsl"], "TRT01A", [single["adlb"], single["advs"]], "mg")
    frames.update(safety_files(results, context, True))
    frames["estimand"] = estimand_rows(_daily(yaml.safe_load((STUDY1 / "protocol.yaml").read_text())))
    from trialstats.figures.consort import g_consort
    figure = g_consort(consort, "Subject flow", "Enrolled")
    frames["consort figure"] = pd.DataFrame({"text": [t.get_text() for t in figure.findobj(Text)]})
    assert frames["consort figure"]["text"].str.contains("Safety").any()
    plt.close(figure)
    worded = {name: [t for t in _texts(f) if "infusion" in t.lower()] for name, f in frames.items()}
    assert {k: v for k, v in worded.items() if v} == {}
    assert "infusion" not in exposure_note("mg", "daily").lower()
    assert "Safety set (>= 1 dose)" in frames["populations"]["Population"].tolist()
    assert "Received >= 1 dose" in frames["disposition"]["Status"].tolist()
    infused = yaml.safe_load((STUDY2 / "protocol.yaml").read_text())              # as before
    assert "Safety set (>= 1 infusion)" in t_populations(consort, "Enrolled")["Population"].tolist()
    assert humanize(listing_discontinued(adsl, None), dose_labels(**dose_words(infused))).columns.tolist() == \
        humanize(listing_discontinued(adsl, None)).columns.tolist()
    assert estimand_rows(yaml.safe_load((STUDY1 / "protocol.yaml").read_text()))["Attribute"].str.contains(
        "stopping infusions").any()
