"""The figures of the efficacy analyses of a study given as an ADaM folder: a Kaplan-Meier figure
with the number at risk per time-to-event analysis (tables.adam_efficacy.run_efficacy's `km`)."""
from __future__ import annotations

from ..arms import arm_colours
from .survival import km_figure


def efficacy_figures(km: dict) -> dict:
    """{figure id: make()} of the time-to-event analyses."""
    return {fid: (lambda steps=steps, arms=arms, control=control, codes=codes, unit=unit, title=title: km_figure(
        steps, arms, arm_colours(arms, control, codes), unit, title))
        for fid, (steps, arms, control, codes, unit, title) in km.items()}
