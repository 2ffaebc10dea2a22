"""Realistic inputs a hostile QA engineer tried (issue 29): Excel exports, re-transfers, config edits.
Each is refused with a message naming the file, column and rows, or handled by a stated rule and
listed. Small files in tmp_path, inline frames, or study 2 changed."""
import datetime

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.conftest import STUDY1, STUDY2
from tests.unit.test_door import PROTOCOL, ae, ex, findings, study, text
from trialstats.adam import derive_adam
from trialstats.adam.accounting import NO_NUMBER, add_note_counts, record_accounting, record_notes
from trialstats.adam.bds import resolve_comparators
from trialstats.adam.unblind import RandomizationKeyError, check_key, read_key
from trialstats.io import UnreadableFile, read_table
from trialstats.protocol import assert_visits
from trialstats.sdtm.pipeline import ingest_study
from trialstats.sdtm.queries import NOT_ADMINISTERED, NOT_YET_CODED, NOT_YET_CODED_TERM
from trialstats.settings import SettingsError, config_problems, load_yaml

# the bad-input catalogue (docs/BAD_INPUTS.md) names these cases; tests/unit/test_bad_inputs.py checks it
CATALOGUE = {"a column twice", "semicolon-delimited CSV", "key with trailing spaces", "empty key file",
             "config: a study twice", "config: cut not a calendar date", "config: cut in the future",
             "config: data_currency for no cut", "protocol: a visit line copied", "result with a comparator",
             "dose of 0", "AE not yet coded", "death without a fatal AE", "one subject in an arm and visit"}
TODAY = datetime.date(2026, 12, 6)


def test_a_column_given_twice_is_refused_naming_both_positions(tmp_path):
    path = tmp_path / "ae.csv"
    path.write_text("STUDYID,USUBJID,AEDECOD,AETERM,aedecod\nS,S-1,Headache,HEADACHE,Migraine\n")
    with pytest.raises(UnreadableFile, match=r"AEDECOD in columns 3, 5; expected each variable once"):
        read_table(path)


def test_a_semicolon_delimited_file_is_named_as_such(tmp_path):
    path = tmp_path / "lb.csv"
    path.write_text("STUDYID;USUBJID;LBTESTCD;LBORRES\nS;S-1;ALT;25,0\n")
    with pytest.raises(UnreadableFile, match=r"the file is delimited by ';'; expected comma-separated values"):
        read_table(path)


def key_and_adsl():
    key = pd.read_csv(STUDY1 / "randomization.csv", dtype=str)
    adsl = pd.DataFrame({"USUBJID": key["USUBJID"], "ENRLFL": "Y"})
    return key, adsl


def test_a_key_with_a_trailing_space_after_every_usubjid_is_read_stripped(tmp_path):
    key, adsl = key_and_adsl()
    key.assign(USUBJID=key["USUBJID"] + " ").to_csv(tmp_path / "randomization.csv", index=False)
    read = read_key(tmp_path / "randomization.csv")
    assert read["USUBJID"].tolist() == key["USUBJID"].tolist()
    check_key(read, adsl, source="randomization.csv")          # no "not in DM": the subjects are there


def test_an_empty_key_file_names_the_key(tmp_path):
    (tmp_path / "randomization.csv").write_text("")
    with pytest.raises(RandomizationKeyError, match=r"randomization.csv \(the randomization key\): the file is empty"):
        read_key(tmp_path / "randomization.csv")
    (tmp_path / "randomization.csv").write_text("USUBJID,ARMCD,ARM\n")      # a header only
    key, adsl = key_and_adsl()
    with pytest.raises(RandomizationKeyError, match="randomized subject.s. missing from the key"):
        check_key(read_key(tmp_path / "randomization.csv"), adsl, source="randomization.csv")


def test_the_same_study_twice_in_config_yaml_is_refused_naming_the_lines(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("studies:\n  s1:\n    data: a\n    cuts: ['2020-01-01']\n  s1:\n    data: b\n"
                    "    cuts: ['2020-02-01']\n")
    with pytest.raises(SettingsError, match=r"config.yaml, line 5: key 's1' given twice \(first on line 2\)"):
        load_yaml(path)
    assert load_yaml(STUDY1 / "protocol.yaml") == yaml.safe_load((STUDY1 / "protocol.yaml").read_text())


def study_config(**spec):
    return {"studies": {"s1": {"data": "a", "cuts": ["2018-12-31"], **spec}}}


def test_a_cut_that_is_not_a_calendar_date_is_named_before_any_job():
    problems = config_problems(study_config(cuts=["2018-02-30"]), TODAY)
    assert problems == ["config.yaml studies.s1.cuts: 2018-02-30 is not a calendar date; expected a date that "
                        "exists (YYYY-MM-DD)"]


def test_a_cut_in_the_future_is_refused():
    assert config_problems(study_config(), TODAY) == []
    problems = config_problems(study_config(cuts=["2099-12-31"]), TODAY)
    assert problems == ["config.yaml studies.s1.cuts: 2099-12-31 is after today (2026-12-06); expected a data-cut "
                        "date that has passed (the data of a later date cannot be complete)"]


def test_a_data_currency_entry_for_no_cut_is_refused():
    problems = config_problems(study_config(data_currency={"2018-11-30": {"extracted": "2019-01-14"},
                                                           "2018-12-31": {"extracted": "2018-12-01"}}), TODAY)
    assert problems == [
        "config.yaml studies.s1.data_currency: 2018-11-30 is not one of the study's cuts (2018-12-31); expected an "
        "entry per cut date, keyed by that date",
        "config.yaml studies.s1.data_currency.2018-12-31.extracted: 2018-12-01 is before the cut 2018-12-31; "
        "expected the extraction on or after the cut date"]


def test_a_visit_line_copied_without_renaming_is_refused():
    protocol = yaml.safe_load((STUDY1 / "protocol.yaml").read_text())
    assert_visits(protocol)
    week36 = next(v for v in protocol["visits"] if v["name"] == "WEEK 36")
    copied = {**protocol, "visits": protocol["visits"] + [{**week36, "num": 42, "day": 295}]}
    with pytest.raises(ValueError, match=r"visits: name 'WEEK 36' in visits 7, 9; expected each visit once"):
        assert_visits(copied)
    late = {**protocol, "visits": protocol["visits"] + [{"name": "WEEK 52", "num": 52, "day": 300}]}
    with pytest.raises(ValueError, match=r"WEEK 52 \(num 52\) on day 300, not after WEEK 48 \(num 48, day 337\)"):
        assert_visits(late)


LABS = {"ALT": {"name": "ALT", "unit": "U/L", "plausible": [1, 1000]},
        "UCOL": {"name": "Urine colour", "results": ["YELLOW"]}}


def lb(stresc, stresn):
    n = len(stresc)
    return text(STUDYID=["S"] * n, DOMAIN=["LB"] * n, USUBJID=["S-1"] * n, LBSEQ=[str(i + 1) for i in range(n)],
                LBTESTCD=["ALT"] * (n - 1) + ["UCOL"], LBSTRESC=list(stresc), LBSTRESN=list(stresn))


@pytest.mark.parametrize("rule, values", [("exclude", ["25"]), ("limit", ["25", "0.1", "500.0"]),
                                          ("half_limit", ["25", "0.05", "500.0"])])
def test_a_result_with_a_comparator_is_analysed_by_the_protocol_rule(rule, values):
    records = lb(["25", "<0.1", ">500", "HEMOLYZED", "YELLOW"], ["25", None, None, None, None])
    kept = resolve_comparators(records, "LB", LABS, rule)
    assert kept.loc[kept.LBTESTCD == "ALT", "LBSTRESN"].tolist() == values     # a text result: never a number
    assert kept.LBTESTCD.tolist()[-1] == "UCOL"                              # a categorical test keeps its text


def test_a_value_without_a_number_is_its_own_category_in_the_accounting(study_copy):
    folder = study_copy(STUDY2)
    path = folder / "sdtm" / "lb.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    done = frame.LBSTAT.ne("NOT DONE") if "LBSTAT" in frame else True
    numeric = frame.index[frame.LBSTRESN.ne("") & done][:3]
    frame.loc[numeric, ["LBSTRESC", "LBSTRESN"]] = [["<0.1", ""], ["<0.1", ""], ["HEMOLYZED", ""]]
    frame.to_csv(path, index=False)
    protocol = yaml.safe_load((folder / "protocol.yaml").read_text())
    ingested = ingest_study(folder, "2026-03-31")
    adam = derive_adam(ingested.domains, protocol, "2026-03-31")
    summary, excluded = record_accounting(ingested.domains, adam, ingested.reconciliation,
                                          {"LB": set(protocol["labs"])}, protocol)
    s = add_note_counts(summary, record_notes(adam), excluded).set_index("DOMAIN").loc["LB"]
    assert s.NO_NUMBER == 3 and s.RECORDS_IN - s.REMOVED_AT_CUT == s.USED + s.EXCLUDED
    reasons = excluded.loc[excluded.REASON.str.startswith(NO_NUMBER), "REASON"]
    assert reasons.str.contains("LBSTRESC '<0.1' \\(protocol.yaml sdtm.comparator_results: exclude\\)").sum() == 2
    # with half_limit, the two are analysed as 0.05 and listed in record_notes
    protocol["sdtm"] = {**protocol.get("sdtm", {}), "comparator_results": "half_limit"}
    adam = derive_adam(ingested.domains, protocol, "2026-03-31")
    notes = record_notes(adam)
    imputed = notes[notes.NOTE.str.startswith("result with a comparator")]
    assert len(imputed) == 2 and imputed.DETAIL.eq("<0.1 -> AVAL 0.05").all()


def test_a_dose_of_0_is_not_administered_in_a_study_without_placebo(study_copy):
    folder = study_copy(STUDY2)
    path = folder / "sdtm" / "ex.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    subject = frame.USUBJID.iloc[0]
    last = frame.index[frame.USUBJID == subject][-1]
    frame.loc[last, "EXDOSE"] = "0"
    frame.to_csv(path, index=False)
    protocol = yaml.safe_load((folder / "protocol.yaml").read_text())
    ingested = ingest_study(folder, "2026-03-31")
    queries = ingested.data_queries
    assert queries.loc[queries.RULE == NOT_ADMINISTERED, ["USUBJID", "ROW", "VARIABLE"]].values.tolist() == [
        [subject, last + 1, "EXDOSE"]]
    adam = derive_adam(ingested.domains, protocol, "2026-03-31")
    given = (frame.USUBJID == subject).sum() - 1
    assert (adam["adex"].USUBJID == subject).sum() == given
    summary, excluded = record_accounting(ingested.domains, adam, ingested.reconciliation, None, protocol)
    assert excluded.loc[excluded.DOMAIN == "EX", "REASON"].tolist() == [
        "a dose not administered (EXOCCUR N or EXDOSE 0): data query"]


def test_an_ae_not_yet_coded_is_a_data_query_tabulated_as_not_yet_coded(study_copy):
    uncoded = ae(start=("2020-01-20", "2020-01-22")).assign(AEDECOD=["Headache", None], AEBODSYS=[
        "Nervous system disorders", None])
    found = findings(study(AE=uncoded))
    assert [(f[1], f[2], f[4]) for f in found] == [("AEBODSYS", [2], NOT_YET_CODED), ("AEDECOD", [2], NOT_YET_CODED)]
    assert findings(study(AE=uncoded.assign(AETERM=["HEADACHE", None])))[0][3] == "blank value in AEBODSYS"
    folder = study_copy(STUDY2)
    path = folder / "sdtm" / "ae.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[[0, 1], ["AEDECOD", "AEBODSYS"]] = ""
    frame.to_csv(path, index=False)
    ingested = ingest_study(folder, "2026-03-31")
    assert (ingested.domains["AE"].AEDECOD == NOT_YET_CODED_TERM).sum() == 2
    assert (ingested.data_queries.RULE == NOT_YET_CODED).sum() == 4


def test_a_death_in_dm_and_ds_without_a_fatal_ae_is_counted():
    from trialstats.adam.adsl import derive_vars_death
    dm = text(USUBJID=["S-1", "S-2"], DTHFL=["Y", None], DTHDTC=["2020-02-01", None])
    ds = text(USUBJID=["S-2"], DSDECOD=["DEATH"], DSSTDTC=["2020-02-03"], DSCAT=["DISPOSITION EVENT"])
    deaths = derive_vars_death(dm, ds, ae().iloc[0:0]).set_index("USUBJID")
    assert deaths.loc["S-1", "DTHFL"] == "Y" and deaths.loc["S-2", "DTHFL"] == "Y"
    assert str(deaths.loc["S-2", "DTHDT"])[:10] == "2020-02-03"


def test_the_door_rows_are_not_shifted_by_an_empty_protocol_block():
    assert findings(study(protocol={**PROTOCOL, "sdtm": {}}, EX=ex())) == []


def test_a_lab_summary_with_one_subject_per_arm_and_visit_prints_its_sd_as_not_estimable():
    """Every arm and visit with one subject: no group has an SD (the pivot has no sd column at all); the
    table still prints, the SD as NE, not "()" and not a KeyError."""
    from trialstats.ard.safety import ard_bds_summary
    from trialstats.tables.safety import t_summary
    bds = pd.DataFrame({"USUBJID": ["1", "3", "1", "3"], "TRT01A": ["A", "B", "A", "B"], "ARM_": ["A", "B", "A", "B"],
                        "PARAMCD": ["ALT"] * 4, "PARAM": ["ALT (U/L)"] * 4, "AVISIT": ["BASELINE"] * 2 + ["WEEK 4"] * 2,
                        "AVISITN": [0, 0, 4, 4], "AVAL": [10.0, 14, 11, 15], "BASE": [10.0, 14, 10, 14],
                        "CHG": [np.nan, np.nan, 1, 1], "ABLFL": ["Y", "Y", "", ""], "ANL01FL": ["Y"] * 4,
                        "SAFFL": ["Y"] * 4, "ANRHI": [40.0] * 4, "ANRLO": [5.0] * 4,
                        "ADT": pd.to_datetime(["2020-01-01"] * 2 + ["2020-02-01"] * 2), "ADY": [-1, -1, 30, 30]})
    table = t_summary(ard_bds_summary(bds, ["ALT"], "B"))
    assert list(table["n"]) == ["1"] * 6
    assert list(table["Mean (SD)"][:2]) == ["10.00 (NE)", "14.00 (NE)"]


def test_group_labels_without_a_numeric_code_sort_by_the_range_they_name():
    """The CDISC pilot's BMIBLGR1 has no BMIBLGR1N: "<25", "25-<30", ">=30" in that order, not alphabetically
    ("25-<30" first); labels without numbers stay alphabetical."""
    from trialstats.tables.subjects import _levels
    assert _levels(pd.DataFrame({"G": ["25-<30", ">=30", "<25", "<25"]}), "G") == ["<25", "25-<30", ">=30"]
    assert _levels(pd.DataFrame({"G": [">64", "18-64", "<18"]}), "G") == ["<18", "18-64", ">64"]
    assert _levels(pd.DataFrame({"G": ["Male", "Female"]}), "G") == ["Female", "Male"]
    assert _levels(pd.DataFrame({"G": ["b", "a"], "GN": [1, 2]}), "G") == ["b", "a"]     # the code first
