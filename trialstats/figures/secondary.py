"""Figures of the secondary analyses: LS-mean change over visits, subgroup forest plots."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .common import STYLE

COLOURS = ["#1f4e79", "#c55a11", "#548235", "#7030a0"]


def g_lsmeans_over_visits(ard: pd.DataFrame, labels, visits: list[str], ylabel: str, title: str) -> plt.Figure:
    """LS-mean change from baseline by visit and arm with 95% CI (MMRM ARD)."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(9, 5))
        x = np.arange(len(visits))
        for i, lab in enumerate(labels):
            sel = ard[(ard["group1_level"] == lab) & (ard["variable_level"] == "lsmean_chg")]
            s = sel.pivot_table(index="group2_level", columns="stat_name", values="stat").reindex(visits)
            offset = (i - (len(labels) - 1) / 2) * 0.08
            ax.errorbar(x + offset, s["estimate"], yerr=[s["estimate"] - s["lower"], s["upper"] - s["estimate"]],
                        marker="o", ms=4, capsize=3, lw=1.2, color=COLOURS[i % 4], label=str(lab))
        ax.axhline(0, color="#777777", lw=0.8, ls="--")
        ax.set_xticks(x, visits)
        ax.set_ylabel(ylabel)
        ax.set_title(title, loc="left", fontsize=10)
        ax.legend(frameon=False)
        fig.tight_layout()
    return fig


def g_subgroup_forest(ard: pd.DataFrame, labels, title: str, change_label: str = "Difference in change") -> plt.Figure:
    """Two panels: responder difference (pp) and key-visit change difference by subgroup,
    with the interaction p of each subgroup variable."""
    groups = list(dict.fromkeys(ard.loc[ard["group1"] == "SUBGROUP", "group1_level"]))
    rows = []
    for g in groups:
        sel = ard[ard["group1_level"] == g]
        p_resp = sel[(sel.variable == "responder") & (sel.variable_level == "interaction")]["stat"]
        p_chg = sel[(sel.variable == "key_visit_chg") & (sel.variable_level == "interaction")]["stat"]
        rows.append((f"{g}", None, None, float(p_resp.iloc[0]) if len(p_resp) else np.nan,
                     float(p_chg.iloc[0]) if len(p_chg) else np.nan))
        for level in dict.fromkeys(sel.loc[sel["group2_level"] != "", "group2_level"]):
            lv = sel[sel["group2_level"] == level]
            get = lambda var: lv[(lv.variable == var) & (lv.variable_level == "difference")].set_index("stat_name")["stat"]  # noqa: E731
            rows.append((f"   {level}", get("responder"), get("key_visit_chg"), None, None))
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(11, 0.32 * len(rows) + 1.6), sharey=True)
        y = np.arange(len(rows))[::-1]
        for ax, k, scale, xlabel in ((axes[0], 1, 100, f"Responder difference, {labels[0]} - {labels[1]} (pp)"),
                                     (axes[1], 2, 1, change_label)):
            for yi, r in zip(y, rows):
                s = r[k]
                if s is not None and len(s):
                    ax.plot([scale * s["lower"], scale * s["upper"]], [yi, yi], color=COLOURS[0], lw=1.3)
                    ax.plot(scale * s["estimate"], yi, "s", color=COLOURS[0], ms=4)
                elif r[3] is not None:
                    p = r[3] if k == 1 else r[4]
                    ax.text(1.0, yi, f"interaction p={p:.3f}" if not np.isnan(p) else "", transform=ax.get_yaxis_transform(),
                            ha="right", va="center", fontsize=7, color="#555555")
            ax.axvline(0, color="#777777", lw=0.8, ls="--")
            ax.set_xlabel(xlabel)
        axes[0].set_yticks(y, [r[0] for r in rows])
        fig.suptitle(title, x=0.01, ha="left", fontsize=10)
        fig.tight_layout()
    return fig
