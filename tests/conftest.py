import shutil
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED_REFERENCE = ROOT.parent / "shared" / "reference"
STUDY1, STUDY2 = ROOT / "data" / "nct02302599", ROOT / "data" / "nct06495437"


@pytest.fixture
def study_copy(tmp_path):
    """A writable copy of an embedded study folder."""
    def make(src: Path = STUDY2) -> Path:
        dst = tmp_path / src.name
        shutil.copytree(src, dst)
        return dst
    return make


def protocol(folder: Path) -> dict:
    return yaml.safe_load((folder / "protocol.yaml").read_text())
