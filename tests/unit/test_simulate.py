"""The embedded synthetic data: calibration to the publication, and byte-identical regeneration.

Calibration targets: STUDIES.md "Calibration" and Zang et al., Stem Cell Res Ther 2022
(doi 10.1186/s13287-022-02848-6). Counts are read from the committed CSV files, not from the
generator's memory, and the primary rule is applied here independently of the library.
"""
import subprocess
import sys

import pandas as pd
import pytest

from tests.conftest import ROOT, STUDY1, STUDY2, protocol
from trialstats.simulate import write_study

PROHIBITED = ["DPP-4 INHIBITORS", "GLP-1 RECEPTOR AGONISTS", "SGLT2 INHIBITORS"]


def read(folder, name):
    return pd.read_csv(folder / "sdtm" / f"{name}.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def study1():
    d = {n: read(STUDY1, n) for n in ("dm", "ex", "lb", "cm", "ie", "ds")}
    d["key"] = pd.read_csv(STUDY1 / "randomization.csv", dtype=str)
    return d


def fas_subjects(d):
    """Randomized, at least one infusion, baseline and at least one post-baseline HbA1c."""
    a1c = d["lb"][d["lb"].LBTESTCD == "HBA1C"]
    dosed = set(d["ex"].USUBJID)
    base = set(a1c.loc[a1c.VISIT == "BASELINE", "USUBJID"])
    post = set(a1c.loc[a1c.VISIT.str.startswith("WEEK"), "USUBJID"])
    return set(d["key"].USUBJID) & dosed & base & post


def responders(d):
    """Week-48 HbA1c < 7.0% and daily insulin reduced >= 50% from the dose on day 1; prohibited
    glucose-lowering medication or a missing week-48 value -> non-responder (STUDIES.md)."""
    lb, cm, key = d["lb"], d["cm"], d["key"]
    a1c48 = lb[(lb.LBTESTCD == "HBA1C") & (lb.VISIT == "WEEK 48")].set_index("USUBJID")
    ins = cm[cm.CMCAT == "DAILY INSULIN DOSE"]
    banned = set(cm.loc[cm.CMCLAS.isin(PROHIBITED), "USUBJID"])

    def dose_on(u, day):
        r = ins[(ins.USUBJID == u) & (ins.CMSTDTC <= day) & ((ins.CMENDTC >= day) | (ins.CMENDTC == ""))]
        assert len(r) == 1, (u, day)
        return float(r.CMDOSE.iloc[0])

    out = {}
    for u, day1 in zip(key.USUBJID, key.RANDDT):
        if u in banned or u not in a1c48.index:
            out[u] = False
            continue
        w = a1c48.loc[u]
        reduction = 1 - dose_on(u, w.LBDTC) / dose_on(u, day1)
        out[u] = float(w.LBSTRESN) < 7.0 and reduction >= 0.5
    return pd.Series(out)


def test_screening_and_randomization_counts(study1):
    dm, ie, ds, key = study1["dm"], study1["ie"], study1["ds"], study1["key"]
    assert len(dm) == 103                                   # registry enrolment
    failures = ds[ds.DSDECOD == "SCREEN FAILURE"].USUBJID
    assert failures.nunique() == 12
    # each screen failure fails a named protocol criterion, recorded by the investigator in IE
    criteria = {c["id"] for c in protocol(STUDY1)["criteria"]}
    assert set(ie.USUBJID) == set(failures)
    assert ie.groupby("USUBJID").size().eq(1).all() and set(ie.IETESTCD) <= criteria
    assert key.ARMCD.value_counts().to_dict() == {"PBO": 46, "UCMSC": 45}   # paper: 45 / 46
    assert set(key.USUBJID).isdisjoint(failures)
    arms = dm[["ARMCD", "ARM", "ACTARMCD", "ACTARM"]].stack()        # DM is blinded: masked arms only
    assert set(arms) <= {"BLINDED", "SCRNFAIL", "Screen Failure"}


def test_full_analysis_set_and_responders(study1):
    key = study1["key"].set_index("USUBJID")
    fas = fas_subjects(study1)
    assert key.loc[sorted(fas)].ARMCD.value_counts().to_dict() == {"UCMSC": 45, "PBO": 44}
    resp = responders(study1)
    counts = resp[sorted(fas)].groupby(key.loc[sorted(fas)].ARMCD).sum().to_dict()
    assert counts == {"UCMSC": 9, "PBO": 2}                     # paper: 20.00% vs 4.55%


def test_hba1c_and_clamp_near_published(study1):
    lb, key = study1["lb"], study1["key"].set_index("USUBJID")
    fas = fas_subjects(study1)
    lb = lb[lb.USUBJID.isin(fas)].assign(ARM=lambda x: x.USUBJID.map(key.ARMCD),
                                         VAL=lambda x: pd.to_numeric(x.LBSTRESN))
    a1c = lb[lb.LBTESTCD == "HBA1C"].groupby(["ARM", "VISIT"]).VAL.mean()
    # published mean HbA1c (%): UC-MSC 9.02 -> 7.52, placebo 8.89 -> 8.19
    for arm, visit, target in (("UCMSC", "BASELINE", 9.02), ("UCMSC", "WEEK 48", 7.52),
                               ("PBO", "BASELINE", 8.89), ("PBO", "WEEK 48", 8.19)):
        assert abs(a1c[arm, visit] - target) < 0.25, (arm, visit, a1c[arm, visit])
    gir = lb[lb.LBTESTCD == "GIR"].groupby(["ARM", "VISIT"]).VAL.mean()
    # published clamp GIR (mg/kg/min): UC-MSC 3.12 -> 4.76, placebo 3.26 -> 3.60
    for arm, visit, target in (("UCMSC", "BASELINE", 3.12), ("UCMSC", "WEEK 48", 4.76),
                               ("PBO", "BASELINE", 3.26), ("PBO", "WEEK 48", 3.60)):
        assert abs(gir[arm, visit] - target) < 0.3, (arm, visit, gir[arm, visit])


def test_enrolment_dates_span_the_published_period(study1):
    dates = pd.to_datetime(study1["dm"].RFICDTC)
    assert dates.min() >= pd.Timestamp("2015-10-01") and dates.max() <= pd.Timestamp("2018-12-31")
    ends = pd.to_datetime(study1["ds"].DSSTDTC)
    assert ends.max() <= pd.Timestamp("2018-12-31")
    # staggered: by mid-2017 part, not all, of the subjects are enrolled
    assert 0.3 < (dates <= "2017-06-30").mean() < 0.95


def test_study2_counts():
    dm, ex, ie = read(STUDY2, "dm"), read(STUDY2, "ex"), read(STUDY2, "ie")
    assert ex.USUBJID.nunique() == 20                           # registry: 20 participants
    assert len(dm) - 20 == len(ie) == ie.USUBJID.nunique() > 0
    assert not (STUDY2 / "randomization.csv").exists()


@pytest.mark.parametrize("folder", [STUDY1, STUDY2], ids=lambda p: p.name)
def test_regeneration_is_byte_identical(tmp_path, folder):
    written = write_study(folder.name, tmp_path, folder / "protocol.yaml")
    assert written
    for path in written:
        committed = folder / path.relative_to(tmp_path)
        assert path.read_bytes() == committed.read_bytes(), f"{committed} differs from a fresh generation"
    assert (tmp_path / "README.md").read_bytes() == (folder / "README.md").read_bytes()


def test_scaled_generation_keeps_the_design(tmp_path):
    write_study("nct02302599", tmp_path, STUDY1 / "protocol.yaml", n_screened=400)
    dm = pd.read_csv(tmp_path / "sdtm" / "dm.csv")
    key = pd.read_csv(tmp_path / "randomization.csv")
    assert len(dm) == 400 and dm.USUBJID.is_unique
    assert abs(len(key) / 400 - 91 / 103) < 0.01
    assert abs(key.ARMCD.value_counts()["UCMSC"] - key.ARMCD.value_counts()["PBO"]) <= 1


def test_performance_data_is_kept_out_of_data_folder():
    run = subprocess.run([sys.executable, "-m", "trialstats.cli", "simulate", "nct02302599",
                          "--subjects", "50"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode != 0 and "outside data/" in run.stderr


def test_study1_carries_the_shapes_of_real_transfers():
    # partial dates, SUPPAE, NOT DONE labs with retests at unscheduled visits, standard variables and
    # Chinese verbatim terms, so that the default run exercises them (trialstats/simulate/realism.py)
    ae, lb, dm = read(STUDY1, "ae"), read(STUDY1, "lb"), read(STUDY1, "dm")
    supp = read(STUDY1, "suppae")
    assert ae.AESTDTC.str.fullmatch(r"\d{4}-\d{2}").sum() >= 3 and ae.AESTDTC.str.fullmatch(r"\d{4}").any()
    assert ae.AEENDTC.str.fullmatch(r"\d{4}-\d{2}").any()
    assert ae.AETERM.str.contains("[\u4e00-\u9fff]").sum() >= 3
    assert {"AELLT", "EPOCH", "AESTDY"} <= set(ae) and {"LBSPEC", "LBFAST", "LBNRIND", "LBLOBXFL"} <= set(lb)
    assert {"DMDTC", "ARMCD", "ACTARM"} <= set(dm)
    assert set(supp.RDOMAIN) == {"AE"} and set(supp.IDVAR) == {"AESEQ"} and {"AEINFPR", "AECOMENT"} <= set(supp.QNAM)
    parent = set(zip(ae.USUBJID, ae.AESEQ))
    assert all((u, s) in parent for u, s in zip(supp.USUBJID, supp.IDVARVAL))          # no orphans
    not_done = lb[lb.LBSTAT == "NOT DONE"]
    assert len(not_done) >= 3 and (not_done.LBSTRESC == "").all() and (not_done.LBREASND != "").all()
    assert set(not_done.LBTESTCD) <= {"ALT", "AST", "BILI", "CREAT"}                    # efficacy untouched
    unscheduled = lb[lb.VISIT.str.match(r"UNSCHEDULED \d+\.\d")]
    assert len(unscheduled) >= 6 and (pd.to_numeric(unscheduled.VISITNUM) % 1 > 0).all()
