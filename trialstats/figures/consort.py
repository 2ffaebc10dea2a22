"""CONSORT flow diagram from the CONSORT ARD (tables.flow.ard_consort)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from .common import STYLE


def _n(ard: pd.DataFrame, variable: str, level: str = "") -> int:
    sel = ard[(ard["variable"] == variable) & (ard["group1_level"] == level) & (ard["variable_level"] == "")]
    return int(sel["stat"].iloc[0]) if len(sel) else 0


def _reasons(ard: pd.DataFrame, variable: str, level: str = "") -> list[str]:
    sel = ard[(ard["variable"] == variable) & (ard["group1_level"] == level) & (ard["variable_level"] != "")]
    return [f"  {r.variable_level}: {int(r.stat)}" for r in sel.itertuples()]


def _box(ax, x, y, text, face="white", ha="center"):
    ax.text(x, y, text, ha=ha, va="center", fontsize=7.5, multialignment="left",
            bbox=dict(boxstyle="round,pad=0.5", fc=face, ec="#333333", lw=0.8))


def _arrow(ax, x0, y0, x1, y1):
    ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops=dict(arrowstyle="->", lw=0.8, color="#333333"))


def g_consort(ard: pd.DataFrame, title: str, enrolled_label: str = "Enrolled") -> plt.Figure:
    """Screened -> screen failures -> enrolled (by arm when the ARD has arms) -> analysed."""
    levels = sorted(set(ard.loc[ard["group1"] != "", "group1_level"])) or [""]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(11.0, 7.5))
        ax.set_axis_off()
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_title(title, fontsize=11, loc="left")
        _box(ax, 0.5, 0.94, f"Screened: {_n(ard, 'SCREENED')}")
        sf = "\n".join([f"Screen failures: {_n(ard, 'SCREEN FAILURE')}", *_reasons(ard, "SCREEN FAILURE")])
        _box(ax, 0.6, 0.855, sf, face="#f3f3f3", ha="left")       # left edge just right of the arrow
        _arrow(ax, 0.5, 0.915, 0.5, 0.80)
        _arrow(ax, 0.5, 0.855, 0.59, 0.855)
        total = sum(_n(ard, "ENROLLED", lv) for lv in levels)
        _box(ax, 0.5, 0.77, f"{enrolled_label}: {total}")
        width = 1 / len(levels)
        for i, lv in enumerate(levels):
            x = width * (i + 0.5)
            _arrow(ax, 0.5, 0.745, x, 0.68)
            _arrow(ax, x, 0.585, x, 0.50)
            _arrow(ax, x, 0.36, x, 0.27)
            head = f"{lv}\n" if lv else ""
            _box(ax, x, 0.63, f"{head}Allocated: {_n(ard, 'ENROLLED', lv)}\nDosed: {_n(ard, 'DOSED', lv)}"
                 f"\nNot dosed: {_n(ard, 'NOT DOSED', lv)}")
            disc = "\n".join([f"Completed: {_n(ard, 'COMPLETED', lv)}   Ongoing: {_n(ard, 'ONGOING', lv)}",
                              f"Discontinued: {_n(ard, 'DISCONTINUED', lv)}", *_reasons(ard, "DISCONTINUED", lv)])
            _box(ax, x, 0.43, disc, face="#f3f3f3")
            fas = "\n".join([f"Full analysis set: {_n(ard, 'FAS', lv)}",
                             *[r.replace("  ", "  excl. ", 1) for r in _reasons(ard, "EXCLUDED FROM FAS", lv)],
                             f"Per protocol: {_n(ard, 'PP', lv)}",
                             *[r.replace("  ", "  excl. ", 1) for r in _reasons(ard, "EXCLUDED FROM PP", lv)],
                             f"Safety: {_n(ard, 'SAFETY', lv)}"])
            _box(ax, x, 0.16, fas)
        fig.tight_layout()
    return fig
