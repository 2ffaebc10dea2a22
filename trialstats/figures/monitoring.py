"""Figure of the stopping guidelines: cumulative subjects with the event against the boundary."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator
import pandas as pd

from .common import STYLE

# Okabe-Ito (colour-blind safe); the pooled group in black
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]


def g_safety_boundaries(paths: pd.DataFrame, labels: dict[str, str], pooled: str) -> plt.Figure:
    """A panel per rule (rows) and group (columns): cumulative subjects with the event over subjects
    dosed in order of first dose (solid) and the count at which the rule triggers (dashed grey, from
    the rule's first evaluated subject on); where the solid line reaches the dashed one the rule is
    crossed (marked)."""
    events = list(dict.fromkeys(paths["event"]))
    groups = list(dict.fromkeys(paths["group"]))
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(len(events), len(groups), figsize=(3.3 * len(groups) + 0.6, 2.5 * len(events) + 0.4),
                                 squeeze=False, sharex="col")
        for r, event in enumerate(events):
            top = np.nanmax(paths.loc[paths["event"] == event, ["cumulative_events", "boundary"]].to_numpy(float)) + 1
            for c, group in enumerate(groups):
                ax = axes[r][c]
                g = paths[(paths["event"] == event) & (paths["group"] == group)]
                colour = "black" if group == pooled else PALETTE[c % len(PALETTE)]
                ax.step(g["enrolled"], g["boundary"], where="post", color="#777777", lw=1.0, ls="--",
                        label="stopping boundary")
                ax.step(g["enrolled"], g["cumulative_events"], where="post", color=colour, lw=1.8,
                        label="subjects with the event")
                hit = np.flatnonzero(g["cumulative_events"].to_numpy() >= g["boundary"].to_numpy())
                if len(hit):
                    first = g.iloc[hit[0]]
                    ax.plot(first["enrolled"], first["cumulative_events"], "v", color="#D55E00", ms=8,
                            label="boundary reached")
                ax.set_ylim(0, top)
                ax.yaxis.set_major_locator(MaxNLocator(integer=True))
                ax.set_title(f"{labels.get(event, event)}: {group}", loc="left", fontsize=8.5)
                if r == len(events) - 1:
                    ax.set_xlabel("Subjects dosed, in order of first dose")
                if c == 0:
                    ax.set_ylabel("Subjects with the event")
        handles, names = [], []
        for ax in axes.flat:
            for h, n in zip(*ax.get_legend_handles_labels()):
                if n not in names:
                    handles.append(h)
                    names.append(n)
        fig.legend(handles, names, loc="lower center", ncol=len(names), frameon=False, fontsize=8)
        fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig
