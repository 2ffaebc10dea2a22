"""The door for a real third-party transfer (issue 25, the CDISC pilot's shapes): protocols of any
kind, domains and variables by need and SDTM role, data queries instead of stops (strict: stops),
and blinding of every variable that can reveal an arm. Small inline frames, or study 2 changed."""
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.conftest import STUDY1, STUDY2
from trialstats.adam import derive_adam
from trialstats.adam.efficacy import efficacy_records
from trialstats.sdtm.ingest import Study, load_study
from trialstats.sdtm.pipeline import ingest_study
from trialstats.sdtm.queries import AE_BEFORE_CONSENT, AE_END_BEFORE_START_PARTIAL, SCREENING_BEFORE_CONSENT, \
    consent_dates
from trialstats.sdtm.validate import ValidationFailed, check_study, validate_study
from trialstats.tables.conduct import NO_PARAMETER, conduct_tables

# the bad-input catalogue (docs/BAD_INPUTS.md) names these cases; tests/unit/test_bad_inputs.py checks it
CATALOGUE = {"safety-only protocol", "domain the protocol does not use", "consent date blank",
             "header-only domain", "Permissible variable absent", "AE before informed consent",
             "AE end before start by a partial date", "dose reveals the arm", "vital signs without weight",
             "screening finding before informed consent", "fatal AE not flagged serious"}


def text(**cols) -> pd.DataFrame:
    return pd.DataFrame({k: pd.Series(v, dtype="string") for k, v in cols.items()})


def dm(**over) -> pd.DataFrame:
    cols = dict(STUDYID=["S", "S"], DOMAIN=["DM", "DM"], USUBJID=["S-1", "S-2"], SUBJID=["1", "2"],
                RFICDTC=["2020-01-01", "2020-01-05"], RFSTDTC=["2020-01-10", "2020-01-12"],
                RFENDTC=["2020-03-01", "2020-03-01"], BRTHDTC=["1950-01-01", "1960-01-01"], AGE=["70", "60"],
                SEX=["M", "F"])
    return text(**{**cols, **over})


def ex(dose=("1", "1"), **over) -> pd.DataFrame:
    cols = dict(STUDYID=["S", "S"], DOMAIN=["EX", "EX"], USUBJID=["S-1", "S-2"], EXSEQ=["1", "1"],
                EXTRT=["BLINDED", "BLINDED"], EXDOSE=list(dose), EXDOSU=["mg", "mg"],
                EXSTDTC=["2020-01-10", "2020-01-12"], EXENDTC=["2020-03-01", "2020-03-01"])
    return text(**{**cols, **over})


def ae(start=("2020-01-20",), end=("2020-01-25",)) -> pd.DataFrame:
    n = len(start)
    return text(STUDYID=["S"] * n, DOMAIN=["AE"] * n, USUBJID=["S-1"] * n, AESEQ=[str(i + 1) for i in range(n)],
                AETERM=["HEADACHE"] * n, AEDECOD=["Headache"] * n, AEBODSYS=["Nervous system disorders"] * n,
                AESEV=["MILD"] * n, AESER=["N"] * n, AEREL=["NONE"] * n, AESTDTC=list(start), AEENDTC=list(end))


def ds(**over) -> pd.DataFrame:
    cols = dict(STUDYID=["S", "S"], DOMAIN=["DS", "DS"], USUBJID=["S-1", "S-2"], DSSEQ=["1", "1"],
                DSDECOD=["COMPLETED", "COMPLETED"], DSCAT=["DISPOSITION EVENT"] * 2,
                DSSTDTC=["2020-03-01", "2020-03-01"])
    return text(**{**cols, **over})


PROTOCOL = {"study": {"id": "S", "title": "t", "design": "randomized", "synthetic": True},
            "treatment": {"name": "Drug or placebo", "infusion_days": [1], "dose": 1, "dose_unit": "mg"},
            "visits": [{"name": "Screening", "num": 1, "day": -7}, {"name": "Week 4", "num": 2, "day": 29}]}


def study(protocol=PROTOCOL, **frames) -> Study:
    frames = {"DM": dm(), "EX": ex(), "AE": ae(), "DS": ds(), **frames}
    return Study(Path("s"), protocol, {d: Path(f"sdtm/{d.lower()}.csv") for d in frames}, frames)


def findings(s: Study) -> list[tuple[str, str, list[int], str]]:
    return [(f.file, f.column, f.rows, f.problem, f.rule) for f in check_study(s).itertuples()]


# --- protocols of any kind; domains by need -----------------------------------------------------

def test_a_minimal_safety_study_without_lb_vs_ie_passes_the_door():
    # no labs, vitals, criteria, populations: LB, VS and IE are not required
    assert findings(study()) == []


def write_protocol(folder: Path, change) -> dict:
    p = yaml.safe_load((folder / "protocol.yaml").read_text())
    change(p)
    (folder / "protocol.yaml").write_text(yaml.safe_dump(p))
    return p


def test_a_domain_the_protocol_does_not_use_needs_no_file_and_one_it_uses_does(study_copy):
    folder = study_copy(STUDY2)
    (folder / "sdtm" / "vs.csv").unlink()
    issues = validate_study(load_study(folder))
    assert issues.problem.tolist() == ["required domain VS has no file (the protocol uses it)"]
    write_protocol(folder, lambda p: [p.pop(k) for k in ("vitals", "baseline", "homa", "exploratory")])
    assert validate_study(load_study(folder)).problem.tolist() == []


def test_safety_only_protocol_runs_to_adam_and_the_conduct_tables_say_what_is_left_out(study_copy):
    folder = study_copy(STUDY2)
    for name in ("ie", "qs", "su", "pr"):
        (folder / "sdtm" / f"{name}.csv").unlink()
    protocol = write_protocol(folder, lambda p: [p.pop(k) for k in (
        "populations", "homa", "efficacy_labs", "baseline", "exploratory", "monitoring", "criteria")])
    result = ingest_study(folder, "2026-03-31")
    adam = derive_adam(result.domains, protocol, "2026-03-31")
    assert len(adam["eligibility"]) == 0
    adsl = adam["adsl"]
    # without an efficacy key parameter the full analysis set is the enrolled and dosed
    assert (adsl["FASFL"] == "Y").tolist() == ((adsl["ENRLFL"] == "Y") & (adsl["SAFFL"] == "Y")).tolist()
    tables = conduct_tables(adsl, adam["adeff"], protocol, "2026-03-31", randomized=False)
    assert tables["completeness"][NO_PARAMETER[0]].unique().tolist() == [
        "no efficacy parameter: the protocol declares none"]
    assert not tables["deviations"]["Deviation"].str.contains("visit window").any()


# --- variables by role; header-only domains -----------------------------------------------------

def test_a_header_only_domain_is_accepted_for_every_domain_but_dm():
    lb = text(STUDYID=[], DOMAIN=[], USUBJID=[], LBSEQ=[], LBTESTCD=[], LBORRES=[], LBSTRESC=[], LBSTRESN=[],
              LBSTRESU=[], LBSTNRLO=[], LBSTNRHI=[], VISITNUM=[], VISIT=[], LBDTC=[])
    assert findings(study(LB=lb, DS=ds().iloc[0:0], AE=ae().iloc[0:0])) == []
    assert [f[3] for f in findings(study(DM=dm().iloc[0:0]))][0] == "domain DM has no records"


def test_permissible_variables_may_be_absent_and_are_carried_blank(study_copy):
    assert findings(study(DM=dm().drop(columns="BRTHDTC"))) == []
    folder = study_copy(STUDY2)
    cm = pd.read_csv(folder / "sdtm" / "cm.csv", dtype=str).drop(columns="CMCAT")
    cm.to_csv(folder / "sdtm" / "cm.csv", index=False)
    result = ingest_study(folder, "2026-03-31")
    assert result.domains["CM"]["CMCAT"].isna().all()
    # a Required variable is still required
    assert findings(study(DM=dm().drop(columns="SEX")))[0][3] == "missing column SEX"


def test_a_blank_consent_date_falls_back_to_ds_then_the_earliest_screening_record():
    frames = {"DM": dm(RFICDTC=[None, None]),
              "DS": ds(USUBJID=["S-1", "S-2"], DSDECOD=["INFORMED CONSENT OBTAINED", "COMPLETED"],
                       DSSTDTC=["2019-12-30", "2020-03-01"]),
              "EX": ex()}
    consent, queries = consent_dates(frames)
    assert consent.astype(str).to_dict() == {"S-1": "2019-12-30", "S-2": "2020-01-12"}
    assert queries[["USUBJID", "ROW", "VARIABLE", "QUERY", "RULE"]].values.tolist() == [
        ["S-1", 1, "RFICDTC", "RFICDTC blank (an Expected variable)",
         "RFICDTC set to the date of DS INFORMED CONSENT OBTAINED (DSSTDTC) in the cut DM"],
        ["S-2", 2, "RFICDTC", "RFICDTC blank (an Expected variable)",
         "RFICDTC set to the date of the earliest screening record (EX.EXSTDTC) in the cut DM"]]
    assert findings(study(DM=dm(RFICDTC=[None, None]))) == []      # Expected: may be null


# --- data queries instead of stops --------------------------------------------------------------

def test_an_ae_before_informed_consent_is_a_data_query_and_strict_stops(study_copy):
    s = study(AE=ae(start=("2019-06", "2020-01-20"), end=(None, "2020-01-25")))
    assert findings(s) == [("sdtm/ae.csv", "AESTDTC", [1], "AESTDTC before informed consent", AE_BEFORE_CONSENT)]
    assert len(validate_study(s)) == 0 and len(validate_study(s, strict=True)) == 1
    folder = study_copy(STUDY2)
    ae_file = folder / "sdtm" / "ae.csv"
    frame = pd.read_csv(ae_file, dtype=str, keep_default_na=False)
    frame.loc[0, "AESTDTC"] = "2020-01-01"
    frame.to_csv(ae_file, index=False)
    result = ingest_study(folder, "2026-03-31")
    q = result.data_queries
    assert q[["DOMAIN", "ROW", "SEQ", "VARIABLE", "VALUE", "QUERY", "RULE"]].values.tolist() == [
        ["AE", 1, frame.loc[0, "AESEQ"], "AESTDTC", "2020-01-01", "AESTDTC before informed consent", AE_BEFORE_CONSENT]]
    assert (result.domains["AE"]["AESTDTC"] == "2020-01-01").sum() == 1      # kept
    with pytest.raises(ValidationFailed, match="AESTDTC before informed consent"):
        ingest_study(folder, "2026-03-31", strict=True)


def test_a_screening_lab_days_before_consent_is_a_data_query_earlier_ones_and_ex_stop(study_copy):
    """The rule: an LB or VS record at most 7 days (protocol sdtm.screening_before_consent_days) before the
    consent date and before the first dose is kept, listed as a data query; earlier, or EX/DS before consent,
    stops the run; strict: true stops on the query too."""
    folder = study_copy(STUDY2)
    lb_file, vs_file, ex_file = (folder / "sdtm" / f"{d}.csv" for d in ("lb", "vs", "ex"))
    lb = pd.read_csv(lb_file, dtype=str, keep_default_na=False)
    consent = pd.read_csv(folder / "sdtm" / "dm.csv", dtype=str).set_index("USUBJID")["RFICDTC"]
    first = lb.index[lb["USUBJID"] == lb.loc[0, "USUBJID"]][:2]
    day = (pd.Timestamp(consent[lb.loc[0, "USUBJID"]]) - pd.Timedelta(days=3)).strftime("%Y-%m-%d")
    lb.loc[first, "LBDTC"] = day                                    # screening labs drawn 3 days before consent
    lb.to_csv(lb_file, index=False)
    rule = SCREENING_BEFORE_CONSENT.format(days=7)
    result = ingest_study(folder, "2026-03-31")
    q = result.data_queries
    assert q[["DOMAIN", "ROW", "VARIABLE", "VALUE", "QUERY", "RULE"]].values.tolist() == [
        ["LB", 1, "LBDTC", day, "LBDTC before informed consent", rule],
        ["LB", 2, "LBDTC", day, "LBDTC before informed consent", rule]]
    assert (result.domains["LB"]["LBDTC"] == day).sum() == 2          # kept
    with pytest.raises(ValidationFailed, match="LBDTC before informed consent"):
        ingest_study(folder, "2026-03-31", strict=True)
    protocol = yaml.safe_load((folder / "protocol.yaml").read_text())
    (folder / "protocol.yaml").write_text(yaml.safe_dump({**protocol, "sdtm": {"screening_before_consent_days": 2}}))
    with pytest.raises(ValidationFailed, match="LBDTC before informed consent"):   # beyond the stated window
        ingest_study(folder, "2026-03-31")
    (folder / "protocol.yaml").write_text(yaml.safe_dump(protocol))
    vs = pd.read_csv(vs_file, dtype=str, keep_default_na=False)
    vs.loc[0, "VSDTC"] = "2020-01-01"                               # years before consent: a stop
    vs.to_csv(vs_file, index=False)
    with pytest.raises(ValidationFailed, match="VSDTC before informed consent"):
        ingest_study(folder, "2026-03-31")
    s = study(EX=ex(EXSTDTC=["2019-12-30", "2020-01-12"]), DM=dm(RFSTDTC=["2019-12-30", "2020-01-12"]))
    assert findings(s) == [("sdtm/ex.csv", "EXSTDTC", [1], "EXSTDTC before informed consent", "")]   # a stop


def test_an_ae_ending_before_its_start_by_a_partial_date_is_a_query_with_the_end_blanked():
    s = study(AE=ae(start=("2020-02", "2020-02-10"), end=("2020-01-25", "2020-01-25")))
    assert findings(s) == [
        ("sdtm/ae.csv", "AEENDTC", [2], "AEENDTC before AESTDTC", ""),                  # complete dates: a stop
        ("sdtm/ae.csv", "AEENDTC", [1], "AEENDTC before AESTDTC (a partial date)", AE_END_BEFORE_START_PARTIAL)]


def test_an_ae_query_blanks_the_end_in_the_cut_sdtm(study_copy):
    folder = study_copy(STUDY2)
    ae_file = folder / "sdtm" / "ae.csv"
    frame = pd.read_csv(ae_file, dtype=str, keep_default_na=False)
    start = frame.loc[1, "AESTDTC"]
    frame.loc[1, "AEENDTC"] = f"{int(start[:4]) - 1}"                 # a year before: partial
    frame.to_csv(ae_file, index=False)
    result = ingest_study(folder, "2026-03-31")
    assert result.data_queries["RULE"].tolist() == [AE_END_BEFORE_START_PARTIAL]
    row = result.domains["AE"][result.domains["AE"]["AESEQ"] == float(frame.loc[1, "AESEQ"])]
    assert row.loc[row["USUBJID"] == frame.loc[1, "USUBJID"], "AEENDTC"].isna().all()


# --- blinding: every variable that can reveal an arm --------------------------------------------

def test_a_dose_that_separates_the_arms_is_refused():
    # the CDISC pilot: EXDOSE 0 (placebo), 54 and 81 mg
    three = ex(dose=("0", "54"), EXTRT=["BLINDED", "BLINDED"])
    high = ex(dose=("81", "81")).assign(EXSEQ="2", EXSTDTC="2020-02-01")
    found = check_study(study(EX=pd.concat([three, high], ignore_index=True)))
    assert found[["file", "column", "rows", "problem"]].values.tolist() == [
        ["sdtm/ex.csv", "EXDOSE", [1, 2, 3, 4],
         "EXDOSE takes 3 values on the open side (0, 54, 81): it could separate the arms, blinding would be broken"]]
    assert found.expected.iloc[0].startswith("one value for every record (a blinded transfer), blank or a masking")
    form = ex(EXDOSFRM=["PATCH", "TABLET"])
    assert check_study(study(EX=form)).problem.tolist() == [
        "EXDOSFRM takes 2 values on the open side (PATCH, TABLET): it could separate the arms, blinding would be "
        "broken"]


def test_a_blinded_dose_passes_and_a_single_arm_study_is_not_checked():
    assert findings(study(EX=ex(dose=("54", "54.0")))) == []                     # one dose
    assert findings(study(EX=ex(dose=(None, None)))) == []                       # masked by a blank
    single = {**PROTOCOL, "study": {**PROTOCOL["study"], "design": "single-arm"}}
    assert findings(study(single, EX=ex(dose=("0", "54")))) == []
    assert check_study(study(DM=dm(ACTARMUD=["Xanomeline 54 mg", None]))).column.tolist() == ["ACTARMUD"]


def test_the_embedded_studies_pass_the_blinding_checks():
    for folder in (STUDY1, STUDY2):
        assert check_study(load_study(folder)).problem.tolist() == []


# --- ADaM on a partial shape --------------------------------------------------------------------

def test_vital_signs_without_weight_give_no_bmi_and_no_crash():
    vs = text(STUDYID=["S"], DOMAIN=["VS"], USUBJID=["S-1"], VSSEQ=["1"], VSTESTCD=["SYSBP"], VSORRES=["120"],
              VSSTRESN=["120"], VSSTRESU=["mmHg"], VSTPTNUM=[None], VISITNUM=["1"], VISIT=["Screening"],
              VSDTC=["2020-01-05"], VSSTAT=[None]).assign(VSSTRESN=[120.0], VISITNUM=[1.0], VSSEQ=[1.0])
    lb = text(STUDYID=[], DOMAIN=[], USUBJID=[], LBSEQ=[], LBTESTCD=[], LBORRES=[], LBSTRESC=[], LBSTRESN=[],
              LBSTRESU=[], LBSTNRLO=[], LBSTNRHI=[], VISITNUM=[], VISIT=[], LBDTC=[])
    protocol = {**PROTOCOL, "vitals": {"SYSBP": {"name": "Systolic blood pressure", "unit": "mmHg",
                                                 "plausible": [50, 250]}}}
    records = efficacy_records({"LB": lb, "VS": vs, "DM": dm()}, protocol)
    assert "BMI" not in set(records["PARAMCD"])
    assert "WEIGHT" not in set(records["PARAMCD"])


def test_the_schemas_take_a_safety_only_protocol_and_a_boolean_strict():
    import jsonschema
    from snakemake.utils import validate

    from tests.conftest import ROOT
    schema = yaml.safe_load((ROOT / "workflow/schemas/protocol.schema.yaml").read_text())
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(PROTOCOL)) == []
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    validate(config, str(ROOT / "workflow/schemas/config.schema.yaml"))
    assert config["strict"] is False                                  # the default
    with pytest.raises(Exception, match="is not of type 'boolean'"):
        validate({**config, "strict": "yes"}, str(ROOT / "workflow/schemas/config.schema.yaml"))


def test_a_unitless_test_declared_with_unit_blank_accepts_a_blank_unit():
    lb = text(STUDYID=["S", "S"], DOMAIN=["LB", "LB"], USUBJID=["S-1", "S-2"], LBSEQ=["1", "1"],
              LBTESTCD=["PH", "PH"], LBORRES=["6", "7"], LBSTRESC=["6", "7"], LBSTRESN=["6", "7"],
              LBSTRESU=[None, "mmol/L"], LBSTNRLO=[None, None], LBSTNRHI=[None, None], VISITNUM=["1", "1"],
              VISIT=["SCREENING", "SCREENING"], LBDTC=["2020-01-05", "2020-01-06"])
    protocol = {**PROTOCOL, "labs": {"PH": {"name": "pH", "unit": "", "plausible": [4, 9]}}}
    assert [(f[1], f[2], f[3]) for f in findings(study(protocol, LB=lb))] == [
        ("LBSTRESU", [2], "PH in more than one unit: (blank), mmol/L")]


def test_a_block_that_reads_another_needs_it_in_the_protocol_schema():
    import jsonschema

    from tests.conftest import ROOT
    schema = yaml.safe_load((ROOT / "workflow/schemas/protocol.schema.yaml").read_text())
    doc = {**PROTOCOL, "safety_labs": {"chemistry": ["ALT"]}}
    assert [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(doc)] == [
        "'labs' is a dependency of 'safety_labs'"]
    for folder in (STUDY1, STUDY2):
        assert list(jsonschema.Draft202012Validator(schema).iter_errors(
            yaml.safe_load((folder / "protocol.yaml").read_text()))) == []


def test_the_attacker_finds_a_placebo_zero_dose_and_the_door_refuses_it():
    """A small randomized study whose EXDOSE is 0 for placebo: the open-side attacker (tests/support/attack.py,
    also run on the embedded study's open outputs) separates the arms by EXDOSE, and the door refuses it
    (validate._dose_findings); blanked by split-key, nothing separates them and the door lets it pass."""
    from tests.support.attack import arm_pure_columns
    arms = pd.Series(["Placebo", "Active"] * 6, index=[f"S-{i}" for i in range(1, 13)])
    ids = list(arms.index)
    exposure = text(STUDYID=["S"] * 12, DOMAIN=["EX"] * 12, USUBJID=ids, EXSEQ=["1"] * 12, EXTRT=["BLINDED"] * 12,
                    EXDOSE=["0" if a == "Placebo" else "1.5" for a in arms], EXDOSU=["mg"] * 12,
                    EXSTDTC=["2020-01-10"] * 12, EXENDTC=["2020-01-10"] * 12)
    assert set(arm_pure_columns(exposure, "USUBJID", arms)) == {"EXDOSE"}
    dm12 = text(STUDYID=["S"] * 12, DOMAIN=["DM"] * 12, USUBJID=ids, SUBJID=ids, RFICDTC=["2020-01-01"] * 12,
                RFSTDTC=["2020-01-10"] * 12, RFENDTC=["2020-03-01"] * 12, AGE=["60"] * 12, SEX=["M", "F"] * 6)
    ds12 = text(STUDYID=["S"] * 12, DOMAIN=["DS"] * 12, USUBJID=ids, DSSEQ=["1"] * 12, DSDECOD=["COMPLETED"] * 12,
                DSCAT=["DISPOSITION EVENT"] * 12, DSSTDTC=["2020-03-01"] * 12)
    s = study(DM=dm12, EX=exposure, DS=ds12, AE=ae().assign(USUBJID="S-1"))
    assert findings(s) == [("sdtm/ex.csv", "EXDOSE", list(range(1, 13)), "EXDOSE takes 2 values on the open side "
                            "(0, 1.5): it could separate the arms, blinding would be broken", "")]
    masked = exposure.assign(EXDOSE=pd.Series([None] * 12, dtype="string"))
    assert arm_pure_columns(masked, "USUBJID", arms) == {} and findings(study(DM=dm12, EX=masked, DS=ds12)) == []


def test_a_fatal_ae_not_flagged_serious_is_a_data_query_kept_as_recorded():
    from trialstats.sdtm.queries import FATAL_NOT_SERIOUS, fatal_not_serious
    ae = pd.DataFrame({"USUBJID": ["S1", "S2", "S3", "S4"], "AESEQ": [1, 2, 3, 4],
                       "AEOUT": ["FATAL", "RECOVERED/RESOLVED", "FATAL", ""], "AESDTH": ["", "", "", "Y"],
                       "AESER": ["N", "Y", "Y", ""]})
    queries = fatal_not_serious(ae)
    assert queries[["USUBJID", "ROW", "SEQ", "VARIABLE"]].values.tolist() == [["S1", 1, "1", "AESER"],
                                                                           ["S4", 4, "4", "AESER"]]
    assert set(queries.RULE) == {FATAL_NOT_SERIOUS}
    assert set(queries.QUERY) == {"a fatal adverse event not flagged serious"}
