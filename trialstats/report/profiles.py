"""Patient profiles and narratives of one side, written by a job that already reads the ADaM (rules
closed_safety and review_safety; open_flow where the protocol wants an open variant, narratives.open):
the files of ard.narratives.profile_files and a timeline figure per subject, under `<folder>/profiles/`."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..ard.narratives import profile_files
from ..figures.common import save_figure
from ..figures.profile import g_profile
from ..io import write_csv


def write_profiles(folder: Path, adam: dict[str, pd.DataFrame], sdtm: dict[str, pd.DataFrame], aesi: list[str],
                   arm_column: str | None, cut: str, regimen_word: str, selecting_only: bool = False) -> int:
    """Write the profiles of the subjects the narrative rule selects into `folder`/profiles (by arm where
    `arm_column` names one: ADSL's ARM_, the arm as the closed outputs label it; none on the open and review
    sides; `selecting_only`: the open variant, ard.narratives.profile_files); the number of subjects."""
    files, timelines = profile_files(adam["adsl"], adam["adae"], adam.get("adlb"), adam["adex"], sdtm.get("cm"),
                                     sdtm.get("mh"), aesi, arm_column, cut, regimen_word, selecting_only)
    out = Path(folder) / "profiles"
    (out / "figures").mkdir(parents=True, exist_ok=True)
    for name, frame in files.items():
        write_csv(frame, out / name)
    for subject, records in timelines.items():
        save_figure(g_profile(subject, **records), out / "figures" / f"{subject}.png", f"Patient profile {subject}")
    return len(timelines)
