"""The real SDTM of the CDISC pilot (CDISCPILOT01, read in place from ../shared/reference) through the whole
pipeline: `trialstats split-key` makes the randomization key and a masked SDTM, the study's protocol is
docs/examples/cdiscpilot01/protocol.yaml, one data cut after the last record. The same snakemake call runs
the pilot's own ADaM as an ADaM-route study. One run shared by every test of this module; each number of
our outputs is checked against a recount made here with plain pandas from the pilot's ADaM (never from our
outputs), and every difference between SDTM and ADaM is explained where it is asserted."""
import json
import os
import shutil
import subprocess
import sys
import time

import pandas as pd
import pytest
import yaml

from tests.conftest import ROOT, SHARED_REFERENCE
from tests.workflow.test_blinding import jobs
from tests.workflow.test_pipeline import snakemake

SDTM = SHARED_REFERENCE / "cdiscpilot01_sdtm"
ADAM = SHARED_REFERENCE / "cdisc_pilot"
PROTOCOL = ROOT / "docs/examples/cdiscpilot01/protocol.yaml"
pytestmark = [pytest.mark.workflow,
              pytest.mark.skipif(not (SDTM.exists() and ADAM.exists()),
                                 reason=f"CDISC pilot SDTM/ADaM not found at {SDTM} / {ADAM} "
                                 "(../shared/reference is present in CI, not in a user's clone)")]
STUDY, CUT, ROUTE = "cdiscpilot01", "2015-12-31", "cdiscpilot"     # last SDTM record: 2015-03-05
EARLIER = "2012-12-31"          # an earlier DMC cut: before the three deaths (2013-01-14, 2013-08-02, 2014-11-01)
ADAM_STUDY = {"folder": str(ADAM), "arm": "TRT01A", "control": "Placebo", "datasets": {"adlb": ["adlbc", "adlbh"]}}
ARMS = ["Placebo", "Xanomeline Low Dose", "Xanomeline High Dose"]
CHEMISTRY = ["ALB", "ALP", "ALT", "AST", "BILI", "BUN", "CA", "CHOL", "CK", "CL", "CREAT", "GGT", "GLUC", "K",
             "PHOS", "PROT", "SODIUM", "URATE"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The project in a tmp folder: split-key on the pilot SDTM, the protocol beside it, two cuts; the SDTM
    route to its open and closed reports and the ADaM route to its report, in one snakemake call."""
    folder = tmp_path_factory.mktemp("pilot_sdtm")
    for name in ("Snakefile", "workflow", "scripts", "profiles"):
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copyfile)(ROOT / name, folder / name)
    data = folder / "data" / STUDY
    split = subprocess.run([sys.executable, "-m", "trialstats.cli", "split-key", str(SDTM), "--out", str(data),
                            "--protocol", str(PROTOCOL)], capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert split.returncode == 0, split.stdout + split.stderr
    shutil.copyfile(PROTOCOL, data / "protocol.yaml")
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["studies"] = {STUDY: {"data": f"data/{STUDY}", "cuts": [EARLIER, CUT]}}
    config["adam_studies"] = {ROUTE: ADAM_STUDY}
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    start = time.time()
    done = snakemake(folder, "all", f"results/{ROUTE}/report/adam_report.pdf")
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-5000:]
    print(f"pilot SDTM + ADaM routes: {time.time() - start:.0f} s")
    return folder


@pytest.fixture(scope="module")
def out(run):
    return run / "results" / STUDY / CUT


@pytest.fixture(scope="module")
def codes(out):
    """Arm name -> the code our outputs print (decode_arms: false)."""
    return {c["arm"]: c["code"] for c in json.loads((out / "closed/adam/arms.json").read_text())}


@pytest.fixture(scope="module")
def key(run):
    return pd.read_csv(run / "data" / STUDY / "randomization.csv", dtype=str, keep_default_na=False)


def adam(name):
    return pd.read_csv(ADAM / name, low_memory=False)


def ard(path):
    return pd.read_csv(path, keep_default_na=False)


def actual() -> pd.Series:
    """USUBJID -> the arm received: DM.ACTARM of the pilot SDTM, which split-key puts in the key and the
    pipeline makes TRT01A (safety by the arm received). The pilot's ADaM sets TRT01A = TRT01P for every
    subject; 12 subjects randomized to the high dose received only the low dose (ACTARM) and are counted
    there in our safety outputs. Every recount below regroups the pilot's records by this arm."""
    return pd.read_parquet(SDTM / "dm.parquet").set_index("USUBJID").ACTARM


def teae():
    ae = adam("adae.csv")
    return ae[ae.TRTEMFL == "Y"].assign(TRTA=lambda d: d.USUBJID.map(actual()))


def incidence(ard_frame, codes):
    """{(arm, SOC, PT): n subjects} of an AE ARD (SOC/PT rows, ANY included)."""
    arm_of = {v: k for k, v in codes.items()}
    rows = ard_frame[(ard_frame.group1 == "ARM") & (ard_frame.stat_name == "n") & (ard_frame.group2 == "SOC")]
    return {(arm_of.get(r.group1_level, r.group1_level), r.group2_level, r.variable_level): int(float(r.stat))
            for r in rows.itertuples()}


def recount(frame):
    """The same cells counted from ADAE records: subjects by arm, SOC and PT, by arm and SOC, by arm."""
    cells = {}
    for arm, g in frame.groupby("TRTA"):
        cells[(arm, "ANY", "ANY")] = g.USUBJID.nunique()
        for soc, s in g.groupby("AEBODSYS"):
            cells[(arm, soc, "ANY")] = s.USUBJID.nunique()
            for pt, p in s.groupby("AEDECOD"):
                cells[(arm, soc, pt)] = p.USUBJID.nunique()
    return cells


def nonzero(cells):
    return {k: v for k, v in cells.items() if v}


def test_open_and_closed_reports_build(out, run):
    for pdf in (out / "open/report/dmc_open_report.pdf", out / "closed/report/dmc_closed_report.pdf",
                run / "results" / ROUTE / "report/adam_report.pdf"):
        assert pdf.read_bytes()[:5] == b"%PDF-", pdf


def test_teae_by_soc_pt_related_serious_and_fatal_equal_adae(out, codes):
    """TEAEs of our ADAE (onset on or after the first patch) against ADAE TRTEMFL = Y, subject counts per
    arm and SOC/PT; related = AREL of the pilot, POSSIBLE or PROBABLE (the protocol's mapping)."""
    safety = out / "closed/safety/ard"
    t = teae()
    assert nonzero(incidence(ard(safety / "t_14_3_2.csv"), codes)) == recount(t)
    related = t[t.AEREL.isin(["POSSIBLE", "PROBABLE"])]
    assert nonzero(incidence(ard(safety / "t_14_3_4.csv"), codes)) == recount(related)
    assert nonzero(incidence(ard(safety / "t_14_3_5.csv"), codes)) == recount(t[t.AESER == "Y"])
    overview = ard(safety / "t_14_3_1.csv")
    for label, sel in (("Any TEAE", t), ("Related TEAE", related), ("Serious TEAE", t[t.AESER == "Y"]),
                       ("TEAE with fatal outcome", t[t.AEOUT == "FATAL"])):
        for arm in ARMS:
            row = overview[(overview.variable_level == label) & (overview.group1_level == codes[arm])]
            assert int(float(row[row.stat_name == "n"].stat.iloc[0])) == sel[sel.TRTA == arm].USUBJID.nunique(), \
                (label, arm)
            assert int(float(row[row.stat_name == "events"].stat.iloc[0])) == (sel.TRTA == arm).sum(), (label, arm)


def test_three_deaths_in_the_overview_the_summary_the_listing_and_since_last(out, codes):
    adsl = adam("adsl.csv").assign(TRT01A=lambda d: d.USUBJID.map(actual()))
    deaths = adsl[adsl.DTHFL == "Y"].groupby("TRT01A").size().reindex(ARMS, fill_value=0)
    assert deaths.to_dict() == {"Placebo": 2, "Xanomeline Low Dose": 1, "Xanomeline High Dose": 0}
    overview = ard(out / "closed/safety/ard/t_14_3_1.csv")
    n = overview[(overview.variable_level == "Deaths") & (overview.stat_name == "n")]
    assert {r.group1_level: int(float(r.stat)) for r in n.itertuples()} == \
        {codes[a]: int(k) for a, k in deaths.items()}
    summary = pd.read_csv(out / "closed/report/executive_summary.csv").set_index("Topic")
    finding = summary.loc["Deaths", "Finding"]
    for arm, k in deaths.items():
        big_n = (adsl.SAFFL.eq("Y") & adsl.TRT01A.eq(arm)).sum()
        assert f"{codes[arm]} {k}/{big_n} " in finding, finding
    listing = pd.read_csv(out / "closed/safety/listings/l_16_2_2.csv", dtype=str)
    assert sorted(listing.Subject) == sorted(adsl.loc[adsl.DTHFL == "Y", "USUBJID"])
    arm_of = {v: k for k, v in codes.items()}
    assert listing.Arm.map(arm_of).value_counts().to_dict() == {k: v for k, v in deaths.items() if v}
    since = ard(out / "closed/flow/since_last_ard.csv")            # the changes since the earlier cut
    at = since[since.variable == "Deaths"].pivot(index="group1_level", columns="stat_name", values="stat")
    assert at["previous"].sum() == 0 and at["current"].to_dict() == {codes[a]: int(k) for a, k in deaths.items()}
    new = pd.read_csv(out / "closed/flow/since_last_new.csv", dtype=str, keep_default_na=False)
    assert sorted(new.loc[new.WHAT == "death", "USUBJID"]) == sorted(listing.Subject)


def test_populations_disposition_and_demographics_equal_adsl(out, codes):
    adsl = adam("adsl.csv")
    pops = pd.read_csv(out / "closed/flow/populations.csv").set_index("Population")
    pops.columns = [c.split(" (N=")[0] for c in pops.columns]
    for label, flag in (("Randomized / enrolled", "ITTFL"), ("Safety set", "SAFFL")):
        row = next(r for r in pops.index if r.startswith(label))
        counts = adsl[adsl[flag] == "Y"].groupby("TRT01P").size()
        assert {a: pops.loc[row, codes[a]] for a in ARMS} == counts.to_dict(), label
    disp = pd.read_csv(out / "closed/flow/disposition.csv").set_index("Status")
    disp.columns = [c.split(" (N=")[0] for c in disp.columns]
    for label, status in (("Completed the study", "COMPLETED"), ("Discontinued", "DISCONTINUED")):
        counts = adsl[adsl.EOSSTT == status].groupby("TRT01P").size()
        assert {a: int(disp.loc[label, codes[a]]) for a in ARMS} == counts.to_dict(), label
    stopped = adsl[adsl.EOSSTT == "DISCONTINUED"]
    for reason, k in stopped.groupby("DCDECOD").size().items():
        assert int(disp.loc[f"  {reason.capitalize()}", "Total"]) == k, reason
    demo = ard(out / "closed/flow/baseline_ard.csv")
    for arm in ARMS:
        g, d = adsl[adsl.TRT01P == arm], demo[demo.group1_level == codes[arm]]
        mean = d[(d.variable == "AGE") & (d.stat_name == "mean")].stat.astype(float).iloc[0]
        assert mean == pytest.approx(g.AGE.mean(), rel=1e-12)
        for var in ("SEX", "RACE"):
            ours = d[(d.variable == var) & (d.stat_name == "n")].set_index("variable_level").stat.astype(float)
            assert ours.astype(int).to_dict() == g[var].value_counts().to_dict(), (arm, var)


def test_lab_shift_of_the_chemistry_panel_equals_adlbc(out, codes):
    """Baseline category against the lowest and the highest post-baseline category (low and high
    directions apart: "WORST LOW: <category>", "WORST HIGH: <category>"), recounted from ADLBC's records
    (its derived "End of Treatment" copies left out). The window, ours and the recount's: baseline = the last
    record on or before day 1 (ADY <= 1); post-baseline = every record on or after the first patch (ADY >= 1,
    the baseline record excluded), scheduled or not.
    Two differences from ADLBC's own BNRIND/ANRIND are explained and asserted here:
    1. the category: ours is the laboratory's LBNRIND (the SDTM rule, carried in ADLBC), while ADLBC's
       ANRIND is H above 1.5 x ULN and L below 0.5 x LLN (the pilot SAP's rule), checked below;
    2. the baseline: ADLBC's ABLFL is not always the last pre-dose value (its own windowing prefers the
       scheduled screening visit); ours is the last pre-dose value (the admiral rule), counted below;
    3. the records: ADLBC leaves out the RETRIEVAL visit (after the end of treatment), which the SDTM has
       and ours counts as post-baseline; the recount adds those SDTM records (they change one subject)."""
    lb = pd.read_csv(ADAM / "adlbc.csv.gz", low_memory=False)
    lb = lb[lb.PARAMCD.isin(CHEMISTRY) & (lb.SAFFL == "Y") & (lb.AVISIT.str.strip() != "End of Treatment")]
    lb = lb[lb.LBNRIND.notna() & (lb.LBNRIND != "")].sort_values(["PARAMCD", "USUBJID", "ADY", "LBSEQ"])
    high = lb.AVAL > 1.5 * lb.A1HI
    low = lb.AVAL < 0.5 * lb.A1LO
    assert (lb.ANRIND.eq("H") == high).all() and (lb.ANRIND.eq("L") == low).all()       # difference 1
    pre = lb[lb.ADY <= 1]
    base_rows = pre.groupby(["PARAMCD", "USUBJID"]).tail(1)
    base = base_rows.set_index(["PARAMCD", "USUBJID"]).LBNRIND
    flagged = lb[lb.ABLFL == "Y"].set_index(["PARAMCD", "USUBJID"]).LBSEQ
    retested = (base_rows.set_index(["PARAMCD", "USUBJID"]).LBSEQ != flagged.reindex(base.index)).sum()
    assert retested == 414                                                                 # difference 2
    assert not lb.VISIT.eq("RETRIEVAL").any()                                               # difference 3
    sdtm = pd.read_parquet(SDTM / "lb.parquet")
    retrieval = sdtm[sdtm.VISIT.eq("RETRIEVAL") & sdtm.LBTESTCD.isin(CHEMISTRY) & sdtm.LBNRIND.ne("")
                     & sdtm.USUBJID.isin(lb.USUBJID)].rename(columns={"LBTESTCD": "PARAMCD"})
    post = pd.concat([lb[(lb.ADY >= 1) & ~lb.index.isin(base_rows.index)],
                      retrieval[["PARAMCD", "USUBJID", "LBNRIND"]]])
    rank = post.LBNRIND.map({"LOW": 0, "NORMAL": 1, "HIGH": 2})
    worst = rank.groupby([post.PARAMCD, post.USUBJID]).agg(["min", "max"])
    expected = {}
    for direction, how in (("WORST LOW", "min"), ("WORST HIGH", "max")):
        both = pd.DataFrame({"BASE": base, "POST": worst[how].map(dict(enumerate(["LOW", "NORMAL", "HIGH"])))})
        both = both.dropna().reset_index()
        both["ARM"] = both.USUBJID.map(actual()).map(codes)
        both["POST"] = f"{direction}: " + both["POST"]
        expected.update(both.groupby(["ARM", "PARAMCD", "BASE", "POST"]).size().to_dict())
    shift = ard(out / "closed/safety/ard/t_14_3_9.csv")
    shift = shift[(shift.group1 == "ARM") & shift.variable.isin(CHEMISTRY)]
    ours = {(r.group1_level, r.variable, r.group2_level, r.variable_level): int(float(r.stat))
            for r in shift.itertuples()}
    assert ours == expected


def test_exposure_duration_and_cumulative_dose_equal_adsl(out, codes):
    """Mean duration (TRTDURD) and cumulative dose (CUMDOSE) per arm equal ADSL's: the high dose's two weeks
    at 54 mg included (split-key keeps the real EXDOSE key side, doses.csv), and the 6 last periods without
    EXENDTC ended at DM.RFENDTC as ADSL ends them (TRTEDT = RFENDT), each listed in record_notes.csv."""
    adsl = adam("adsl.csv").assign(TRT01A=lambda d: d.USUBJID.map(actual()))
    adsl = adsl[adsl.SAFFL == "Y"]
    ex = pd.read_parquet(SDTM / "ex.parquet")
    notes = pd.read_csv(out / "adam/record_notes.csv", dtype=str)
    ended = notes[notes.NOTE.str.startswith("EXENDTC blank")]
    assert sorted(ended.USUBJID) == sorted(ex.loc[ex.EXENDTC == "", "USUBJID"]) and len(ended) == 6
    exposure = ard(out / "closed/safety/ard/t_14_1_5.csv")
    for arm, g in adsl.groupby("TRT01A"):
        for variable, column in (("duration", "TRTDURD"), ("cumulative_dose", "CUMDOSE"),
                                 ("average_daily_dose", "AVGDD")):
            row = exposure[(exposure.variable == variable) & (exposure.group1_level == codes[arm])
                           & (exposure.stat_name == "mean")]
            # ADSL's AVGDD is rounded to one decimal (78.6)
            tolerance = 0.05 if column == "AVGDD" else 1e-9 * max(1.0, g[column].mean())
            assert float(row.stat.iloc[0]) == pytest.approx(g[column].mean(), abs=tolerance), (arm, variable)


def _per_subject_leaks(frame: pd.DataFrame, arm_of: pd.Series) -> list[str]:
    """Columns whose values partition the randomized subjects exactly along arms: every value's subjects are
    of one arm, all randomized subjects are covered and more than one arm occurs. Columns with a value per
    subject (identifiers, dates: groups of mean size < 2) are not partitions and are skipped."""
    subject = next((c for c in ("USUBJID", "Subject") if c in frame), None)
    if subject is None:
        return []
    frame = frame[frame[subject].isin(arm_of.index)]
    leaks = []
    for col in frame.columns.drop(subject):
        pairs = frame[[subject, col]].dropna().astype(str).drop_duplicates()
        if pairs.empty or pairs[col].nunique() > len(arm_of) / 2:
            continue
        arms = pairs[subject].map(arm_of)
        pure = arms.groupby(pairs[col].to_numpy()).nunique().max() == 1
        if pure and arms.nunique() > 1 and pairs[subject].nunique() == len(arm_of):
            leaks.append(col)
    return leaks


def test_the_open_side_separates_no_arm(out, key):
    """Every column of the blinded ADaM and of every open output: no value partitions the randomized
    subjects along arms (the key's ARM), no arm name, arm code or real treatment name appears, and the
    doses of the open side are blank."""
    arm_of = key.set_index("USUBJID").ARM
    found = {}
    for path in sorted((out / "adam").glob("*.parquet")):
        frame = pd.read_parquet(path)
        found.update({f"{path.name}:{c}": 1 for c in _per_subject_leaks(frame, arm_of)})
    words = set(key.ARM) | set(key.ARMCD) | {"XANOMELINE", "Xanomeline"}
    for path in sorted((out / "open").rglob("*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        found.update({f"{path.name}:{c}": 1 for c in _per_subject_leaks(frame, arm_of)})
        text = " ".join(frame.columns) + " " + " ".join(frame.astype(str).to_numpy().ravel())
        found.update({f"{path.name}:{w}": 1 for w in words if w in text})
    assert not found
    closed = pd.read_parquet(out / "closed/adam/adsl.parquet")           # the check finds a real leak
    assert {"TRT01P", "ARMCD", "TRTCODE"} <= set(_per_subject_leaks(closed, arm_of))
    assert "TRT01A" in _per_subject_leaks(closed, actual().reindex(arm_of.index))   # the arm received
    adex, adsl = pd.read_parquet(out / "adam/adex.parquet"), pd.read_parquet(out / "adam/adsl.parquet")
    assert adex["EXDOSE"].isna().all() and "ADOSE" not in adex
    for col in ("CUMDOSE", "AVGDD"):
        assert adsl[col].nunique() <= 1, col


def test_only_the_unblinding_job_reads_the_key_and_the_kept_doses(run):
    """split-key's two key-side files (randomization.csv, doses.csv): no job of the open side reads them."""
    open_jobs = jobs(run, "open")
    assert {"ingest", "adam", "open_flow"} <= {rule for rule, _, _ in open_jobs}
    assert not [j for j in open_jobs if "randomization.csv" in j[1] or "doses.csv" in j[1]]
    readers = {rule for rule, inputs, _ in jobs(run, "all") if "doses.csv" in inputs or "randomization.csv" in inputs}
    assert readers == {"unblind"}


def test_ae_ard_of_the_sdtm_route_equals_the_adam_route_cell_by_cell(out, codes, run):
    """n per arm per SOC/PT of Table 14.3.2, the SDTM route (our derivation from the pilot SDTM) against the
    ADaM route (the pilot's ADAE read as it is). One difference, explained: the 12 subjects randomized to the
    high dose who received the low dose are under low dose in ours (the arm received, DM.ACTARM) and under
    high dose in the pilot's ADaM (TRT01A = TRT01P). So placebo's cells are equal, and so is every cell of
    the two xanomeline arms together (a subject is in one arm only)."""
    sdtm_route = nonzero(incidence(ard(out / "closed/safety/ard/t_14_3_2.csv"), codes))
    adam_route = nonzero(incidence(ard(run / "results" / ROUTE / "analysis/ard/t_14_3_2.csv"), codes))
    assert len(adam_route) > 250 and {arm for arm, _, _ in adam_route} == set(ARMS)
    # our TEAE rule (onset on or after the first patch, partial dates imputed by the admiral rules) flags the
    # same 1126 of the 1191 AEs as the pilot's TRTEMFL = Y, and both code SOC/PT as the SDTM
    def by_cell(cells, arms):
        out = {}
        for (arm, soc, pt), n in cells.items():
            if arm in arms:
                out[(soc, pt)] = out.get((soc, pt), 0) + n
        return out
    assert by_cell(sdtm_route, {"Placebo"}) == by_cell(adam_route, {"Placebo"})
    both = {"Xanomeline Low Dose", "Xanomeline High Dose"}
    assert by_cell(sdtm_route, both) == by_cell(adam_route, both)
    planned = adam("adsl.csv").set_index("USUBJID").TRT01P
    arm = actual().reindex(planned.index)
    moved = arm[arm != planned]
    assert len(moved) == 12 and set(moved) == {"Xanomeline Low Dose"}
    assert sdtm_route != adam_route                                   # the 12 subjects, as explained
