"""Figure of the stopping guidelines: cumulative subjects with the event against the boundary."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator
import pandas as pd
from matplotlib.lines import Line2D

from ..arms import POOLED_COLOUR, arm_colours, order_arms
from .common import PRINT_HEIGHT_IN, PRINT_WIDTH_IN, STYLE


def g_safety_boundaries(paths: pd.DataFrame, labels: dict[str, str], pooled: str,
                        control: str | None = None) -> plt.Figure:
    """A panel per rule (rows) and group (columns): the data replayed by date, subjects with the event
    against subjects dosed by then (solid), and the count at which the rule triggers (dashed grey,
    from the rule's first evaluated subject on); where the solid line first reaches the dashed one
    the rule is crossed (marked: the first crossing of Table G.1). Arms in the study's colours, the
    pooled group black; one group alone (a single-arm study): the rules side by side."""
    events = list(dict.fromkeys(paths["event"]))
    groups = list(dict.fromkeys(paths["group"]))
    groups = order_arms([g for g in groups if g != pooled], control) + [g for g in groups if g == pooled]
    colours = arm_colours([g for g in groups if g != pooled], control) | {pooled: POOLED_COLOUR}
    shape = (len(events), len(groups)) if len(groups) > 1 else (1, len(events))
    with plt.rc_context(STYLE):
        fig, grid = plt.subplots(*shape, figsize=(min(PRINT_WIDTH_IN, 3.3 * shape[1] + 0.6),
                                                  min(PRINT_HEIGHT_IN, 2.5 * shape[0] + 0.4)), squeeze=False,
                                 sharex="col" if len(groups) > 1 else "none")
        axes = grid if len(groups) > 1 else grid.T
        for r, event in enumerate(events):
            top = np.nanmax(paths.loc[paths["event"] == event, ["cumulative_events", "boundary"]].to_numpy(float)) + 1
            for c, group in enumerate(groups):
                ax = axes[r][c]
                g = paths[(paths["event"] == event) & (paths["group"] == group)]
                colour = colours[group]
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
                if r == len(events) - 1 or len(groups) == 1:
                    ax.set_xlabel("Subjects dosed by then (data replayed by date)")
                if c == 0 and (r == 0 or len(groups) > 1):
                    ax.set_ylabel("Subjects with the event")
        handles, names = [], []
        for ax in axes.flat:
            for h, n in zip(*ax.get_legend_handles_labels()):
                if n not in names:      # the event line in black: its colour is the group's
                    handles.append(Line2D([], [], color="black", lw=1.8) if n == "subjects with the event" else h)
                    names.append(n)
        fig.legend(handles, names, loc="lower center", ncol=len(names), frameon=False, fontsize=8)
        fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


AXES = {"score": ("patients analysed", "One-sided score z"), "logrank": ("events", "One-sided log-rank z"),
        "mean_difference": ("patients analysed", "One-sided z of the difference")}


def g_gs_boundaries(efficacy: pd.DataFrame, statistic: str = "score") -> plt.Figure:
    """The group-sequential monitoring on the z scale against the information fraction: the design's
    efficacy boundary and non-binding futility boundary at its planned looks (dashed), the boundary of
    each look analysed (triangles) and the observed z (dots joined in order)."""
    design = efficacy[(efficacy["group1"] == "DESIGN") & (efficacy["group1_level"] != "overall")]
    wide = design.pivot(index="group1_level", columns="stat_name", values="stat").apply(pd.to_numeric, errors="coerce")
    wide = wide.sort_values("information_fraction")
    looks = efficacy[efficacy["group1"].isin(["LOOK", "ANALYSIS"])]
    analysed = looks[looks["stat_name"].isin(["information_fraction", "boundary_z", "z"])]
    analysed = analysed.pivot(index="group1_level", columns="stat_name", values="stat").apply(pd.to_numeric,
                                                                                           errors="coerce")
    analysed = analysed.sort_values("information_fraction")
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(min(PRINT_WIDTH_IN, 6.5), 3.6))
        ax.plot(wide["information_fraction"], wide["boundary_z"], "o--", color="#777777", lw=1.0,
                label="design: efficacy boundary")
        futility = wide.dropna(subset=["futility_z"])
        if len(futility):
            ax.plot(futility["information_fraction"], futility["futility_z"], "s:", color="#0072B2", lw=1.0,
                    label="design: futility (non-binding)")
        ax.plot(analysed["information_fraction"], analysed["boundary_z"], "v", color="#D55E00", ms=8,
                label="boundary of the look analysed")
        ax.plot(analysed["information_fraction"], analysed["z"], "o-", color="black", lw=1.5, label="observed z")
        ax.axhline(0, color="#BBBBBB", lw=0.6)
        ax.set_xlim(0, 1.05)
        unit, label = AXES[statistic]
        ax.set_xlabel(f"Information fraction ({unit} of the planned)")
        ax.set_ylabel(label)
        ax.legend(loc="upper right", frameon=False, fontsize=8)
        fig.tight_layout()
    return fig
