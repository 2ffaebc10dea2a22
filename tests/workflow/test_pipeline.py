"""The Snakemake workflow end to end, in a scratch copy of the project."""
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.conftest import ROOT

pytestmark = pytest.mark.workflow
PROJECT = ["Snakefile", "config.yaml", "workflow", "scripts", "data", "profiles"]


@pytest.fixture
def project(tmp_path):
    for name in PROJECT:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copyfile)(src, tmp_path / name)
    return tmp_path


def snakemake(folder: Path, *args):
    return subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2", *args], cwd=folder,
                          capture_output=True, text=True)


def planned(folder: Path, *args) -> list[tuple[str, str]]:
    """(rule, wildcards) of the jobs a dry run would execute."""
    run = snakemake(folder, "-n", *args)
    assert run.returncode == 0, run.stderr
    return re.findall(r"^rule (\w+):\n(?:    .*\n)*?    wildcards: (.*)$", run.stdout + run.stderr, re.M)


def study_cuts(jobs) -> set[str]:
    """The "study=..., cut=..." of planned jobs (other wildcards, e.g. side, left out)."""
    return {re.search(r"study=[^,]+, cut=[\d-]+", wildcards).group(0) for _, wildcards in jobs}


def digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every result file except timings."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((folder / "results").rglob("*")) if p.is_file() and "benchmarks" not in p.parts}


def set_config(folder: Path, studies: dict):
    """The project's config with other studies and cuts."""
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    (folder / "config.yaml").write_text(yaml.safe_dump({**config, "studies": studies}))


def test_default_run_writes_cut_sdtm_and_manifest_byte_identically(project, built):
    # a second default run in another folder gives the shared run's bytes (`built`: the first)
    run = snakemake(project)
    assert run.returncode == 0, run.stderr
    for study, cut in (("nct02302599", "2018-12-31"), ("nct06495437", "2026-03-31")):
        out = project / "results" / study / cut
        assert (out / "sdtm" / "dm.parquet").exists() and (out / "manifest.json").exists()
        recon = pd.read_csv(out / "sdtm" / "reconciliation.csv")
        assert (recon.RECORDS_IN == recon.RECORDS_KEPT + recon.RECORDS_REMOVED).all()
        manifest = yaml.safe_load((out / "manifest.json").read_text())
        assert manifest["data_cut"] == cut and manifest["synthetic_data"] is True
        assert all(len(f["sha256"]) == 64 for f in manifest["inputs"])
        assert not any("randomization" in f["path"] for f in manifest["inputs"])
        for name in ("adsl", "adeff", "adlb", "advs", "adae", "adex", "eligibility"):
            assert (out / "adam" / f"{name}.parquet").exists()
        for name in ("ard/consort.csv", "ard/eligibility.csv", "figures/consort.png"):
            assert (out / "open" / name).exists()
        assert not (out / "open/figures/consort.pdf").exists()          # vector copies only when asked
    closed = project / "results/nct02302599/2018-12-31/closed"
    assert (closed / "ard/consort.csv").exists() and (closed / "adam/adsl.parquet").exists()
    assert not (project / "results/nct06495437/2026-03-31/closed").exists()
    for tid in ("t_14_2_5", "t_14_2_6", "t_14_2_7", "t_14_2_8", "t_14_2_9", "t_14_2_10"):
        assert (closed / "secondary/tables" / f"{tid}.csv").exists()
        assert (closed / "secondary/ard" / f"{tid}.csv").exists()
    for fid in ("f_14_2_5", "f_14_2_6", "f_14_2_11"):
        assert (closed / "secondary/figures" / f"{fid}.png").exists()
    review = project / "results/nct06495437/2026-03-31/review/safety"
    for side in (closed / "safety", review):
        for tid in ("t_14_3_1", "t_14_3_2", "t_14_3_6", "t_14_3_10"):
            assert (side / "tables" / f"{tid}.csv").exists() and (side / "ard" / f"{tid}.csv").exists()
        assert (side / "figures/f_14_3_10.png").exists() and (side / "listings/l_16_2_1.csv").exists()
    # the primary table: 9/45 vs 2/44 and the published interval (Zang et al. 2022) in its Wald row
    primary = pd.read_csv(closed / "tables/t_14_2_1.csv", keep_default_na=False).set_index("Statistic")
    assert primary.iloc[0][["A (N=45)", "B (N=44)"]].tolist() == ["9/45 (20.0%)", "2/44 (4.5%)"]   # control last
    assert primary.loc["Difference, Wald 95% CI", "Estimate (95% CI)"] in ("15.45 (2.25, 28.66)",
                                                                            "-15.45 (-28.66, -2.25)")
    assert digest(project) == digest(built)
    assert planned(project) == []                                    # nothing left to do


def test_vector_copies_of_the_figures_when_the_config_asks(project):
    # report.figure_formats [png, pdf]: every figure-drawing job reruns (its params changed) and declares the PDFs
    (project / "vector.yaml").write_text('report: {decode_arms: false, version: "1.0", figure_formats: [png, pdf]}\n')
    run = snakemake(project, "-n", "results/nct02302599/2018-12-31/closed/figures/consort.pdf",
                    "results/nct02302599/2018-12-31/closed/figures/f_14_2_3.pdf", "--configfile", "vector.yaml")
    assert run.returncode == 0, run.stderr
    bad = project / "bad.yaml"
    bad.write_text('report: {decode_arms: false, version: "1.0", figure_formats: [pdf]}\n')   # no PNG: refused
    assert snakemake(project, "-n", "--configfile", "bad.yaml").returncode != 0


def test_split_heavy_analyses_give_the_unsplit_results(project):
    # the single-machine run (scale: 1 piece each) and a cluster-style split give the same bytes
    closed = "results/nct02302599/2018-12-31/closed"
    target = f"{closed}/tables/t_14_2_1.csv"
    files = [f"{closed}/{name}" for name in ("ard/t_14_2_1_primary.csv", "ard/t_14_2_4_tipping_point.csv",
                                             "tables/t_14_2_3.csv", "tables/t_14_2_4.csv",
                                             "tables/t_14_2_4_tipping_point.txt")]
    run = snakemake(project, target)
    assert run.returncode == 0, run.stderr
    unsplit = {f: (project / f).read_bytes() for f in files}
    (project / "split.yaml").write_text("scale: {mi_shards: 4, tipping_shards: 3}\n")
    jobs = planned(project, target, "--configfile", "split.yaml")
    shards = sorted(w for rule, w in jobs if rule == "primary_shard")
    assert len(shards) == 7 and sum("analysis=mi" in w for w in shards) == 4, shards
    run = snakemake(project, target, "--configfile", "split.yaml")
    assert run.returncode == 0, run.stderr
    for f in files:
        assert (project / f).read_bytes() == unsplit[f], f


def test_slurm_profiles_keep_the_site_settings_and_size_each_job(project, tmp_path):
    # the README's layering: a site profile (executor, account, partition) outside the project and
    # the workflow profile profiles/slurm; tests/slurm/run.sh runs it on a real Slurm
    pytest.importorskip("snakemake_executor_plugin_slurm",
                        reason="the Slurm plugin is in the [cluster] and [test] extras")
    site = tmp_path / "site"
    site.mkdir()
    (site / "config.yaml").write_text("executor: slurm\njobs: 100\nslurm-status-command: squeue\n"
                                      "default-resources:\n  slurm_account: acct\n  slurm_partition: part\n")

    def plan(*args):
        run = snakemake(project, "--profile", str(site), "--workflow-profile", "profiles/slurm", "-n", "all", *args)
        assert run.returncode == 0, run.stderr
        out = run.stdout + run.stderr
        jobs = re.findall(r"^rule (\w+):\n(?:    .*\n)*?    wildcards: (.*)\n"
                          r"(?:    priority: .*\n)?    resources: (.*)$", out, re.M)
        return {(rule, wildcards): dict(r.split("=", 1) for r in res.split(", ")) for rule, wildcards, res in jobs}

    first, retry = plan(), plan("--attempt", "2")
    scale = yaml.safe_load((ROOT / "profiles/slurm/scale.yaml").read_text())["scale"]
    assert sum(rule == "primary_shard" for rule, _ in first) == scale["mi_shards"] + scale["tipping_shards"]
    for job, res in first.items():
        assert res["slurm_account"] == "acct" and res["slurm_partition"] == "part", job
        assert int(retry[job]["mem_mb"]) == 2 * int(res["mem_mb"]) and int(res["mem_mb"]) <= 1100, job
        assert int(retry[job]["runtime"]) == 2 * int(res["runtime"]), job
    adam = {w: int(res["mem_mb"]) for (rule, w), res in first.items() if rule == "adam"}
    assert adam["study=nct02302599, cut=2018-12-31"] > adam["study=nct06495437, cut=2026-03-31"]   # 103 vs 20 subjects
    profile = yaml.safe_load((ROOT / "profiles/slurm/config.yaml").read_text())
    assert not {"executor", "jobs", "default-resources", "set-resources"} & set(profile)


def test_interrupted_run_completes_with_identical_outputs(project, built):
    # interrupted run (docs/BAD_INPUTS.md): Snakemake and its jobs killed at once (SIGKILL, as a
    # power cut) while the analyses run; then `snakemake --unlock` and `snakemake`: the bytes of the
    # uninterrupted default run (`built`)
    job = subprocess.Popen([sys.executable, "-m", "snakemake", "--cores", "2"], cwd=project, start_new_session=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    unblinded = project / "results/nct02302599/2018-12-31/closed/adam"
    deadline = time.time() + 300
    while not unblinded.exists() and job.poll() is None and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(1.5)                                    # the analyses of the closed side are running
    assert job.poll() is None, "the run ended before it could be interrupted"
    os.killpg(job.pid, signal.SIGKILL)
    job.wait()
    assert not (project / "results/nct02302599/2018-12-31/closed/report/dmc_closed_report.pdf").exists()
    assert snakemake(project, "--unlock").returncode == 0
    run = snakemake(project)
    assert run.returncode == 0, run.stderr
    assert digest(project) == digest(built)


def test_new_cut_runs_only_its_own_jobs_and_keeps_earlier_cut(project):
    study = {"data": "data/nct02302599"}
    set_config(project, {"nct02302599": {**study, "cuts": ["2017-06-30"]}})
    assert snakemake(project).returncode == 0
    before = digest(project)
    mtimes = {p: p.stat().st_mtime_ns for p in (project / "results").rglob("*") if p.is_file()}
    set_config(project, {"nct02302599": {**study, "cuts": ["2017-06-30", "2018-06-30"]}})
    assert study_cuts(planned(project)) == {"study=nct02302599, cut=2018-06-30"}
    assert snakemake(project).returncode == 0
    after = digest(project)
    assert {k: v for k, v in after.items() if k in before} == before
    assert all(p.stat().st_mtime_ns == t for p, t in mtimes.items())
    # the later cut's reports show the changes since the earlier cut; the earlier ones do not
    import pypdf
    later = project / "results/nct02302599/2018-06-30"
    for pdf in ("closed/report/dmc_closed_report.pdf", "open/report/dmc_open_report.pdf"):
        text = " ".join(page.extract_text() for page in pypdf.PdfReader(later / pdf).pages)
        assert "Changes since the last data cut (2017-06-30)" in text and "New serious adverse events" in text
        earlier = pypdf.PdfReader(project / "results/nct02302599/2017-06-30" / pdf)
        assert "Changes since the last data cut" not in " ".join(p.extract_text() for p in earlier.pages)
    # the interim cut really is an interim picture
    interim = pd.read_parquet(project / "results/nct02302599/2017-06-30/sdtm/dm.parquet")
    final = pd.read_parquet(project / "results/nct02302599/2018-06-30/sdtm/dm.parquet")
    assert len(interim) < len(final)
    # changing the cut date (the old one dropped from config) leaves the old folder in place
    set_config(project, {"nct02302599": {**study, "cuts": ["2018-09-30"]}})
    assert study_cuts(planned(project)) == {"study=nct02302599, cut=2018-09-30"}
    assert (project / "results/nct02302599/2017-06-30/manifest.json").exists()


def test_changed_input_reruns_only_that_study(project):
    assert snakemake(project).returncode == 0
    ae = project / "data/nct06495437/sdtm/ae.csv"
    ae.write_text(ae.read_text().replace("MILD", "MODERATE", 1))
    assert study_cuts(planned(project)) == {"study=nct06495437, cut=2026-03-31"}
    assert "ingest" in {job[0] for job in planned(project)}


def test_invalid_input_stops_the_run_and_points_at_the_report(project):
    dm = project / "data/nct06495437/sdtm/dm.csv"
    dm.write_text(dm.read_text().replace(",F,", ",female,", 1))
    run = snakemake(project, "--forceall", "results/nct06495437/2026-03-31/manifest.json")
    assert run.returncode != 0
    report = "results/nct06495437/2026-03-31/logs/validation_report.txt"
    assert report in run.stdout + run.stderr
    text = (project / report).read_text()
    assert "column SEX" in text and "female" in text
    assert not (project / "results/nct06495437/2026-03-31/manifest.json").exists()


@pytest.mark.parametrize("change, message", [      # docs/BAD_INPUTS.md names these by their ids
    pytest.param(lambda c: c.update(colour="red"), "Additional properties are not allowed ('colour'",
                 id="config: unknown key"),
    pytest.param(lambda c: c["studies"]["nct02302599"].update(cuts="2018-12-31"), "is not of type 'array'",
                 id="config: cuts not a list"),
    pytest.param(lambda c: c["studies"]["nct02302599"].update(cuts=["31/12/2018"]), "does not match",
                 id="config: cut date not YYYY-MM-DD"),
    pytest.param(lambda c: c["studies"]["nct06495437"].update(data="data/nowhere"),
                 "data/nowhere/protocol.yaml: protocol.yaml not found for study 'nct06495437'",
                 id="config: study folder missing"),
])
def test_bad_config_is_a_clear_error(project, change, message):
    config = yaml.safe_load((project / "config.yaml").read_text())
    change(config)
    (project / "config.yaml").write_text(yaml.safe_dump(config))
    run = snakemake(project, "-n")
    assert run.returncode != 0 and message in run.stdout + run.stderr, run.stdout + run.stderr


def test_missing_protocol_is_a_clear_error(project):          # protocol: file missing
    (project / "data/nct06495437/protocol.yaml").unlink()
    run = snakemake(project, "-n")
    assert run.returncode != 0
    assert "data/nct06495437/protocol.yaml: protocol.yaml not found for study 'nct06495437'" in run.stdout + run.stderr


def _protocol_refused(project, change) -> str:
    """What a dry run says after `change` (a function of the protocol dict) edits study 2's protocol.yaml."""
    path = project / "data/nct06495437/protocol.yaml"
    protocol = yaml.safe_load(path.read_text())
    change(protocol)
    path.write_text(yaml.safe_dump(protocol))
    run = snakemake(project, "-n")
    said = run.stdout + run.stderr
    assert run.returncode != 0
    assert "data/nct06495437/protocol.yaml is not a valid protocol file" in said, said
    return said


def test_bad_protocol_is_a_clear_error_naming_the_file(project):     # protocol: wrong type
    said = _protocol_refused(project, lambda p: p["visits"][0].update(window="seven"))
    assert "'seven' is not of type 'integer'" in said


def test_an_aesi_timed_after_a_dose_in_a_daily_study_stops_before_any_job(project):   # BAD_INPUTS 66
    said = _protocol_refused(project, lambda p: p["treatment"].update(regimen="daily"))
    assert "defined with hours_after_infusion, but treatment.regimen is daily" in said


def test_a_reaction_composite_naming_an_unknown_aesi_stops_before_any_job(project):
    said = _protocol_refused(project, lambda p: p["reactions"].update(aesi=["INFREAC", "FEVER"]))
    assert "reactions.aesi: FEVER not an id of protocol aesi (expected one of FEVER48, INFREAC" in said, said


def test_a_reaction_window_of_one_day_is_refused_by_the_schema(project):
    said = _protocol_refused(project, lambda p: p["reactions"].update(windows=[[2]]))
    assert "[2] is too short" in said, said


def _convert_sdtm(folder: Path, fmt: str):
    """Rewrite a study's SDTM CSV files as SAS XPT v5 or CDISC Dataset-JSON v1.1 (numbers of the
    spec's numeric columns as numbers, every other column as text)."""
    import pyreadstat

    from trialstats.dataset_json import write_dataset_json
    from trialstats.sdtm.spec import numeric_columns

    for path in sorted((folder / "sdtm").glob("*.csv")):
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        numeric = [c for c in numeric_columns(path.stem.upper()) if c in df]
        path.unlink()
        if fmt == "xpt":
            df[numeric] = df[numeric].apply(pd.to_numeric)
            pyreadstat.write_xport(df, str(path.with_suffix(".xpt")), table_name=path.stem.upper(),
                                   file_format_version=5)
        else:
            write_dataset_json(df.replace("", None), path.with_suffix(".json"), path.stem.upper(),
                               data_types={c: "double" for c in numeric})


def test_sdtm_as_xpt_and_as_dataset_json_give_the_csv_results(project):
    # one run of three copies of study 2: CSV (as embedded), XPT v5, Dataset-JSON v1.1
    study = yaml.safe_load((ROOT / "config.yaml").read_text())["studies"]["nct06495437"]
    for fmt in ("xpt", "json"):
        shutil.copytree(project / "data/nct06495437", project / f"data/s2{fmt}")
        _convert_sdtm(project / f"data/s2{fmt}", fmt)
    set_config(project, {name: {**study, "data": f"data/{name}"} for name in ("nct06495437", "s2xpt", "s2json")})
    run = snakemake(project)
    assert run.returncode == 0, run.stderr

    def ards(name):
        out = project / "results" / name / study["cuts"][0]
        return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.csv"))
                if "ard" in p.parts or "listings" in p.parts or p.parent.name == "adam"}
    csv = ards("nct06495437")
    assert len(csv) > 20 and any("ard" in k for k in csv)
    assert ards("s2xpt") == csv
    assert ards("s2json") == csv
