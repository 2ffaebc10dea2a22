"""The safety folder of one side (rules closed_safety, review_safety): the ARDs, tables and listings of
compute_safety's results, the exposure footnote, the figures, and a single-arm study's exploratory
glycaemic outcomes."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..figures.common import formats, save_figure
from ..figures.safety import safety_rule_figures
from ..io import write_csv
from ..outputs.registry import figures_of
from ..tables.exploratory import ard_exploratory, t_exploratory
from ..tables.format import readable_visits
from ..tables.safety import safety_files
from ..vocabulary import parameter_labels


def write_safety(out: Path, results: dict, context: dict, single_arm: bool, adlb: pd.DataFrame | None,
                 control: str | None, exposure_footnote: str, exts=("png",)) -> None:
    """Write ard/, tables/, listings/ and figures/ (each figure in the formats `exts`) into `out`."""
    for sub in ("ard", "tables", "listings", "figures"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    for path, frame in safety_files(results, context, single_arm).items():
        write_csv(frame, out / path)
    (out / "tables" / "t_14_1_5_footnote.txt").write_text(exposure_footnote + "\n")
    numbers = figures_of("safety", "review" if single_arm else "closed")
    for fid, make in safety_rule_figures(results, parameter_labels(adlb), control, numbers).items():
        save_figure(make(), formats(out / "figures" / fid, exts), fid)


def write_exploratory(out: Path, adeff: pd.DataFrame, adsl: pd.DataFrame, spec: dict) -> None:
    """A single-arm study's exploratory glycaemic outcomes (protocol `exploratory`): Table 14.2.e1 and its ARD."""
    ex = ard_exploratory(adeff, adsl, spec)
    write_csv(ex, out / "ard" / "t_14_2_e1.csv")
    write_csv(readable_visits(t_exploratory(ex, parameter_labels(adeff))), out / "tables" / "t_14_2_e1.csv")
