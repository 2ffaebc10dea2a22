"""What real SDTM transfers contain (issue 17), one test per shape on small hand-made frames, then
through ingest and ADaM on the embedded study 1: partial and missing dates (imputation after the
ADaM IG / admiral rules, the data cut), standard variables (NOT DONE, --NRIND, --LOBXFL,
unscheduled visits, retests), SUPPQUAL, blinding at the door, XPT encodings, Dataset-JSON v1.1,
and text in any script in the RTF and the PDF."""
import json
import re

import numpy as np
import pandas as pd
import pypdf
import pyreadstat
import pytest
import yaml

from tests.conftest import STUDY1, STUDY2
from trialstats.adam import derive_adam
from trialstats.adam.accounting import add_note_counts, record_accounting, record_notes
from trialstats.adam.bds import derive_bds, derive_var_anrind, filter_not_done
from trialstats.dates import compute_dt_bounds, derive_vars_dt_imputed
from trialstats.adam.occds import derive_adae
from trialstats.dataset_json import DatasetJSONError, read_dataset_json, write_dataset_json
from trialstats.io import UnreadableFile, read_table
from trialstats.report.build import compile_report, lit
from trialstats.report.rtf import rtf_text
from trialstats.sdtm.cut import apply_cut
from trialstats.sdtm.ingest import load_study
from trialstats.sdtm.pipeline import ingest_study
from trialstats.sdtm.suppqual import merge_all_supp
from trialstats.sdtm.validate import validate_study

T = pd.Timestamp
# the bad-input catalogue (docs/BAD_INPUTS.md) names these cases; tests/unit/test_bad_inputs.py checks it
CATALOGUE = {"partial date", "arm assignment in DM", "arm named by EXTRT", "XPT in Windows-1252",
             "SUPPQUAL orphan", "lab result NOT DONE", "not Dataset-JSON v1.1"}


def series(*values):
    return pd.Series(list(values), dtype="string")


# --- partial dates ------------------------------------------------------------------------------

def test_iso_8601_dates_of_any_precision_have_bounds():
    b = compute_dt_bounds(series("2016-03", "2016", "2016-02-29T10:15", "2016---15", None, "2016-02-30", "2016-13"))
    assert b.LO.tolist()[:4] == [T("2016-03-01"), T("2016-01-01"), T("2016-02-29"), T("2016-01-01")]
    assert b.HI.tolist()[:4] == [T("2016-03-31"), T("2016-12-31"), T("2016-02-29"), T("2016-12-31")]
    assert b.PREC.tolist() == ["M", "Y", "D", "Y", "", "", ""]          # a missing month: year precision
    assert b.LO.iloc[4:].isna().all()                                    # blank, impossible day, month 13


def test_start_dates_imputed_to_the_first_day_never_before_a_first_dose_in_the_period():
    # admiral derive_vars_dt(date_imputation = "first", min_dates = TRTSDT), flags D / M / Y
    dtc = series("2019-07", "2019-08", "2019-06", "2019", "2018", None, "2019-07-20")
    out = derive_vars_dt_imputed(dtc, "first", min_dates=pd.Series(T("2019-07-18"), index=dtc.index))
    assert out.DT.tolist() == [T("2019-07-18"), T("2019-08-01"), T("2019-06-01"), T("2019-07-18"),
                               T("2018-01-01"), T("2019-07-18"), T("2019-07-20")]
    assert out.DTF.fillna("").tolist() == ["D", "D", "D", "M", "M", "Y", ""]


def test_end_dates_imputed_to_the_last_day_never_after_death_or_the_cut():
    # admiral derive_vars_dt(date_imputation = "last", max_dates = (DTHDT, DCUTDT))
    dtc = series("2019-07", "2020-02", "2019", None, "2019-06", "2019-07-02")
    assert derive_vars_dt_imputed(dtc, "last").DT.tolist()[:3] == [T("2019-07-31"), T("2020-02-29"), T("2019-12-31")]
    cut = pd.Series(T("2019-07-20"), index=dtc.index)
    death = pd.Series([T("2019-07-10")] + [pd.NaT] * 5, index=dtc.index)
    out = derive_vars_dt_imputed(dtc, "last", max_dates=[cut, death])
    assert out.DT.tolist()[:3] == [T("2019-07-10"), T("2020-02-29"), T("2019-07-20")]
    assert pd.isna(out.DT.iloc[3]) and pd.isna(out.DTF.iloc[3])           # a blank end stays open (ongoing)
    assert out.DT.iloc[4] == T("2019-06-30") and out.DTF.fillna("").tolist()[4:] == ["D", ""]


def ae_frame(starts, ends=None):
    n = len(starts)
    return pd.DataFrame({"STUDYID": "X", "USUBJID": "S1", "AESEQ": [float(i + 1) for i in range(n)],
                         "AETERM": "头痛", "AEDECOD": "Headache", "AEBODSYS": "Nervous system disorders",
                         "AESEV": "MILD", "AESER": "N", "AEREL": "NOT RELATED",
                         "AESTDTC": pd.array(starts, dtype="string"),
                         "AEENDTC": pd.array(ends or [None] * n, dtype="string")})


def test_treatment_emergence_uses_the_imputed_onset():
    adsl = pd.DataFrame({"USUBJID": ["S1"], "TRTSDT": [T("2020-01-10")]})
    ex = pd.DataFrame({"USUBJID": ["S1"], "EXSTDTC": ["2020-01-10T09:00"]})
    ae = ae_frame(["2020-01", "2019-12", None, "2020-02"], [None, "2019-12", "2020-03", "2020"])
    out = derive_adae(ae, adsl, ex, pd.DataFrame(), {}, cut="2020-06-30").set_index("AESEQ").sort_index()
    assert out.ASTDT.tolist() == [T("2020-01-10"), T("2019-12-01"), T("2020-01-10"), T("2020-02-01")]
    assert out.TRTEMFL.tolist() == ["Y", "N", "Y", "Y"]                  # the dose month's onset stays emergent
    assert out.ASTDTF.tolist() == ["D", "D", "Y", "D"]
    assert out.AENDT.tolist()[1:] == [T("2019-12-31"), T("2020-03-31"), T("2020-06-30")]   # capped at the cut
    assert out.AETERM.iloc[0] == "头痛"                                  # verbatim text carried


def test_validation_accepts_partial_dates_and_still_rejects_impossible_ones(study_copy):
    folder = study_copy(STUDY2)
    ae = pd.read_csv(folder / "sdtm/ae.csv", dtype=str, keep_default_na=False)
    start = ae.AESTDTC.iloc[0]
    ae.loc[0, "AESTDTC"], ae.loc[1, "AESTDTC"] = start[:7], start[:4] + "-01-01"[:0]
    ae.loc[2, "AEENDTC"] = ae.AEENDTC.iloc[2][:7]
    ae.to_csv(folder / "sdtm/ae.csv", index=False)
    assert len(validate_study(load_study(folder))) == 0
    ae.loc[3, "AESTDTC"] = start[:4] + "-13"
    ae.loc[4, "AESTDTC"] = start[:10] + "T25:00"
    ae.to_csv(folder / "sdtm/ae.csv", index=False)
    found = validate_study(load_study(folder))
    assert found.loc[found.column == "AESTDTC", "rows"].iloc[0] == [4, 5]


def test_the_cut_places_a_partial_date_by_its_earliest_possible_day():
    dm = pd.DataFrame({"USUBJID": ["S1"], "RFICDTC": ["2017-01-02"]}, dtype="string")
    ae = pd.DataFrame({"USUBJID": ["S1"] * 5, "AESTDTC": ["2017-06", "2017-07", "2017", None, "2017-05-02"],
                       "AEENDTC": [None, None, None, None, "2017-07"]}, dtype="string")
    out, listing, _ = apply_cut({"DM": dm, "AE": ae}, "2017-06-30")
    assert out["AE"].AESTDTC.fillna("").tolist() == ["2017-06", "2017", "", "2017-05-02"]
    removed = listing[listing.ACTION == "removed"]
    assert removed.ROW.tolist() == [2] and "partial date" in removed.REASON.iloc[0]
    assert listing[listing.ACTION == "end unknown at cut"].ROW.tolist() == [5]   # ends in July at the earliest


# --- findings: dates, unscheduled visits, retests, NOT DONE, NRIND, LOBXFL ------------------------

VISITS = [{"name": "SCREENING", "num": 0, "day": -14}, {"name": "BASELINE", "num": 1, "day": 1},
          {"name": "WEEK 4", "num": 4, "day": 29, "window": 7}]


def lab_records(rows):
    """rows: (ADTC, AVAL, VISIT, VISITNUM, LOBXFL)."""
    return pd.DataFrame([dict(STUDYID="X", USUBJID="S1", PARAMCD="ALT", PARAM="ALT (U/L)", AVAL=aval, AVALC=pd.NA,
                              AVALU="U/L", ADTC=adtc, ATPT=pd.NA, ATPTN=np.nan, VISIT=visit, VISITNUM=num,
                              ANRLO=7.0, ANRHI=40.0, SRCDOM="LB", SRCSEQ=float(i), LOBXFL=lobxfl)
                         for i, (adtc, aval, visit, num, lobxfl) in enumerate(rows, 1)])


ADSL = pd.DataFrame({"USUBJID": ["S1"], "TRTSDT": [T("2020-01-10")], "REFSDT": [T("2020-01-10")],
                     "TRTSDTM": [T("2020-01-10T09:00")]})


def test_unscheduled_visits_retests_and_undated_records_in_the_windows():
    rows = [("2020-01-05", 20.0, "SCREENING", 0.0, "Y"), ("2020-01-10", 22.0, "BASELINE", 1.0, pd.NA),
            ("2020-02-05", 30.0, "WEEK 4", 4.0, pd.NA),                           # day 27
            ("2020-02-09T10:00", 31.0, "UNSCHEDULED 4.1", 4.1, pd.NA),            # day 31: same distance, later
            ("2020-02", 33.0, "WEEK 4", 4.0, pd.NA), (pd.NA, 35.0, "UNSCHEDULED", np.nan, pd.NA)]
    adlb = derive_bds(lab_records(rows), ADSL, VISITS).set_index("SRCSEQ")
    assert adlb.loc[4, "AVISIT"] == "WEEK 4" and adlb.loc[4, "ANL01FL"] == "Y"   # retest resolved: later on ties
    assert pd.isna(adlb.loc[3, "ANL01FL"])
    assert adlb.loc[5, "ADT"] == T("2020-02-01") and adlb.loc[5, "ADTF"] == "D"  # first day of the month
    assert adlb.loc[6, "AVISIT"] == "UNSCHEDULED" and pd.isna(adlb.loc[6, "ADT"])   # kept, in no window
    notes = record_notes({"adlb": adlb.reset_index()})

    def noted(seq, text):
        return notes[(notes.SEQ == seq) & notes.NOTE.str.contains(text)]
    assert len(noted(4, "unscheduled")) == 1 and "WEEK 4" in noted(4, "unscheduled").DETAIL.iloc[0]
    assert len(noted(3, "repeat or retest")) == len(noted(5, "repeat or retest")) == 1     # not analysed
    assert len(noted(5, "imputed")) == 1 and len(noted(6, "cannot be placed")) == 1
    # the laboratory flagged the screening record as baseline; the derived baseline is day 1's
    assert notes.NOTE.str.contains("LBLOBXFL disagrees").sum() == 2


def test_the_laboratory_range_indicator_is_used_where_given():
    aval, lo, hi = pd.Series([5.0, 50.0, 20.0, 20.0]), pd.Series([7.0] * 4), pd.Series([40.0] * 4)
    assert derive_var_anrind(aval, lo, hi).tolist() == ["LOW", "HIGH", "NORMAL", "NORMAL"]
    nrind = pd.Series(["L", pd.NA, "HIGH", "ABNORMAL"], dtype="string")
    assert derive_var_anrind(aval, lo, hi, nrind).tolist() == ["LOW", "HIGH", "HIGH", "NORMAL"]


def test_not_done_results_are_excluded_with_their_reason():
    lb = pd.DataFrame({"USUBJID": ["S1"] * 3, "LBSEQ": [1.0, 2.0, 3.0], "LBTESTCD": ["ALT"] * 3,
                       "LBSTAT": [pd.NA, "NOT DONE", pd.NA], "LBREASND": [pd.NA, "SAMPLE HAEMOLYSED", pd.NA]})
    assert filter_not_done(lb, "LB").LBSEQ.tolist() == [1.0, 3.0]
    adam = {"adsl": ADSL, "adlb": pd.DataFrame({"USUBJID": ["S1", "S1"], "SRCDOM": "LB", "SRCSEQ": [1.0, 3.0]})}
    recon = pd.DataFrame({"DOMAIN": ["LB"], "RECORDS_IN": [3], "RECORDS_REMOVED": [0], "RECORDS_CHANGED": [0]})
    summary, excluded = record_accounting({"LB": lb}, adam, recon, {"LB": {"ALT"}})
    assert excluded.REASON.tolist() == ["LBSTAT = NOT DONE (no result), LBREASND: SAMPLE HAEMOLYSED"]
    s = add_note_counts(summary, record_notes(adam), excluded).iloc[0]
    assert (s.RECORDS_IN, s.USED, s.EXCLUDED, s.NOT_DONE) == (3, 2, 1, 1)


# --- SUPPQUAL -----------------------------------------------------------------------------------

def supp_frames():
    dm = pd.DataFrame({"USUBJID": ["S1", "S2"], "RFICDTC": ["2017-01-02", "2017-01-03"]}, dtype="string")
    ae = pd.DataFrame({"USUBJID": pd.array(["S1", "S1", "S2"], dtype="string"), "AESEQ": [1.0, 2.0, 1.0],
                       "AESTDTC": pd.array(["2017-02-01", "2017-08-01", "2017-03-01"], dtype="string")})
    suppae = pd.DataFrame({"USUBJID": ["S1", "S1", "S2", "S2"], "RDOMAIN": "AE", "IDVAR": "AESEQ",
                           "IDVARVAL": ["1", "2", "1", "7"], "QNAM": ["AEINFPR", "AEINFPR", "AECOMENT", "AEINFPR"],
                           "QLABEL": "x", "QVAL": ["Y", "N", "对症治疗后缓解", "Y"]}, dtype="string")
    suppdm = pd.DataFrame({"USUBJID": ["S2"], "RDOMAIN": "DM", "IDVAR": [pd.NA], "IDVARVAL": [pd.NA],
                           "QNAM": ["RACEOTH"], "QLABEL": "x", "QVAL": ["HAN"]}, dtype="string")
    return {"DM": dm, "AE": ae, "SUPPAE": suppae, "SUPPDM": suppdm}


def test_supplemental_qualifiers_become_columns_of_their_parent_and_orphans_are_listed():
    merged, orphans = merge_all_supp(supp_frames())
    infpr = merged["AE"].AEINFPR
    assert infpr.tolist() == ["Y", "N", None] or infpr.fillna("").tolist() == ["Y", "N", ""]
    assert merged["AE"].AECOMENT.fillna("").tolist() == ["", "", "对症治疗后缓解"]
    assert merged["DM"].RACEOTH.fillna("").tolist() == ["", "HAN"]            # subject level (IDVAR blank)
    assert orphans[["DOMAIN", "ROW", "IDVARVAL"]].values.tolist() == [["SUPPAE", 4, "7"]]


def test_a_qualifier_follows_its_parent_out_at_the_cut_and_orphans_count_as_excluded():
    out, listing, recon = apply_cut(supp_frames(), "2017-06-30")
    gone = listing[listing.DOMAIN == "SUPPAE"]
    assert gone.ROW.tolist() == [2] and "parent AE record removed at the data cut" in gone.REASON.iloc[0]
    merged, _ = merge_all_supp(out)
    adam = {"adsl": ADSL, "adae": pd.DataFrame({"USUBJID": ["S1", "S2"], "AESEQ": [1.0, 1.0]})}
    summary, excluded = record_accounting(merged, adam, recon)
    s = summary.set_index("DOMAIN").loc["SUPPAE"]
    assert (s.RECORDS_IN, s.REMOVED_AT_CUT, s.USED, s.EXCLUDED) == (4, 1, 2, 1)
    assert excluded[excluded.DOMAIN == "SUPPAE"].REASON.str.startswith("orphan").all()


# --- blinding at the door -----------------------------------------------------------------------

def test_real_arms_on_the_open_side_stop_the_run_and_masked_ones_pass(study_copy):
    folder = study_copy(STUDY1)
    dm = pd.read_csv(folder / "sdtm/dm.csv", dtype=str, keep_default_na=False)
    assert len(validate_study(load_study(folder))) == 0                # BLINDED / SCRNFAIL as generated
    dm.loc[[1, 4], "ARM"] = ["Masked", ""]                              # a declared masking term, blank
    dm.to_csv(folder / "sdtm/dm.csv", index=False)
    assert len(validate_study(load_study(folder))) == 0
    dm.loc[[2, 5], "ACTARMCD"] = ["PBO", "UCMSC"]                       # arm assignment in DM
    dm.to_csv(folder / "sdtm/dm.csv", index=False)
    ex = pd.read_csv(folder / "sdtm/ex.csv", dtype=str, keep_default_na=False)
    ex.loc[0, "EXTRT"] = "PLACEBO"                                     # arm named by EXTRT
    ex.to_csv(folder / "sdtm/ex.csv", index=False)
    found = validate_study(load_study(folder)).set_index("column")
    assert found.loc["ACTARMCD", "rows"] == [3, 6] and "blinding would be broken" in found.loc["ACTARMCD", "problem"]
    assert found.loc["EXTRT", "rows"] == [1] and "BLINDED" in found.loc["EXTRT", "expected"]
    assert {"ACTARMCD", "EXTRT"} == set(found.index)


# --- formats: XPT encodings, Dataset-JSON ---------------------------------------------------------

def xpt_with_byte_92(path, utf8_text="头痛"):
    df = pd.DataFrame({"AETERM": ["PATIENT'S HEADACHE", utf8_text], "AESEQ": [1.0, 2.0]})
    pyreadstat.write_xport(df, str(path), table_name="AE", file_format_version=5)
    path.write_bytes(path.read_bytes().replace(b"PATIENT'S", b"PATIENT\x92S"))


def test_xpt_in_windows_1252_is_read_not_refused(tmp_path):
    path = tmp_path / "ae.xpt"
    xpt_with_byte_92(path, "CAFE")
    assert read_table(path).AETERM.tolist() == ["PATIENT\u2019S HEADACHE", "CAFE"]        # detected: cp1252
    assert read_table(path, "latin-1").AETERM.iloc[0] == "PATIENT\x92S HEADACHE"      # as declared
    utf8 = tmp_path / "ae8.xpt"
    pyreadstat.write_xport(pd.DataFrame({"AETERM": ["头痛"]}), str(utf8), table_name="AE", file_format_version=5)
    assert read_table(utf8).AETERM.tolist() == ["头痛"]                               # valid UTF-8 stays UTF-8
    odd = tmp_path / "odd.xpt"                                   # 0x81: no Windows-1252 character, so Latin-1
    pyreadstat.write_xport(pd.DataFrame({"AETERM": ["AXB"]}), str(odd), table_name="AE", file_format_version=5)
    odd.write_bytes(odd.read_bytes().replace(b"AXB", b"A\x81B"))
    assert read_table(odd).AETERM.tolist() == ["A\x81B"]


def test_a_study_declares_its_xpt_encoding(study_copy):
    folder = study_copy(STUDY2)
    ae = pd.read_csv(folder / "sdtm/ae.csv", dtype=str, keep_default_na=False)
    ae.loc[0, "AETERM"] = "PATIENT'S " + ae.loc[0, "AETERM"]
    (folder / "sdtm/ae.csv").unlink()
    pyreadstat.write_xport(ae.assign(AESEQ=ae.AESEQ.astype(float)), str(folder / "sdtm/ae.xpt"), table_name="AE",
                           file_format_version=5)
    xpt = folder / "sdtm/ae.xpt"
    xpt.write_bytes(xpt.read_bytes().replace(b"PATIENT'S", b"PATIENT\x92S"))
    text = (folder / "protocol.yaml").read_text()
    (folder / "protocol.yaml").write_text(text + "\nsdtm:\n  encoding: cp1252\n")
    study = load_study(folder)
    assert study.frames["AE"].AETERM.iloc[0].startswith("PATIENT\u2019S ") and not study.problems


# the specification's own example (Dataset-JSON v1.1, "A Full Example of a Dataset-JSON File"), cut to 5 columns
SPEC_DM = {
    "datasetJSONCreationDateTime": "2023-06-28T15:38:43", "datasetJSONVersion": "1.1.0",
    "fileOID": "www.sponsor.xyz.org.project123.final", "dbLastModifiedDateTime": "2023-05-31T00:00:00",
    "originator": "Sponsor XYZ", "sourceSystem": {"name": "Software ABC", "version": "1.0.0"},
    "studyOID": "cdisc.com.CDISCPILOT01", "metaDataVersionOID": "MDV.MSGv2.0.SDTMIG.3.3.SDTM.1.7",
    "metaDataRef": "https://metadata.location.org/CDISCPILOT01/define.xml", "itemGroupOID": "IG.DM",
    "records": 3, "name": "DM", "label": "Demographics",
    "columns": [
        {"itemOID": "IT.DM.STUDYID", "name": "STUDYID", "label": "Study Identifier", "dataType": "string",
         "length": 12, "keySequence": 1},
        {"itemOID": "IT.DM.DOMAIN", "name": "DOMAIN", "label": "Domain Abbreviation", "dataType": "string",
         "length": 2},
        {"itemOID": "IT.DM.USUBJID", "name": "USUBJID", "label": "Unique Subject Identifier", "dataType": "string",
         "length": 8, "keySequence": 2},
        {"itemOID": "IT.DM.AGE", "name": "AGE", "label": "Age", "dataType": "integer"},
        {"itemOID": "IT.DM.AGEU", "name": "AGEU", "label": "Age Units", "dataType": "string", "length": 5}],
    "rows": [["CDISCPILOT01", "DM", "CDISC001", 84, "YEARS"], ["CDISCPILOT01", "DM", "CDISC002", None, ""],
             ["CDISCPILOT01", "DM", "CDISC003", 61, "YEARS"]]}


def test_dataset_json_of_the_specification_reads_as_json_and_ndjson(tmp_path):
    (tmp_path / "dm.json").write_text(json.dumps(SPEC_DM))
    meta = {k: v for k, v in SPEC_DM.items() if k != "rows"}
    (tmp_path / "dm.ndjson").write_text("\n".join([json.dumps(meta)] + [json.dumps(r) for r in SPEC_DM["rows"]]))
    for name in ("dm.json", "dm.ndjson"):
        df = read_table(tmp_path / name)
        assert df.columns.tolist() == ["STUDYID", "DOMAIN", "USUBJID", "AGE", "AGEU"]
        assert df.AGE.tolist()[0] == "84" and pd.isna(df.AGE.iloc[1]) and pd.isna(df.AGEU.iloc[1])


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(datasetJSONVersion="1.0.0"), "datasetJSONVersion"),
    (lambda d: d.pop("itemGroupOID"), "missing required attribute(s) itemGroupOID"),
    (lambda d: d.update(records=4), "records says 4 but the file has 3 rows"),
    (lambda d: d["rows"][1].pop(), "row 2: 4 values; expected an array of 5"),
    (lambda d: d["rows"][0].__setitem__(3, "84"), "column AGE (dataType integer): values of the wrong JSON type"),
    (lambda d: d["columns"][3].update(dataType="int"), "dataType 'int'"),
])
def test_a_file_that_breaks_dataset_json_is_refused_saying_why(tmp_path, change, message):   # not Dataset-JSON v1.1
    spec = json.loads(json.dumps(SPEC_DM))
    change(spec)
    (tmp_path / "dm.json").write_text(json.dumps(spec))
    with pytest.raises(DatasetJSONError, match=re.escape(message)):
        read_dataset_json(tmp_path / "dm.json")
    with pytest.raises(UnreadableFile, match=re.escape(message)):
        read_table(tmp_path / "dm.json")


def test_a_study_in_dataset_json_validates_like_its_csv(study_copy):
    folder = study_copy(STUDY2)
    before = load_study(folder).frames
    for name, suffix in (("dm", ".json"), ("lb", ".ndjson"), ("ae", ".json")):
        df = pd.read_csv(folder / "sdtm" / f"{name}.csv", dtype=str, keep_default_na=False).replace("", None)
        (folder / "sdtm" / f"{name}.csv").unlink()
        write_dataset_json(df, folder / "sdtm" / f"{name}{suffix}", name.upper())
    study = load_study(folder)
    assert len(validate_study(study)) == 0
    for domain in ("DM", "LB", "AE"):
        pd.testing.assert_frame_equal(study.frames[domain], before[domain])


# --- text in any script ----------------------------------------------------------------------------

def test_rtf_escapes_chinese_and_characters_beyond_the_basic_plane():
    assert rtf_text("发热 {x}") == "\\u21457?\\u28909? \\{x\\}"
    assert rtf_text("\U0001d465") == "\\u-10187?\\u-9115?"             # U+1D465 as its UTF-16 surrogate pair


def test_chinese_text_renders_in_the_pdf_with_an_embedded_cjk_font(tmp_path):
    src = (f"#set document(title: {lit('CJK test')})\n"       # PDF/UA-1: a document has a title
           f"#set text(font: ({lit('Libertinus Serif')}, {lit('Noto Sans CJK SC')}))\n"
           f"#table(columns: 2, [AETERM], [{'发热 after infusion'}], [SITE], [北京])\n")
    pdf = compile_report(src, tmp_path, "2018-12-31")
    (tmp_path / "x.pdf").write_bytes(pdf)
    reader = pypdf.PdfReader(tmp_path / "x.pdf")
    fonts = [reader.get_object(f)["/BaseFont"] for f in reader.pages[0]["/Resources"]["/Font"].values()]
    assert any("NotoSansCJK" in f for f in fonts)
    assert "发热 after infusion" in reader.pages[0].extract_text() and "北京" in reader.pages[0].extract_text()


# --- through ingest and ADaM on the embedded study 1 ----------------------------------------------

@pytest.fixture(scope="module")
def study1_adam():
    cut = "2018-12-31"
    ingested = ingest_study(STUDY1, cut)
    protocol = yaml.safe_load((STUDY1 / "protocol.yaml").read_text())
    return ingested, derive_adam(ingested.domains, protocol, cut), protocol


def test_study1_shapes_reach_the_analysis_datasets_and_the_accounting(study1_adam):
    ingested, adam, protocol = study1_adam
    adae = adam["adae"]
    assert {"AEINFPR", "AECOMENT", "AELLT", "EPOCH"} <= set(adae)            # SUPPAE merged, standard variables
    assert adae.AETERM.str.contains("[\u4e00-\u9fff]").sum() >= 3
    assert adae.ASTDTF.notna().sum() >= 5 and adae.AENDTF.notna().any()
    partial = adae[adae.AESTDTC.str.len() < 10]
    assert (partial.ASTDT.notna() & (partial.TRTEMFL == "Y")).all()         # on-treatment onsets stay emergent
    summary, excluded = record_accounting(ingested.domains, adam, ingested.reconciliation,
                                          {"LB": set(protocol["labs"]), "VS": set(protocol["vitals"])})
    notes = record_notes(adam)
    s = add_note_counts(summary, notes, excluded).set_index("DOMAIN")
    assert (s.RECORDS_IN == s.REMOVED_AT_CUT + s.USED + s.EXCLUDED).all()
    raw = {p.stem.upper(): len(pd.read_csv(p, dtype=str)) for p in (STUDY1 / "sdtm").glob("*.csv")}
    assert s.RECORDS_IN.to_dict() == raw
    assert s.loc["LB", "NOT_DONE"] >= 3 and s.loc["LB", "UNSCHEDULED"] >= 6 and s.loc["AE", "DATES_IMPUTED"] >= 5
    assert s.loc["SUPPAE", "USED"] == s.loc["SUPPAE", "RECORDS_IN"]
    assert excluded.REASON.str.contains("NOT DONE").sum() == s.loc["LB", "NOT_DONE"]
    assert notes.NOTE.str.startswith("repeat or retest").any()
    assert not notes.NOTE.str.contains("LOBXFL disagrees").any()             # the lab's baseline is ours
    adlb = adam["adlb"]
    assert adlb.loc[adlb.VISIT.astype("string").str.startswith("UNSCHEDULED ").fillna(False), "AVISIT"].str.startswith(
        "WEEK").all()


def test_an_end_date_is_never_imputed_after_death():
    from trialstats.adam.adsl import derive_vars_death, derive_vars_dm
    dm = pd.DataFrame({"STUDYID": ["X"], "USUBJID": ["S1"], "AGE": ["50"], "RFICDTC": ["2020-01-01"],
                       "DTHDTC": ["2020-03-12"]}, dtype="string")
    adsl = derive_vars_dm(dm).merge(derive_vars_death(dm), on="USUBJID").assign(TRTSDT=T("2020-01-10"))
    ex = pd.DataFrame({"USUBJID": ["S1"], "EXSTDTC": ["2020-01-10"]})
    out = derive_adae(ae_frame(["2020-03-01"], ["2020-03"]), adsl, ex, pd.DataFrame(), {}, cut="2020-06-30")
    assert out.AENDT.tolist() == [T("2020-03-12")] and out.AENDTF.tolist() == ["D"]


def test_records_without_a_date_are_accepted_kept_and_listed(study_copy):
    folder = study_copy(STUDY2)
    for name, col, row in (("ae", "AESTDTC", 0), ("lb", "LBDTC", 40)):
        df = pd.read_csv(folder / "sdtm" / f"{name}.csv", dtype=str, keep_default_na=False)
        df.loc[row, col] = ""
        df.to_csv(folder / "sdtm" / f"{name}.csv", index=False)
        key = (df.USUBJID[row], float(df[f"{name.upper()}SEQ"][row]))
        if name == "lb":
            lb_key = key
        else:
            ae_key = key
    assert len(validate_study(load_study(folder))) == 0
    cut = "2026-03-31"
    ingested = ingest_study(folder, cut)
    adam = derive_adam(ingested.domains, yaml.safe_load((folder / "protocol.yaml").read_text()), cut)
    ae = adam["adae"].set_index(["USUBJID", "AESEQ"]).loc[ae_key]
    first_dose = adam["adsl"].set_index("USUBJID").loc[ae_key[0], "TRTSDT"]
    assert ae.ASTDT == first_dose and ae.ASTDTF == "Y" and ae.TRTEMFL == "Y"     # conservatively emergent
    notes = record_notes(adam)
    lb = notes[(notes.DOMAIN == "LB") & (notes.USUBJID == lb_key[0]) & (notes.SEQ == lb_key[1])]
    assert lb.NOTE.str.contains("cannot be placed").any()
    assert ((notes.DOMAIN == "AE") & (notes.USUBJID == ae_key[0]) & (notes.SEQ == ae_key[1])).any()
