"""Figures of the secondary analyses: LS-mean change over visits, subgroup forest plots."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..arms import arm_colours, order_arms
from ..vocabulary import level_label
from .common import PRINT_HEIGHT_IN, STYLE, arm_markers, favours_labels, visit_weeks


def dodge(i: int, n: int, span: float, step: float = 0.012) -> float:
    """The offset of the i-th of n arms on a time axis spanning `span` (`step` of it between arms),
    so error bars do not overlap."""
    return (i - (n - 1) / 2) * step * span


def week_ticks(ax, weeks, min_gap: float = 0.06) -> None:
    """A tick at every visit week, labelled where it is at least `min_gap` of the span from the last label."""
    weeks = sorted(set(weeks))
    span, labels, last = (max(weeks) - min(weeks)) or 1, [], None
    for w in weeks:
        show = last is None or w - last >= min_gap * span
        labels.append(f"{w:g}" if show else "")
        last = w if show else last
    ax.set_xticks(weeks, labels)


def g_lsmeans_over_visits(ard: pd.DataFrame, labels, visits: list[str], ylabel: str, title: str,
                          control: str | None = None) -> plt.Figure:
    """LS-mean change from baseline by visit and arm with 95% CI (MMRM ARD) on a time axis in
    weeks, from 0 at baseline; arms in the study order (control last) and colours."""
    arms = order_arms(labels, control)
    colours, markers = arm_colours(arms, control), arm_markers(arms, control)
    weeks = visit_weeks(["BASELINE", *visits])
    span = max(weeks) - min(weeks) or 1
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(9, PRINT_HEIGHT_IN))
        for i, lab in enumerate(arms):
            sel = ard[(ard["group1_level"] == lab) & (ard["variable_level"] == "lsmean_chg")]
            s = sel.pivot_table(index="group2_level", columns="stat_name", values="stat").reindex(visits)
            x = np.array(weeks) + dodge(i, len(arms), span)
            est = np.r_[0.0, s["estimate"]]
            err = [np.r_[0.0, s["estimate"] - s["lower"]], np.r_[0.0, s["upper"] - s["estimate"]]]
            ax.errorbar(x, est, yerr=err, marker=markers[lab], ms=4.5, capsize=3, lw=1.2, color=colours[lab],
                        label=str(lab))
        ax.axhline(0, color="#777777", lw=0.8, ls="--")
        week_ticks(ax, weeks, 0.03)
        ax.set_xlabel("Week (0 = baseline)")
        ax.set_ylabel(ylabel)
        ax.legend(frameon=False, title="LS mean, bars: 95% CI", fontsize=8, title_fontsize=8)
        fig.tight_layout()
    return fig


def _subgroup_rows(ard: pd.DataFrame, arms: list[str]) -> list[dict]:
    """One row per subgroup variable (its interaction p) then one per level (differences, N per arm)."""
    rows = []
    for g in dict.fromkeys(ard.loc[ard["group1"] == "SUBGROUP", "group1_level"]):
        sel = ard[ard["group1_level"] == g]
        p = {var: sel[(sel.variable == var) & (sel.variable_level == "interaction")]["stat"]
             for var in ("responder", "key_visit_chg")}
        rows.append(dict(label=g, p={k: float(v.iloc[0]) if len(v) else np.nan for k, v in p.items()}))
        for level in dict.fromkeys(sel.loc[sel["group2_level"] != "", "group2_level"]):
            lv = sel[sel["group2_level"] == level]
            diff = {var: lv[(lv.variable == var) & (lv.variable_level == "difference")].set_index("stat_name")["stat"]
                    for var in ("responder", "key_visit_chg")}
            n = {a: lv[(lv.variable == "responder") & (lv.variable_level == a) & (lv.stat_name == "N")]["stat"]
                 for a in arms}
            rows.append(dict(label=f"   {level_label(str(level))}", diff=diff,
                             n={a: int(v.iloc[0]) if len(v) else 0 for a, v in n.items()}))
    return rows


def g_subgroup_forest(ard: pd.DataFrame, labels, title: str, change_label: str = "Difference in change",
                      change_better: str | None = "lower") -> plt.Figure:
    """N per arm and two panels: responder difference (pp) and key-visit change difference by
    subgroup, with the interaction p of each subgroup variable; `labels` = (active, control)."""
    active, control = labels
    arms = order_arms(labels, control)
    colour = arm_colours(arms, control)[active]
    rows = _subgroup_rows(ard, arms)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 3, figsize=(10.5, PRINT_HEIGHT_IN), sharey=True,
                                 gridspec_kw={"width_ratios": [0.35, 1, 1]})
        y = np.arange(len(rows))[::-1]
        table = axes[0]
        table.set_xlim(0, len(arms))
        table.tick_params(axis="x", length=0, labelbottom=False, labeltop=True)
        table.set_xticks(np.arange(len(arms)) + 0.5, [f"N {a}" for a in arms])
        for side in ("left", "bottom"):
            table.spines[side].set_visible(False)
        for yi, r in zip(y, rows):
            for k, a in enumerate(arms):
                if "n" in r:
                    table.text(k + 0.5, yi, str(r["n"][a]), ha="center", va="center", fontsize=8)
        panels = ((axes[1], "responder", 100, f"Responder difference (percentage points)\n{active} - {control}, 95% CI",
                   "higher"),
                  (axes[2], "key_visit_chg", 1, f"{change_label}\n{active} - {control}, 95% CI", change_better))
        for ax, var, scale, xlabel, better in panels:
            for yi, r in zip(y, rows):
                s = r.get("diff", {}).get(var)
                if s is not None and {"estimate", "lower", "upper"} <= set(s.index):
                    ax.plot([scale * s["lower"], scale * s["upper"]], [yi, yi], color=colour, lw=1.3)
                    ax.plot(scale * s["estimate"], yi, "s", color=colour, ms=4)
                elif "p" in r and not np.isnan(r["p"][var]):
                    ax.text(1.0, yi, f"interaction p = {r['p'][var]:.3f}", transform=ax.get_yaxis_transform(),
                            ha="right", va="center", fontsize=7.5, color="#444444",
                            bbox=dict(fc="white", ec="none", pad=0.5))
            ax.axvline(0, color="#777777", lw=0.8, ls="--")
            ax.set_xlabel(xlabel, fontsize=8.5)
            ax.tick_params(axis="y", length=0)
            favours_labels(ax, active, control, better)
        table.set_yticks(y, [r["label"] for r in rows])
        table.tick_params(axis="y", length=0)
        table.set_ylim(-0.6, len(rows) - 0.4)
        for tick, r in zip(table.get_yticklabels(), rows):
            tick.set_fontweight("normal" if "n" in r else "bold")
        fig.tight_layout()
    return fig
