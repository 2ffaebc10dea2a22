"""Figure of the stopping guidelines: cumulative subjects with the event against the boundary."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from .common import STYLE

# Okabe-Ito (colour-blind safe); the pooled group in black
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]


def g_safety_boundaries(paths: pd.DataFrame, labels: dict[str, str], title: str, pooled: str) -> plt.Figure:
    """One panel per rule: for each group, cumulative subjects with the event over subjects dosed
    (solid) and the count at which the rule triggers (dashed); crossing = solid reaching dashed."""
    events = list(dict.fromkeys(paths["event"]))
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, max(len(events), 1), figsize=(4.2 * max(len(events), 1), 3.4), squeeze=False)
        for ax, event in zip(axes[0], events):
            sel = paths[paths["event"] == event]
            groups = list(dict.fromkeys(sel["group"]))
            for i, group in enumerate(groups):
                g = sel[sel["group"] == group]
                colour = "black" if group == pooled else PALETTE[i % len(PALETTE)]
                ax.step(g["enrolled"], g["cumulative_events"], where="post", color=colour, lw=1.6, label=f"{group}: events")
                ax.step(g["enrolled"], g["boundary"], where="post", color=colour, lw=1.0, ls="--",
                        label=f"{group}: stopping boundary")
            ax.set_title(labels.get(event, event), loc="left", fontsize=9)
            ax.set_xlabel("Subjects dosed (in order of first dose)")
            ax.set_ylabel("Subjects with the event")
            ax.set_ylim(bottom=0)
        axes[0][0].legend(fontsize=7, frameon=False, loc="upper left")
        fig.suptitle(title, x=0.01, ha="left", fontsize=10)
        fig.tight_layout()
    return fig
