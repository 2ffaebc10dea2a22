"""A whole study from an ADaM folder the pipeline did not derive: the public CDISC pilot (read in
place, chemistry and haematology together). One pipeline run shared by every test of this
module; each count is checked against an independent count made here with plain pandas on the
pilot's own files (never copied from our output)."""
import re

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from tests.conftest import ROOT, SHARED_REFERENCE
from tests.workflow.test_pipeline import PROJECT, snakemake

PILOT = SHARED_REFERENCE / "cdisc_pilot"
pytestmark = [pytest.mark.workflow,
              pytest.mark.skipif(not PILOT.exists(), reason=f"CDISC pilot ADaM not found at {PILOT} "
                                 "(../shared/reference is present in CI, not in a user's clone)")]
ARMS = ["Xanomeline Low Dose", "Xanomeline High Dose", "Placebo"]   # by TRT01AN (54, 81), the control last
STUDY = {"folder": str(PILOT), "arm": "TRT01A", "control": "Placebo", "datasets": {"adlb": ["adlbc", "adlbh"]},
         "baseline_tests": {"categorical": "chisq", "continuous": "anova"}}


@pytest.fixture(scope="module")
def pilot(pilot_adam):
    """The pilot as an ADaM study (docs/examples/cdisc_pilot_adam/study.yaml), run once per session."""
    return pilot_adam


def pdf_text(pdf) -> str:
    """The text of a PDF (pypdf: no system tool needed)."""
    import pypdf
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)


def raw(name):
    return pd.read_csv(PILOT / name, low_memory=False)


def table(out, name):
    return pd.read_csv(out / "analysis/tables" / f"{name}.csv", dtype=str, keep_default_na=False)


def ard(out, name):
    return pd.read_csv(out / "analysis/ard" / f"{name}.csv", keep_default_na=False)


def n_of(cell: str) -> int:
    return int(cell.split(" ")[0])


def test_report_and_rtf_exist_and_name_the_files_not_used(pilot):
    pdf = pilot / "report/adam_report.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    rtf = {p.stem for p in (pilot / "report/rtf").glob("*.rtf")}
    assert {"t_14_1_1", "t_14_1_2", "t_14_1_4", "t_14_3_1", "t_14_3_2", "t_14_3_8_1", "t_14_3_8_2", "t_14_3_9_1",
            "t_14_3_9_2", "t_14_3_10"} <= rtf
    text = pdf_text(pdf)
    assert "ADaM files not used: adlbhy.csv.gz." in " ".join(text.split())     # adcibc, adtte: efficacy
    assert "Page 1 of" in text and "Provenance" in text
    files = pd.read_csv(pilot / "analysis/listings/input_files.csv")
    assert set(files.loc[files.Used != "yes", "File"]) == {"adlbhy.csv.gz"}


def test_arms_in_the_order_of_their_numeric_code_control_last(pilot):
    adsl = raw("adsl.csv")
    n = adsl[adsl.SAFFL == "Y"].groupby("TRT01A").size()
    overview = table(pilot, "t_14_3_1")
    assert list(overview.columns[1:4]) == [f"{a} (N={n[a]})" for a in ARMS]
    codes = adsl.drop_duplicates("TRT01A").set_index("TRT01A").TRT01AN
    assert sorted(codes.index, key=lambda a: (a == STUDY["control"], codes[a])) == ARMS


def test_populations_and_disposition_match_adsl(pilot):
    adsl = raw("adsl.csv")
    pops = table(pilot, "t_14_1_1").set_index("Population")
    for flag, label in (("ITTFL", "Intent-to-treat"), ("SAFFL", "Safety"), ("EFFFL", "Efficacy"),
                        ("COMP24FL", "Completers of week 24")):
        counts = adsl[adsl[flag] == "Y"].groupby("TRT01P").size()
        row = pops.loc[f"{label} ({flag})"]
        assert [n_of(row[c]) for c in pops.columns[:3]] == [counts.get(a, 0) for a in ARMS], flag
        assert n_of(row.iloc[3]) == counts.sum()
    disp = table(pilot, "t_14_1_2").set_index("Status")
    stopped = adsl[adsl.EOSSTT == "DISCONTINUED"]
    assert [n_of(disp.loc["Discontinued"].iloc[i]) for i in range(3)] == \
        [len(stopped[stopped.TRT01P == a]) for a in ARMS]
    for reason, k in stopped.DCSREAS.value_counts().items():
        assert n_of(disp.loc[f"    {reason}"].iloc[3]) == k


def test_demographics_counts_means_and_tests_match_adsl(pilot):
    adsl = raw("adsl.csv")
    adsl = adsl[adsl.ITTFL == "Y"]
    demo = ard(pilot, "t_14_1_4")

    def stat(var, arm, name, level=""):
        sel = demo[(demo.variable == var) & (demo.group1_level == arm) & (demo.stat_name == name)
                   & (demo.variable_level == level)]
        assert len(sel) == 1, (var, arm, name, level)
        return float(sel.stat.iloc[0])
    for arm in ARMS:
        g = adsl[adsl.TRT01P == arm]
        assert stat("AGE", arm, "mean") == pytest.approx(g.AGE.mean(), rel=1e-12)
        assert stat("AGE", arm, "sd") == pytest.approx(g.AGE.std(), rel=1e-12)
        for sex, k in g.SEX.value_counts().items():
            assert stat("SEX", arm, "n", sex) == k
        for race, k in g.RACE.value_counts().items():
            assert stat("RACE", arm, "n", race) == k
    assert stat("AGE", "Total", "mean") == pytest.approx(adsl.AGE.mean(), rel=1e-12)
    # the tests, computed here another way: ANOVA as an F ratio by hand, chi-square from the table
    groups = [adsl.loc[adsl.TRT01P == a, "AGE"].to_numpy(float) for a in ARMS]
    grand = np.concatenate(groups).mean()
    between = sum(len(g) * (g.mean() - grand) ** 2 for g in groups) / 2
    within = sum(((g - g.mean()) ** 2).sum() for g in groups) / (len(adsl) - 3)
    p_age = stats.f.sf(between / within, 2, len(adsl) - 3)
    tests = demo[demo.group1 == "TEST"].set_index("variable").stat
    assert tests["AGE"] == pytest.approx(p_age, rel=1e-9)
    observed = pd.crosstab(adsl.SEX, adsl.TRT01P).to_numpy(float)
    expected = observed.sum(1, keepdims=True) * observed.sum(0, keepdims=True) / observed.sum()
    assert tests["SEX"] == pytest.approx(stats.chi2.sf(((observed - expected) ** 2 / expected).sum(), 2), rel=1e-9)


def test_ae_counts_match_adae(pilot):
    adae = raw("adae.csv")
    te = adae[adae.TRTEMFL == "Y"]
    overview = table(pilot, "t_14_3_1").set_index("Category")
    any_teae = te.groupby("TRTA").USUBJID.nunique()
    assert [n_of(overview.loc["Any TEAE"].iloc[i]) for i in range(3)] == [any_teae[a] for a in ARMS]
    soc_pt = ard(pilot, "t_14_3_2")
    cells = soc_pt[(soc_pt.stat_name == "n") & (soc_pt.group1 == "ARM")]
    ours = {(r.group2_level, r.variable_level, r.group1_level): int(r.stat) for r in cells.itertuples()
            if r.group2_level != "ANY" and r.stat > 0}
    theirs = {(soc, "ANY", arm): n for (soc, arm), n in te.groupby(["AEBODSYS", "TRTA"]).USUBJID.nunique().items()}
    theirs |= {k: n for k, n in te.groupby(["AEBODSYS", "AEDECOD", "TRTA"]).USUBJID.nunique().items()}
    assert ours == theirs


def test_every_analyte_summarised_by_visit_with_the_pilots_counts(pilot):
    lab = pd.concat([raw("adlbc.csv.gz"), raw("adlbh.csv.gz")])
    lab["AVISIT"] = lab.AVISIT.str.strip()
    analytes = lab.groupby("PARAMCD").A1HI.count().loc[lambda s: s > 0].index       # those with a normal range
    assert len(analytes) == 30
    summary = ard(pilot, "t_14_3_8")
    assert set(summary.variable) == set(analytes)
    ours = summary[(summary.stat_name == "n") & (summary.variable_level == "AVAL")]
    ours = {(r.variable, r.group2_level, r.group1_level): int(r.stat) for r in ours.itertuples()}
    scheduled = lab[lab.PARAMCD.isin(analytes) & (lab.AVISIT != ".") & lab.AVAL.notna()]
    theirs = scheduled.groupby(["PARAMCD", "AVISIT", "TRTA"]).size().to_dict()
    assert ours == theirs
    labels = dict(zip(lab.PARAMCD, lab.PARAM))
    chem, hem = table(pilot, "t_14_3_8_1"), table(pilot, "t_14_3_8_2")
    assert {labels[p] for p in analytes if lab[lab.PARAMCD == p].PARCAT1.iloc[0] == "CHEM"} == \
        set(chem.Parameter) - {""}
    assert len({labels[p] for p in analytes} - set(chem.Parameter) - set(hem.Parameter)) == 0


def test_default_shift_window_and_indicator_match_an_independent_count():
    """The default (no `labs` in the config): every post-baseline record on or after the first dose and
    the data's ANRIND, lowest and highest category per subject (the pilot's study.yaml declares its own
    window and range: tests/workflow/test_adam_labs.py)."""
    from trialstats.adam.inputs import load_adam_folder
    from trialstats.adam.standardize import standardize_adsl, standardize_bds
    from trialstats.ard.safety import ard_shift
    lab = pd.concat([raw("adlbc.csv.gz"), raw("adlbh.csv.gz")])
    lab = lab[lab.A1HI.notna() | lab.A1LO.notna()]
    rank = {"L": 0, "N": 1, "H": 2}
    base = lab[lab.ABLFL == "Y"].groupby(["PARAMCD", "USUBJID"]).ANRIND.last().map(rank)
    post = lab[(lab.ABLFL != "Y") & (lab.ADY >= 1) & lab.ANRIND.notna()]
    worst = post.ANRIND.map(rank).groupby([post.PARAMCD, post.USUBJID]).agg(["min", "max"])
    arm = raw("adsl.csv").set_index("USUBJID").TRT01A
    names = dict(enumerate(["LOW", "NORMAL", "HIGH"]))
    theirs = {}
    for direction, how in (("WORST LOW", "min"), ("WORST HIGH", "max")):
        both = pd.DataFrame({"BASE": base, "POST": worst[how]}).dropna().reset_index()
        both["ARM"] = both.USUBJID.map(arm)
        for (p, a, b, c), n in both.groupby(["PARAMCD", "ARM", "BASE", "POST"]).size().items():
            theirs[(p, a, names[b], f"{direction}: {names[c]}")] = n
    data = load_adam_folder(PILOT, {"adlb": ["adlbc", "adlbh"]}, "TRT01A").datasets
    adsl = standardize_adsl(data["adsl"], "TRT01A")
    lb = standardize_bds(data["adlb"], adsl, None, post_by_day=True)
    shift = ard_shift(lb, sorted({k[0] for k in theirs}), "Placebo")
    cells = shift[shift.group1 == "ARM"]
    ours = {(r.variable, r.group1_level, r.group2_level, r.variable_level): int(r.stat) for r in cells.itertuples()}
    assert ours == theirs
    assert len({k[0] for k in ours}) == 30


def test_hys_law_screen_matches_peaks_from_the_raw_values(pilot):
    lab = raw("adlbc.csv.gz")
    post = lab[lab.PARAMCD.isin(["ALT", "AST", "BILI"]) & (lab.ABLFL != "Y") & (lab.ADY >= 1)]
    peak = (post.AVAL / post.A1HI).groupby([post.USUBJID, post.PARAMCD]).max().unstack()
    arm = raw("adsl.csv").set_index("USUBJID").TRT01A
    three = peak[["ALT", "AST"]].max(axis=1) >= 3
    counts = three[three].index.map(arm).value_counts()
    screen = table(pilot, "t_14_3_10").set_index("Category")
    assert [n_of(screen.loc["ALT or AST >= 3 x ULN"].iloc[i]) for i in range(3)] == [counts.get(a, 0) for a in ARMS]


def test_haematology_alone_vital_signs_and_labs_absent_do_not_crash(tmp_path):
    import shutil
    for name in PROJECT:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copyfile)(src, tmp_path / name)
    adam = tmp_path / "adam"
    adam.mkdir()
    adsl = raw("adsl.csv")
    keep = set(adsl.USUBJID[:30])
    adsl[adsl.USUBJID.isin(keep)].to_csv(adam / "adsl.csv", index=False)
    adae = raw("adae.csv")
    adae[adae.USUBJID.isin(keep)].to_csv(adam / "adae.csv", index=False)
    hem = raw("adlbh.csv.gz")
    hem[hem.USUBJID.isin(keep)].to_csv(adam / "adlbh.csv", index=False)
    subjects = sorted(keep)                        # vital signs: systolic BP 120 at baseline, 110 at week 2
    pd.DataFrame([dict(USUBJID=u, PARAMCD="SYSBP", PARAM="Systolic BP (mmHg)", AVISIT=v, AVISITN=n, AVAL=a,
                       BASE=120, CHG=a - 120 if n else None, ABLFL="Y" if n == 0 else "", ADY=14 * n)
                  for u in subjects for v, n, a in (("Baseline", 0, 120), ("Week 2", 1, 110))]).to_csv(
        adam / "advs.csv", index=False)
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["adam_studies"] = {"hemonly": {"folder": str(adam), "arm": "TRT01A", "control": "Placebo",
                                          "datasets": {"adlb": "adlbh"}},
                              "nolabs": {"folder": str(adam), "arm": "TRT01A"}}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    run = snakemake(tmp_path, *(f"results/{s}/report/adam_report.pdf" for s in ("hemonly", "nolabs")))
    assert run.returncode == 0, run.stdout + run.stderr
    hys = pd.read_csv(tmp_path / "results/hemonly/analysis/tables/t_14_3_10.csv")
    assert hys.Category.iloc[0].startswith("Not assessable: the laboratory data have no ALT")
    assert (tmp_path / "results/hemonly/analysis/figures/f_14_3_8_1a.png").exists()   # 12 analytes: 2 figures
    vs = pd.read_csv(tmp_path / "results/hemonly/analysis/ard/t_14_3_11.csv")
    change = vs[(vs.variable_level == "CHG") & (vs.stat_name == "mean")]
    assert set(change.stat) == {-10.0} and set(change.group2_level) == {"Week 2"}
    text = pdf_text(tmp_path / "results/hemonly/report/adam_report.pdf")
    assert re.search(r"Table 14\.\d+\.\d+ Vital signs by visit", text)      # the laboratory section, reading order
    assert not (tmp_path / "results/nolabs/analysis/tables/t_14_3_8.csv").exists()
    files = pd.read_csv(tmp_path / "results/nolabs/analysis/listings/input_files.csv")
    assert files.loc[files.File == "adlbh.csv", "Used"].iloc[0].startswith("no")


def test_a_mistyped_control_stops_the_run_with_the_reason_in_the_log(tmp_path):
    import shutil
    for name in PROJECT:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copyfile)(src, tmp_path / name)
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["adam_studies"] = {"typo": {**STUDY, "control": "placebo"}}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    run = snakemake(tmp_path, "results/typo/analysis")
    assert run.returncode != 0
    reason = "config.yaml adam_studies.typo control: 'placebo' is not an arm of ADSL TRT01A"
    assert reason in run.stdout + run.stderr
    assert reason in (tmp_path / "results/typo/logs/adam_study.log").read_text()


def test_report_and_rtf_byte_identical_on_a_rerun(pilot):
    files = sorted((pilot / "report").rglob("*.rtf")) + [pilot / "report/adam_report.pdf"]
    before = {p: p.read_bytes() for p in files}
    run = snakemake(pilot.parents[1], "--forcerun", "adam_report", "results/cdiscpilot/report/adam_report.pdf",
                    "results/cdiscpilot/report/rtf", "--configfile", "study.yaml")
    assert run.returncode == 0, run.stderr
    assert {p: p.read_bytes() for p in files} == before
