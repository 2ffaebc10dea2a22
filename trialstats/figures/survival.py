"""Kaplan-Meier curves by arm with censor marks and the number at risk under the axis."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..ard.time_to_event import landmark_times
from .common import PRINT_WIDTH_IN, STYLE, plt


def km_wide(steps: pd.DataFrame, arm: str) -> pd.DataFrame:
    """One arm's step table of ard_km_steps, indexed by time: surv, lower, upper, n_risk, events, censored."""
    w = steps[steps["group1_level"] == arm].pivot_table(index="variable_level", columns="stat_name", values="stat")
    return w.set_index(w.index.astype(float)).sort_index()


def at_risk(wide: pd.DataFrame, t: float) -> int:
    """Subjects with a time >= t: the number at risk at the first step time >= t (0 past the last)."""
    later = wide.loc[wide.index >= t, "n_risk"]
    return int(later.iloc[0]) if len(later) else 0


def km_figure(steps: pd.DataFrame, arms: list[str], colours: dict, unit: str = "days", title: str = "",
              times: list[float] | None = None) -> plt.Figure:
    """Kaplan-Meier event-free probability by arm (`arms` in display order, `colours` arm -> colour as
    arms.arm_colours gives), censorings ticked; under the axis the number at risk at `times` (default
    round times up to the longest follow-up). `steps`: ard_km_steps."""
    arms = [a for a in arms if a in set(steps["group1_level"])]
    curves = {a: km_wide(steps, a) for a in arms}
    longest = max([float(w.index.max()) for w in curves.values()] + [0.0])
    times = [0.0, *landmark_times(longest, most=6)] if times is None else list(times)
    with plt.rc_context(STYLE):
        fig, (ax, low) = plt.subplots(2, 1, figsize=(min(PRINT_WIDTH_IN, 7.5), 4.2 + 0.2 * len(arms)), sharex=True,
                                      gridspec_kw={"height_ratios": [4, 0.4 + 0.3 * len(arms)], "hspace": 0.12})
        for a in arms:
            w = curves[a]
            ax.step(w.index, w["surv"], where="post", color=colours[a], lw=1.4, label=str(a))
            cens = w[w["censored"] > 0]
            ax.plot(cens.index, cens["surv"], "|", color=colours[a], ms=6, mew=0.9)
        if not arms:
            ax.text(0.5, 0.5, "No subject in the analysis", ha="center", va="center", transform=ax.transAxes)
        ax.set_ylim(0, 1.02)
        ax.set_yticks(np.linspace(0, 1, 6))
        ax.set_xlim(-0.03 * longest, longest * 1.02 or 1)   # room left of the day-0 counts
        ax.set_ylabel("Probability event-free")
        if arms:
            ax.legend(frameon=False, fontsize=8, loc="lower left")
        ax.tick_params(labelbottom=False)
        low.set_ylim(-0.5, len(arms) - 0.5)
        low.set_xticks(times)
        low.set_xticklabels([f"{t:g}" for t in times])
        low.set_yticks(range(len(arms)), [str(a) for a in arms][::-1], fontsize=8)
        for spine in ("left", "top", "right"):
            low.spines[spine].set_visible(False)
        low.tick_params(left=False)
        for i, a in enumerate(arms):
            for t in times:
                low.text(t, len(arms) - 1 - i, f"{at_risk(curves[a], t)}", ha="center", va="center", fontsize=8,
                         color=colours[a])
        low.set_xlabel(f"Time ({unit}); number at risk above", fontsize=8)
        label_len = max([len(str(a)) for a in arms] + [6])
        fig.subplots_adjust(left=min(0.35, 0.05 + 0.011 * label_len), right=0.97, top=0.9 if title else 0.97,
                            bottom=0.13)
    return fig
