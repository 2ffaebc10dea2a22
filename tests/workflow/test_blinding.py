"""Blinding by construction: the open side's job graph never reads the randomization key, and
no open output carries an arm name or code."""
import io
import re

import pandas as pd
import pytest

from tests.conftest import STUDY1
from tests.workflow.test_pipeline import project, snakemake  # noqa: F401 (fixture)

pytestmark = pytest.mark.workflow


def jobs(folder, target):
    """(rule, inputs, wildcards) of every job a forced dry run of `target` would execute."""
    run = snakemake(folder, "-n", "--forceall", target)
    assert run.returncode == 0, run.stdout + run.stderr
    text = run.stdout + run.stderr
    found = re.findall(r"^rule (\w+):\n((?:    .*\n)*)", text, re.M)
    out = []
    for rule, body in found:
        inputs = re.search(r"^    input: (.*)$", body, re.M)
        wildcards = re.search(r"^    wildcards: (.*)$", body, re.M)
        out.append((rule, inputs.group(1) if inputs else "", wildcards.group(1) if wildcards else ""))
    return out


def test_no_job_upstream_of_the_open_outputs_reads_the_key(project):  # noqa: F811
    open_jobs = jobs(project, "open")
    assert {"ingest", "adam", "open_flow"} <= {rule for rule, _, _ in open_jobs}
    assert not [j for j in open_jobs if "randomization" in j[1]]
    # the check can fail: the full graph does read the key, in the unblinding rule only
    readers = {rule for rule, inputs, _ in jobs(project, "all") if "randomization.csv" in inputs}
    assert readers == {"unblind"}


def test_single_arm_study_has_no_unblinding_job(project):  # noqa: F811
    all_jobs = jobs(project, "all")
    assert not [j for j in all_jobs if j[0] == "unblind" and "nct06495437" in j[2]]
    assert [j for j in all_jobs if j[0] == "unblind" and "nct02302599" in j[2]]


def test_open_outputs_name_no_arm(project):  # noqa: F811
    assert snakemake(project, "open").returncode == 0
    key = pd.read_csv(STUDY1 / "randomization.csv", dtype=str)
    secrets = sorted(set(key.ARM) | set(key.ARMCD))
    base = project / "results" / "nct02302599" / "2018-12-31"
    files = [base / "manifest.json", *sorted((base / "sdtm").iterdir()), *sorted((base / "adam").iterdir()),
             *sorted((base / "open").rglob("*.*"))]
    assert len(files) > 15 and not (base / "closed").exists()
    scanned = 0
    for path in files:
        if path.suffix == ".parquet":
            buf = io.StringIO()
            pd.read_parquet(path).to_csv(buf)
            text = buf.getvalue()
        elif path.suffix in (".csv", ".json", ".txt"):
            text = path.read_text()
        else:
            continue
        scanned += 1
        assert not [s for s in secrets if s in text], path
    assert scanned > 10
    for ard in (base / "open" / "ard").glob("*.csv"):
        groups = set(pd.read_csv(ard, keep_default_na=False)[["group1", "group2"]].stack())
        assert not groups & {"TRT01P", "TRT01A", "TRTP", "TRTA", "TRTCODE", "ARM", "ARMCD"}, ard


def test_no_open_column_is_a_function_of_the_arm(built):
    """The attacker on study 1 (tests/support/attack.py): with the key beside them, no column of a blinded
    ADaM dataset or of an open output with subject rows (the listings; the other open CSVs are pooled
    counts) splits the randomized subjects into arm-pure groups; the dose columns are blank or one value
    (CUMDOSE one value per dose received). The attacker does find a dose that names the arm."""
    from tests.support.attack import arm_pure_columns, dose_columns
    arms = pd.read_csv(STUDY1 / "randomization.csv", dtype=str).set_index("USUBJID")["ARM"]
    base = built / "results" / "nct02302599" / "2018-12-31"
    files = sorted((base / "adam").glob("*.parquet")) + sorted((base / "open").rglob("*.csv"))
    leaks, doses, with_subjects = {}, {}, 0
    for path in files:
        frame = pd.read_parquet(path) if path.suffix == ".parquet" else \
            pd.read_csv(path, dtype=str, keep_default_na=False)
        subject = next((c for c in ("USUBJID", "Subject") if c in frame), None)
        if subject is None:
            continue
        with_subjects += 1
        name = str(path.relative_to(base))
        found = arm_pure_columns(frame, subject, arms)
        if found:
            leaks[name] = found
        randomized = frame[frame[subject].isin(arms.index)]
        for col in dose_columns(frame):
            values = pd.to_numeric(randomized[col].replace("", None), errors="coerce")
            if col == "CUMDOSE":
                values = values / pd.to_numeric(randomized["NINF"], errors="coerce")
            if values.dropna().round(9).nunique() > 1:
                doses[f"{name}:{col}"] = sorted(values.dropna().unique())[:5]
    assert leaks == {} and doses == {}
    assert with_subjects >= 8                    # the seven blinded datasets and the open listings
    assert {"EXDOSE", "EXDOSU"} <= set(dose_columns(pd.read_parquet(base / "adam" / "adex.parquet")))
    adex = pd.read_parquet(base / "adam" / "adex.parquet")     # the attacker can win: a dose 0 for placebo
    planted = adex.assign(EXDOSE=adex["USUBJID"].map(arms).eq("Placebo").map({True: 0.0, False: 1.5}))
    assert set(arm_pure_columns(planted, "USUBJID", arms)) == {"EXDOSE"}


def test_the_html_report_holds_one_side_only(built):
    """`snakemake --report` embeds the PDFs of one side (config html_report, open by default): the open
    session's HTML embeds no closed material (the rules' code names every file; the files themselves are
    embedded base64), the closed one no open material."""
    import base64

    def html(name, *config):
        run = snakemake(built, "--report", name, *config)
        assert run.returncode == 0, run.stderr
        return (built / name).read_text(errors="replace")

    def embedded(report, path):
        return base64.b64encode((built / "results" / path).read_bytes()[:3000]).decode()[:2000] in report

    open_pdf, closed_pdf = ("nct02302599/2018-12-31/open/report/dmc_open_report.pdf",
                            "nct02302599/2018-12-31/closed/report/dmc_closed_report.pdf")
    review_pdf = "nct06495437/2026-03-31/review/report/safety_review_report.pdf"
    opened = html("open.html")
    assert embedded(opened, open_pdf) and embedded(opened, review_pdf) and not embedded(opened, closed_pdf)
    closed = html("closed.html", "--config", "html_report=closed")
    assert embedded(closed, closed_pdf) and not embedded(closed, open_pdf)
