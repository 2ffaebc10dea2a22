"""Figures of the primary endpoint: differences across analyses, tipping-point heat map."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..tables.primary import analysis_names
from .common import STYLE


def g_difference_forest(ard: pd.DataFrame, labels, title: str, spec: dict) -> plt.Figure:
    """Figure 14.2.3: difference in response (percentage points) with 95% CI per analysis."""
    rows = []
    for analysis, (name, population) in analysis_names(spec).items():
        sel = ard[(ard["variable"] == analysis) & (ard["group1"] == "CONTRAST") &
                  (ard["group1_level"] == f"{labels[0]} - {labels[1]}")]
        if len(sel) == 0:
            continue
        for method in dict.fromkeys(sel["variable_level"]):
            s = sel[sel["variable_level"] == method].set_index("stat_name")["stat"]
            rows.append((f"{name} [{method}, {population}]", 100 * s["estimate"], 100 * s["lower"], 100 * s["upper"]))
    return _forest(rows, f"Difference in response, {labels[0]} minus {labels[1]} (percentage points, 95% CI)",
                   title)


def _forest(rows: list[tuple], xlabel: str, title: str) -> plt.Figure:
    """Rows (label, estimate, lower, upper), top to bottom, with the line of no difference."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(10, 0.45 * len(rows) + 1.5))
        y = np.arange(len(rows))[::-1]
        for yi, (label, est, lo, hi) in zip(y, rows):
            ax.plot([lo, hi], [yi, yi], color="#1f4e79", lw=1.5)
            ax.plot(est, yi, "s", color="#1f4e79", ms=5)
        ax.axvline(0, color="#777777", lw=0.8, ls="--")
        ax.set_yticks(y, [r[0] for r in rows])
        ax.set_xlabel(xlabel)
        ax.set_title(title, loc="left", fontsize=10)
        fig.tight_layout()
    return fig


def g_tipping_heatmap(grid: pd.DataFrame, labels, title: str, alpha: float = 0.05) -> plt.Figure:
    """Figure for Table 14.2.4: Fisher p over the assumptions on the missing patients."""
    g = grid[grid["stat_name"] == "p"].assign(ka=lambda d: d["group1_level"].astype(int),
                                              kc=lambda d: d["group2_level"].astype(int))
    p = g.pivot(index="ka", columns="kc", values="stat").sort_index().sort_index(axis=1)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7, 5.5))
        im = ax.imshow(p.to_numpy(), origin="lower", cmap="RdYlGn_r", vmin=0, vmax=2 * alpha, aspect="auto")
        small = p.size <= 15 * 15
        if small:                  # small grids: every p printed; large ones: the alpha contour
            for (i, j), v in np.ndenumerate(p.to_numpy()):
                ax.text(j, i, f"{v:.3f}", ha="center", va="center", fontsize=7,
                        fontweight="bold" if v < alpha else "normal")
            ax.set_xticks(range(p.shape[1]), p.columns)
            ax.set_yticks(range(p.shape[0]), p.index)
        else:
            ax.contour(p.to_numpy(), levels=[alpha], colors="black", linewidths=1)
        ax.set_xlabel(f"Missing {labels[1]} patients assumed to respond")
        ax.set_ylabel(f"Missing {labels[0]} patients assumed to respond")
        key = f"bold: < {alpha}" if small else f"black line: p = {alpha}"
        fig.colorbar(im, ax=ax, label=f"Fisher exact p ({key})")
        ax.set_title(title, loc="left", fontsize=10)
        fig.tight_layout()
    return fig


def g_change_forest(ard: pd.DataFrame, labels, visit: str, xlabel: str, title: str) -> plt.Figure:
    """Figure 14.2.3 of a continuous primary: difference in change at the key visit, each arm minus
    control, with 95% CI per analysis (primary_change ARD)."""
    from ..tables.primary_change import ANALYSES
    rows = []
    for analysis, (name, _, population) in ANALYSES.items():
        for lab in labels[:-1]:
            s = ard[(ard["variable"] == analysis) & (ard["group1_level"] == f"{lab} - {labels[-1]}")
                    & (ard["group2_level"] == visit)].set_index("stat_name")["stat"]
            if {"estimate", "lower", "upper"} <= set(s.index):
                rows.append((f"{name} [{population}]: {lab} - {labels[-1]}", s["estimate"], s["lower"], s["upper"]))
    return _forest(rows, f"{xlabel} (95% CI)", title)
