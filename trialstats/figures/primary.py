"""Figures of the primary endpoint: differences across analyses, tipping-point heat map."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from ..arms import arm_colours
from ..vocabulary import CHANGE_ANALYSES, CI_METHODS, POPULATIONS, analysis_names
from .common import PRINT_HEIGHT_IN, STYLE, favours_labels

TIPPING_CMAP = "cividis"     # perceptually uniform, colour-blind safe


def g_difference_forest(ard: pd.DataFrame, labels, title: str, spec: dict, names: dict | None = None) -> plt.Figure:
    """Figure 14.2.3: difference in response (percentage points) with 95% CI per analysis, with its
    responders n/N per arm; `labels` = (active, control), `names` PARAMCD -> name. A higher
    response favours the active arm."""
    active, control = labels
    rows = []
    for analysis, (name, population) in analysis_names(spec, names=names).items():
        sel = ard[(ard["variable"] == analysis) & (ard["group1"] == "CONTRAST") &
                  (ard["group1_level"] == f"{active} - {control}")]
        arms = ard[(ard["variable"] == analysis) & (ard["group1"] == "ARM")]
        counts = {a: arms[arms["group1_level"] == a].set_index("stat_name")["stat"] for a in labels}
        n = "; ".join(f"{a} {c['n']:.0f}/{c['N']:.0f}" for a, c in counts.items() if {"n", "N"} <= set(c.index)
                      and c["n"] == c["n"])
        for method in dict.fromkeys(sel["variable_level"]):
            s = sel[sel["variable_level"] == method].set_index("stat_name")["stat"]
            how = f"{CI_METHODS.get(method, method)}, {POPULATIONS.get(population, population).lower()}"
            rows.append((f"{name}\n[{how}{'; ' + n if n else ''}]", 100 * s["estimate"], 100 * s["lower"],
                         100 * s["upper"], active))
    return _forest(rows, f"Difference in response, {active} minus {control} (percentage points, 95% CI)",
                   title, list(labels), control, "higher")


def _forest(rows: list[tuple], xlabel: str, title: str, arms: list, control: str, better: str | None) -> plt.Figure:
    """Rows (label, estimate, lower, upper, active arm), top to bottom, each in its active arm's
    colour, the line of no difference and "Favours" labels on each side of it."""
    colours = arm_colours(arms, control)
    actives = [a for a in arms if a != control]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(10, min(PRINT_HEIGHT_IN, (0.45 if any("\n" in r[0] for r in rows) else 0.32)
                                                * len(rows) + 1.6)))
        y = np.arange(len(rows))[::-1]
        for yi, (_, est, lo, hi, arm) in zip(y, rows):
            ax.plot([lo, hi], [yi, yi], color=colours[arm], lw=1.5)
            ax.plot(est, yi, "s", color=colours[arm], ms=5)
        ax.axvline(0, color="#777777", lw=0.8, ls="--")
        ax.set_yticks(y, [r[0] for r in rows])
        ax.set_ylim(-0.6, len(rows) - 0.4)
        ax.set_xlabel(xlabel)
        favours_labels(ax, actives[0] if len(actives) == 1 else "active", control, better)
        fig.tight_layout()
    return fig


def _boundary(significant: np.ndarray) -> list:
    """Cell edges between significant and non-significant cells (imshow cells centred on integers)."""
    segments = []
    rows, cols = significant.shape
    for i in range(rows):
        for j in range(cols):
            if i + 1 < rows and significant[i, j] != significant[i + 1, j]:
                segments.append([(j - 0.5, i + 0.5), (j + 0.5, i + 0.5)])
            if j + 1 < cols and significant[i, j] != significant[i, j + 1]:
                segments.append([(j + 0.5, i - 0.5), (j + 0.5, i + 0.5)])
    return segments


def p_text(p: float, alpha: float) -> str:
    """p to 3 decimals, or 4 where 3 would round it onto the other side of alpha (0.0496, not 0.050)."""
    text = f"{p:.3f}"
    return text if (float(text) < alpha) == (p < alpha) else f"{p:.4f}"


def g_tipping_heatmap(grid: pd.DataFrame, labels, title: str, alpha: float = 0.05) -> plt.Figure:
    """Figure for Table 14.2.4: Fisher p over the assumptions on the missing patients, a
    perceptually uniform map, the p = alpha boundary and the observed (primary) cell outlined."""
    g = grid[grid["stat_name"] == "p"].assign(ka=lambda d: d["group1_level"].astype(int),
                                              kc=lambda d: d["group2_level"].astype(int))
    p = g.pivot(index="ka", columns="kc", values="stat").sort_index().sort_index(axis=1)
    values = p.to_numpy()
    cmap = plt.get_cmap(TIPPING_CMAP)
    norm = plt.Normalize(0, 2 * alpha)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(8.5, PRINT_HEIGHT_IN))
        im = ax.imshow(values, origin="lower", cmap=cmap, norm=norm, aspect="auto")
        ax.add_collection(LineCollection(_boundary(values < alpha), colors="white", linewidths=2.5))
        ax.add_collection(LineCollection(_boundary(values < alpha), colors="black", linewidths=1.2))
        small = p.size <= 15 * 15
        if small:                  # every p printed, in black or white for contrast with its cell
            for (i, j), v in np.ndenumerate(values):
                r, gr, b, _ = cmap(norm(v))
                dark = 0.2126 * r + 0.7152 * gr + 0.0722 * b < 0.5
                ax.text(j, i, p_text(v, alpha), ha="center", va="center", fontsize=8,
                        color="white" if dark else "black", fontweight="bold" if v < alpha else "normal")
            ax.set_xticks(range(p.shape[1]), p.columns)
            ax.set_yticks(range(p.shape[0]), p.index)
        if 0 in p.index and 0 in p.columns:      # observed: every missing patient a non-responder
            i, j = p.index.get_loc(0), p.columns.get_loc(0)
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="#D55E00", lw=3, zorder=3))
        ax.set_xlabel(f"Missing {labels[1]} patients assumed to respond")
        ax.set_ylabel(f"Missing {labels[0]} patients assumed to respond")
        fig.colorbar(im, ax=ax, label="Fisher exact p (two-sided)", extend="max")
        handles = [Line2D([], [], color="black", lw=1.2, label=f"boundary p = {alpha:g}"),
                   Patch(fc="none", ec="#D55E00", lw=3, label="observed: missing = non-responders")]
        if small:
            handles.append(Patch(fc="none", ec="none", label=f"bold: p < {alpha:g}"))
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3, frameon=False,
                  fontsize=8, handlelength=1.5)
        fig.tight_layout()
    return fig


def g_change_forest(ard: pd.DataFrame, labels, visit: str, xlabel: str, title: str,
                    better: str | None = "lower") -> plt.Figure:
    """Figure 14.2.3 of a continuous primary: difference in change at the key visit, each arm minus
    control (`labels` = (*actives, control)), with 95% CI per analysis (primary_change ARD)."""
    control = labels[-1]
    rows = []
    for analysis, (name, _, population) in CHANGE_ANALYSES.items():
        for lab in labels[:-1]:
            s = ard[(ard["variable"] == analysis) & (ard["group1_level"] == f"{lab} - {control}")
                    & (ard["group2_level"] == visit)].set_index("stat_name")["stat"]
            if {"estimate", "lower", "upper"} <= set(s.index):
                rows.append((f"{name} [{population}]: {lab} - {control}", s["estimate"], s["lower"], s["upper"], lab))
    return _forest(rows, f"{xlabel} (95% CI)", title, list(labels), control, better)
