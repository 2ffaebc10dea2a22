"""The closed report's benefit-risk page, built in the report job from the ARDs it already reads (no
job of its own): the effects (ARD), the effects table and the forest-type figure, under
closed/report/benefit_risk/."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..ard.benefit_risk import benefit_risk_effects
from ..figures.benefit_risk import g_benefit_risk
from ..figures.common import save_figure
from ..io import write_csv
from ..protocol import parameter_names
from ..tables.benefit_risk import t_effects

FOLDER = "closed/report/benefit_risk"
SOURCES = {"t_14_2_1": "closed/ard/t_14_2_1_primary.csv", "t_14_2_5": "closed/secondary/ard/t_14_2_5.csv",
           "t_14_2_6": "closed/secondary/ard/t_14_2_6.csv", "t_14_2_7": "closed/secondary/ard/t_14_2_7.csv",
           "t_14_3_1": "closed/safety/ard/t_14_3_1.csv", "t_14_3_2": "closed/safety/ard/t_14_3_2.csv",
           "t_14_3_6": "closed/safety/ard/t_14_3_6.csv"}


def read_sources(root: Path) -> dict[str, pd.DataFrame]:
    """The ARDs the effects may come from (output id -> ARD), those the study has."""
    return {k: pd.read_csv(root / p, keep_default_na=False) for k, p in SOURCES.items() if (root / p).exists()}


def write_benefit_risk(root: Path, protocol: dict, arms: list[str], numbers: dict[str, str]) -> pd.DataFrame:
    """Write effects.csv (the ARD of the page), t_br.csv (the effects table) and f_br.png."""
    effects = benefit_risk_effects(read_sources(root), arms, protocol, parameter_names(protocol))
    folder = root / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(effects, folder / "effects.csv")
    write_csv(t_effects(effects, numbers), folder / "t_br.csv")
    save_figure(g_benefit_risk(effects), folder / "f_br.png", "Benefit-risk: key differences with 95% CI")
    return effects
