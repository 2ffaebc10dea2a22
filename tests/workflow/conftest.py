import shutil

import pytest


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
