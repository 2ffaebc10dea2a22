"""Malformed inputs: each gives a report naming file, column, rows and the problem, and exit 1."""
import pandas as pd
import pyreadstat
import pytest

from tests.conftest import STUDY2
from trialstats.cli import main
from trialstats.io import read_table
from trialstats.sdtm.ingest import load_study
from trialstats.sdtm.validate import validate_study


def csv(folder, name):
    return pd.read_csv(folder / "sdtm" / f"{name}.csv", dtype=str, keep_default_na=False)


def save(folder, name, df):
    df.to_csv(folder / "sdtm" / f"{name}.csv", index=False)


def edit(name, fn):
    """A mutation that rewrites one domain's CSV with fn(frame)."""
    def apply(folder):
        save(folder, name, fn(csv(folder, name)))
    return apply


def set_cell(name, row, column, value):
    def fn(df):
        df.loc[row, column] = value
        return df
    return edit(name, fn)


def first_row(df, **where):
    sel = pd.Series(True, index=df.index)
    for col, val in where.items():
        sel &= df[col] == val
    return sel.idxmax()


def write_bytes(name, data: bytes, suffix=".csv"):
    def apply(folder):
        (folder / "sdtm" / f"{name}.csv").unlink()
        (folder / "sdtm" / f"{name}{suffix}").write_bytes(data)
    return apply


def hba1c_unit(folder):
    lb = csv(folder, "lb")
    i = first_row(lb, LBTESTCD="HBA1C")
    lb.loc[i, ["LBSTRESU", "LBORRESU", "LBSTRESN"]] = ["mmol/mol", "mmol/mol", "42"]
    save(folder, "lb", lb)


def duplicate_subject(folder):
    dm = csv(folder, "dm")
    save(folder, "dm", pd.concat([dm, dm.iloc[[3]]], ignore_index=True))


def duplicate_lab_record(folder):
    lb = csv(folder, "lb")
    dup = lb.iloc[[10]].copy()
    dup["LBSEQ"] = "999"
    save(folder, "lb", pd.concat([lb, dup], ignore_index=True))


def orphan_ae(folder):
    ae = csv(folder, "ae")
    ae.loc[0, "USUBJID"] = "NCT06495437-01-999"
    save(folder, "ae", ae)


def ae_end_before_start(folder):
    ae = csv(folder, "ae")
    ae.loc[1, "AEENDTC"] = "2024-01-01"
    save(folder, "ae", ae)


def lab_before_consent(folder):
    lb = csv(folder, "lb")
    lb.loc[0, "LBDTC"] = "2020-01-01"
    save(folder, "lb", lb)


def xpt_zero_dose_ok(folder):
    pass


def two_files(folder):
    csv(folder, "dm").to_parquet(folder / "sdtm" / "dm.parquet")


def missing_domain(folder):
    (folder / "sdtm" / "ex.csv").unlink()


CASES = {
    "missing column": (edit("lb", lambda df: df.drop(columns="LBTESTCD")), "lb.csv",
                       "missing column LBTESTCD"),
    "wrong type": (set_cell("dm", 2, "AGE", "fifty"), "column AGE, row 3", "not a number in AGE"),
    "duplicate subject": (duplicate_subject, "dm.csv", "duplicate key USUBJID"),
    "impossible date": (set_cell("ae", 0, "AESTDTC", "2025-02-30"), "column AESTDTC, row 1",
                        "that exists"),
    "date in another format": (set_cell("vs", 4, "VSDTC", "03/12/2025"), "column VSDTC, row 5",
                               "ISO 8601"),
    "unit mismatch": (hba1c_unit, "column LBSTRESU", "HBA1C in more than one unit: %, mmol/mol"),
    "subject missing from DM": (orphan_ae, "ae.csv, column USUBJID, row 1", "subject not in DM"),
    "empty file": (write_bytes("cm", b""), "cm.csv", "the file is empty"),
    "unreadable XPT": (write_bytes("dm", b"this is not a SAS transport file\n" * 20, ".xpt"), "dm.xpt",
                       "unreadable file"),
    "domain without records": (edit("dm", lambda df: df.iloc[0:0]), "dm.csv", "domain DM has no records"),
    "AE end before start": (ae_end_before_start, "column AEENDTC, row 2", "AEENDTC before AESTDTC"),
    "negative dose": (set_cell("ex", 0, "EXDOSE", "-1"), "column EXDOSE, row 1", "negative EXDOSE"),
    "out of physiological range": (set_cell("vs", 0, "VSSTRESN", "900"), "column VSSTRESN, row 1",
                                   "outside the physiological range"),
    "unknown lab test": (set_cell("lb", 0, "LBTESTCD", "FOO"), "column LBTESTCD, row 1",
                         "test code not defined in protocol.yaml labs"),
    "controlled term": (set_cell("dm", 0, "SEX", "X"), "column SEX, row 1", "one of M, F, U"),
    "non-UTF-8 text": (write_bytes("mh", "STUDYID,USUBJID\nNCT06495437,caf\xe9\n".encode("latin-1")),
                       "mh.csv", "not UTF-8"),
    "blank required value": (set_cell("lb", 5, "USUBJID", ""), "column USUBJID, row 6", "blank value"),
    "missing required domain": (missing_domain, "ex.csv", "required domain EX has no file"),
    "two files for one domain": (two_files, "dm", "two files for one domain"),
    "records of another study": (set_cell("ae", 0, "STUDYID", "NCT00000000"), "column STUDYID, row 1",
                                 "records of another study"),
    "record before informed consent": (lab_before_consent, "column LBDTC, row 1",
                                       "LBDTC before informed consent"),
    "duplicate lab record": (duplicate_lab_record, "LBTESTCD+VISITNUM+LBDTC", "duplicate key"),
    "C-peptide in pmol/L labelled ng/mL": (lambda f: set_cell("lb", first_row(csv(f, "lb"), LBTESTCD="CPEPTIDE"),
                                                              "LBSTRESN", "612")(f),
                                           "column LBSTRESN", "CPEPTIDE outside the physiological range"),
    "lab result without reference range": (lambda f: edit("lb", lambda df: df.assign(
        LBSTNRLO=df.LBSTNRLO.where(df.index != 0, ""), LBSTNRHI=df.LBSTNRHI.where(df.index != 0, "")))(f),
                                           "column LBSTNRLO/LBSTNRHI, row 1", "result without a reference range"),
    "duplicate visit of a vital sign": (lambda f: edit("vs", lambda df: pd.concat(
        [df, df.iloc[[3]].assign(VSSEQ="999")], ignore_index=True))(f), "vs.csv", "duplicate key"),
    "categorical result not allowed": (lambda f: set_cell("lb", first_row(csv(f, "lb"), LBTESTCD="HIV"),
                                                          "LBSTRESC", "MAYBE")(f),
                                       "column LBSTRESC", "HIV result not allowed"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_input_is_reported_and_exits_nonzero(study_copy, case, capsys):
    mutate, where, what = CASES[case]
    folder = study_copy(STUDY2)
    mutate(folder)
    report = folder / "validation_report.txt"
    assert main(["validate", str(folder), "--report", str(report)]) == 1
    assert str(report) in capsys.readouterr().err          # the message points at the report
    text = report.read_text()
    assert where in text, text
    assert what in text, text


def test_embedded_studies_are_valid(capsys):
    for folder in (STUDY2, STUDY2.parent / "nct02302599"):
        assert main(["validate", str(folder), "--report", "/dev/null"]) == 0


def test_all_problems_land_in_one_report(study_copy):
    folder = study_copy(STUDY2)
    set_cell("dm", 0, "SEX", "X")(folder)
    set_cell("ae", 0, "AESTDTC", "yesterday")(folder)
    found = validate_study(load_study(folder))
    assert {"SEX", "AESTDTC"} <= set(found.column)


@pytest.mark.parametrize("fmt", ["xpt", "parquet"])
def test_xpt_and_parquet_inputs_are_read_like_csv(study_copy, fmt):
    folder = study_copy(STUDY2)
    ex = pd.read_csv(folder / "sdtm" / "ex.csv")
    ex.loc[0, "EXDOSE"] = 0.0      # pandas.read_sas turns XPT zeros into 5.4e-79 (pandas #50670)
    (folder / "sdtm" / "ex.csv").unlink()
    target = folder / "sdtm" / f"ex.{fmt}"
    if fmt == "xpt":
        pyreadstat.write_xport(ex, str(target), table_name="EX", file_format_version=5)
    else:
        ex.to_parquet(target)
    frame = read_table(target)
    assert frame.loc[0, "EXDOSE"] == "0" and frame.loc[1, "EXDOSE"] == "1"
    assert len(validate_study(load_study(folder))) == 0
