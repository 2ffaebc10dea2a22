"""CONSORT flow diagram from the CONSORT ARD (tables.flow.ard_consort)."""
from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import pandas as pd

from ..arms import order_arms
from .common import PRINT_WIDTH_IN, STYLE

FONT_SIZE = 9    # 7.3 pt at the report's print scale (0.81)


def _n(ard: pd.DataFrame, variable: str, level: str = "") -> int:
    sel = ard[(ard["variable"] == variable) & (ard["group1_level"] == level) & (ard["variable_level"] == "")]
    return int(sel["stat"].iloc[0]) if len(sel) else 0


def _reasons(ard: pd.DataFrame, variable: str, level: str = "") -> list[str]:
    sel = ard[(ard["variable"] == variable) & (ard["group1_level"] == level) & (ard["variable_level"] != "")]
    return [f"  {r.variable_level}: {int(r.stat)}" for r in sel.itertuples()]


def _wrap(text: str, width: int) -> str:
    """Each line at most `width` characters, continuation lines indented under their line."""
    return "\n".join(textwrap.fill(line, width, subsequent_indent=" " * (len(line) - len(line.lstrip()) + 2))
                     for line in text.split("\n"))


def _box(ax, x, y, text, face="white", ha="center", width=52):
    return ax.text(x, y, _wrap(text, width), ha=ha, va="center", fontsize=FONT_SIZE, multialignment="left",
                   bbox=dict(boxstyle="round,pad=0.5", fc=face, ec="#333333", lw=0.8))


def _arrow(ax, source, target):
    """An arrow from a box (or a point) to a box, clipped at the boxes' edges whatever their size."""
    start = source.get_position() if hasattr(source, "get_bbox_patch") else source
    patch_a = source.get_bbox_patch() if hasattr(source, "get_bbox_patch") else None
    ax.annotate("", xy=target.get_position(), xytext=start, arrowprops=dict(
        arrowstyle="->", lw=0.8, color="#333333", patchA=patch_a, patchB=target.get_bbox_patch(),
        shrinkA=2, shrinkB=2))


def g_consort(ard: pd.DataFrame, title: str, enrolled_label: str = "Enrolled",
              control: str | None = None) -> plt.Figure:
    """Screened -> screen failures -> enrolled (by arm when the ARD has arms, the control last) -> analysed."""
    levels = order_arms(ard.loc[ard["group1"] != "", "group1_level"], control) or [""]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(PRINT_WIDTH_IN, 6.4))
        ax.set_axis_off()
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        screened = _box(ax, 0.5, 0.94, f"Screened: {_n(ard, 'SCREENED')}")
        sf = "\n".join([f"Screen failures: {_n(ard, 'SCREEN FAILURE')}", *_reasons(ard, "SCREEN FAILURE")])
        failures = _box(ax, 0.6, 0.855, sf, face="#f3f3f3", ha="left", width=60)   # just right of the arrow
        total = sum(_n(ard, "ENROLLED", lv) for lv in levels)
        enrolled = _box(ax, 0.5, 0.77, f"{enrolled_label}: {total}")
        _arrow(ax, screened, enrolled)
        _arrow(ax, (0.5, 0.855), failures)
        width, chars = 1 / len(levels), max(24, min(52, 96 // len(levels) - 4))
        for i, lv in enumerate(levels):
            x = width * (i + 0.5)
            head = f"{lv}\n" if lv else ""
            allocated = _box(ax, x, 0.63, (f"{head}Allocated: {_n(ard, 'ENROLLED', lv)}\n" if lv else "")   # one group:
                             + f"Dosed: {_n(ard, 'DOSED', lv)}"                                  # enrolled above
                             f"\nNot dosed: {_n(ard, 'NOT DOSED', lv)}")
            disc = "\n".join([f"Completed: {_n(ard, 'COMPLETED', lv)}   Ongoing: {_n(ard, 'ONGOING', lv)}",
                              f"Discontinued: {_n(ard, 'DISCONTINUED', lv)}", *_reasons(ard, "DISCONTINUED", lv)])
            followed = _box(ax, x, 0.43, disc, face="#f3f3f3", width=chars)
            fas = "\n".join([f"Full analysis set: {_n(ard, 'FAS', lv)}",
                             *[r.replace("  ", "  excl. ", 1) for r in _reasons(ard, "EXCLUDED FROM FAS", lv)],
                             f"Per protocol: {_n(ard, 'PP', lv)}",
                             *[r.replace("  ", "  excl. ", 1) for r in _reasons(ard, "EXCLUDED FROM PP", lv)],
                             f"Safety: {_n(ard, 'SAFETY', lv)}"])
            analysed = _box(ax, x, 0.16, fas, width=chars)
            for source, target in ((enrolled, allocated), (allocated, followed), (followed, analysed)):
                _arrow(ax, source, target)
        fig.tight_layout()
    return fig
