import shutil

import pytest
import yaml


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """One default pipeline run (both studies) in a scratch copy of the project, shared by the
    workflow tests that only read its outputs."""
    from tests.conftest import ROOT
    from tests.workflow.test_pipeline import PROJECT, snakemake
    folder = tmp_path_factory.mktemp("reports")
    for name in PROJECT:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copyfile)(src, folder / name)
    run = snakemake(folder)
    assert run.returncode == 0, run.stdout + run.stderr
    return folder


PILOT_STUDY = "docs/examples/cdisc_pilot_adam/study.yaml"   # the README's ADaM example, run as documented


@pytest.fixture(scope="session")
def pilot_adam(tmp_path_factory):
    """The CDISC pilot ADaM study of docs/examples/cdisc_pilot_adam/study.yaml, run once with
    --configfile (the README's command) in a scratch copy of the project, its folder pointed at
    ../shared/reference in place; shared by every workflow test of the ADaM route. Returns the
    study's results folder."""
    from tests.conftest import ROOT, SHARED_REFERENCE
    from tests.workflow.test_pipeline import PROJECT, snakemake
    pilot = SHARED_REFERENCE / "cdisc_pilot"
    if not pilot.exists():
        pytest.skip(f"CDISC pilot ADaM not found at {pilot} (../shared/reference is present in CI, not in a "
                    "user's clone)")
    folder = tmp_path_factory.mktemp("pilot")
    for name in PROJECT:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copyfile)(src, folder / name)
    study = yaml.safe_load((ROOT / PILOT_STUDY).read_text())
    for cfg in study["adam_studies"].values():
        cfg["folder"] = str(pilot)
    (folder / "study.yaml").write_text(yaml.safe_dump(study, sort_keys=False))
    run = snakemake(folder, "results/cdiscpilot/report/adam_report.pdf", "results/cdiscpilot/report/rtf",
                    "--configfile", "study.yaml")
    assert run.returncode == 0, run.stdout + run.stderr
    return folder / "results/cdiscpilot"
