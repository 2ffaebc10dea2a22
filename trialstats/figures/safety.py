"""Safety figures: AE dot plot with risk differences, eDISH, lab values over visits by arm."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .common import STYLE
from .secondary import COLOURS


def g_ae_dotplot(soc_pt: pd.DataFrame, risk: pd.DataFrame, title: str, top: int = 20) -> plt.Figure:
    """Left: incidence (%) of each PT by arm; right: difference vs control with 95% MN CI."""
    pts = soc_pt[(soc_pt["variable_level"] != "ANY") & (soc_pt["group1"] == "ARM") & (soc_pt["stat_name"] == "pct")]
    total = pts.groupby("variable_level")["stat"].sum().sort_values(ascending=False)
    keep = list(total.index[:top])[::-1]
    arms = list(dict.fromkeys(pts["group1_level"]))
    with plt.rc_context(STYLE):
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 0.3 * len(keep) + 1.8), sharey=True,
                                     gridspec_kw={"width_ratios": [1.2, 1]})
        y = np.arange(len(keep))
        for i, arm in enumerate(arms):
            v = pts[pts["group1_level"] == arm].groupby("variable_level")["stat"].max().reindex(keep)
            a1.plot(v.to_numpy(), y, "o", color=COLOURS[i % 4], label=str(arm), ms=5)
        a1.set_yticks(y, keep)
        a1.set_xlabel("Incidence (% of subjects)")
        a1.legend(frameon=False, fontsize=7, loc="lower right")
        for contrast, g in risk.groupby("group1_level"):
            s = g.pivot_table(index="variable_level", columns="stat_name", values="stat").reindex(keep)
            a2.errorbar(s["estimate"], y, xerr=[s["estimate"] - s["lower"], s["upper"] - s["estimate"]], fmt="s",
                        ms=4, capsize=2, lw=1, label=str(contrast))
        a2.axvline(0, color="#777777", lw=0.8, ls="--")
        a2.set_xlabel("Risk difference (pp, 95% CI)")
        if risk.empty:
            a2.text(0.5, 0.5, "single arm: no comparison", transform=a2.transAxes, ha="center")
        else:
            a2.legend(frameon=False, fontsize=7, loc="lower right")
        fig.suptitle(title, x=0.01, ha="left", fontsize=10)
        fig.tight_layout()
    return fig


def g_edish(peak: pd.DataFrame, title: str, arms: list | None = None) -> plt.Figure:
    """Peak ALT vs peak bilirubin (x ULN), log axes, Hy's-law reference lines at 3 and 2; `arms`
    gives the arms' order (and so their colours, as in the other figures), else by name."""
    column = "ARM_" if "ARM_" in peak else "Arm"
    groups = dict(list(peak.groupby(column)))
    arms = list(arms) + sorted(set(groups) - set(arms)) if arms is not None else list(groups)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7, 6))
        for i, (arm, g) in ((i, (a, groups[a])) for i, a in enumerate(arms) if a in groups):
            ax.scatter(g["ALT_XULN"].clip(lower=0.05), g["BILI_XULN"].clip(lower=0.05), s=14, alpha=0.7,
                       color=COLOURS[i % 4], label=f"{arm} (n={len(g)})")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.axvline(3, color="#c00000", lw=0.8, ls="--")
        ax.axhline(2, color="#c00000", lw=0.8, ls="--")
        ax.text(3.1, ax.get_ylim()[1] * 0.8, "ALT 3 x ULN", fontsize=7, color="#c00000")
        ax.text(ax.get_xlim()[0] * 1.1, 2.1, "Bilirubin 2 x ULN", fontsize=7, color="#c00000")
        ax.set_xlabel("Peak ALT (x ULN)")
        ax.set_ylabel("Peak total bilirubin (x ULN)")
        ax.legend(frameon=False, fontsize=7)
        ax.set_title(title, loc="left", fontsize=10)
        fig.tight_layout()
    return fig


def g_lab_over_visits(summary: pd.DataFrame, params: list[str], title: str, labels: dict | None = None,
                      per_row: int = 6) -> plt.Figure:
    """Mean (SD) of each lab parameter by visit and arm, one panel per parameter (rows of at most
    `per_row` panels); `labels` (PARAMCD -> PARAM) titles the panels. No parameter: a figure
    that says so."""
    labels = labels or {}
    with plt.rc_context(STYLE):
        if not params:
            fig, ax = plt.subplots(figsize=(7, 2))
            ax.axis("off")
            ax.text(0.5, 0.5, "No laboratory parameter with values to plot", ha="center", va="center")
            fig.suptitle(title, x=0.01, ha="left", fontsize=10)
            return fig
        arms = list(dict.fromkeys(summary["group1_level"]))          # one order, one colour per arm
        cols = min(len(params), per_row)
        rows = -(-len(params) // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols + 1, 3.8 * rows), squeeze=False)
        for ax in axes.flat[len(params):]:
            ax.axis("off")
        for ax, param in zip(axes.flat, params):
            s = summary[(summary["variable"] == param) & (summary["variable_level"] == "AVAL")]
            visits = list(dict.fromkeys(s["group2_level"]))
            for i, arm in ((i, a) for i, a in enumerate(arms) if a in set(s["group1_level"])):
                w = s[s["group1_level"] == arm].pivot_table(index="group2_level", columns="stat_name",
                                                             values="stat").reindex(visits)
                ax.errorbar(np.arange(len(visits)) + 0.1 * i, w["mean"], yerr=w.get("sd"), marker="o", ms=3, lw=1,
                            capsize=2, color=COLOURS[i % 4], label=str(arm))
            ax.set_xticks(range(len(visits)), visits, rotation=60, ha="right", fontsize=6)
            ax.set_title(labels.get(param, param), fontsize=9 if param not in labels else 8)
        axes[0][0].legend(frameon=False, fontsize=6)
        fig.suptitle(title, x=0.01, ha="left", fontsize=10)
        fig.tight_layout()
    return fig


def safety_figures(results: dict[str, pd.DataFrame]) -> dict:
    """The safety figures an ADaM-route study's outputs allow, as {id: make()}: the AE dot plot,
    eDISH (when any subject has ALT/AST/bilirubin peaks) and one lab-by-visit figure per category
    k of listings/l_lab_parameters (f_14_3_8_k). `results` is keyed as run_adam_study's."""
    soc_pt = results["ard/t_14_3_2"]
    risk = results.get("ard/f_14_3_7", soc_pt.iloc[0:0])
    out = {"f_14_3_7": lambda: g_ae_dotplot(soc_pt, risk, "Figure 14.3.7 TEAE incidence and risk difference "
                                            "(safety population)")}
    peaks = results.get("listings/l_hys_law_peaks")
    if peaks is not None and len(peaks):
        arms = list(dict.fromkeys(soc_pt.loc[soc_pt["group1"] == "ARM", "group1_level"]))
        out["f_14_3_10"] = lambda: g_edish(peaks, "Figure 14.3.10 eDISH: peak ALT and bilirubin", arms)
    parameters = results.get("listings/l_lab_parameters")
    if parameters is not None:
        labels = dict(zip(parameters["PARAMCD"], parameters["PARAM"]))
        for k, category in enumerate(dict.fromkeys(parameters["CATEGORY"]), 1):
            params = list(parameters.loc[(parameters["CATEGORY"] == category) & (parameters["TABULATED"] == "yes"),
                                         "PARAMCD"])
            if params:                      # a category without analytes: its tables say so
                out[f"f_14_3_8_{k}"] = (lambda params=params, k=k, category=category: g_lab_over_visits(
                    results["ard/t_14_3_8"], params, f"Figure 14.3.8.{k} Laboratory values by visit: {category}, "
                    "mean (SD)", labels))
    return out
