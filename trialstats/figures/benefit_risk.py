"""The benefit-risk figure: each key efficacy and safety difference with its 95% CI on one page, one
row per effect on its own natural scale (percentage points, or the endpoint's unit), no difference
at the centre and the favourable side of each row labelled."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ..arms import arm_colours
from ..ard.benefit_risk import KIND_HEADINGS, number as _num, short_unit
from .common import PRINT_HEIGHT_IN, PRINT_WIDTH_IN, STYLE

FAVOURABLE, UNFAVOURABLE = "#1b7837", "#b2182b"


def g_benefit_risk(effects: pd.DataFrame) -> plt.Figure:
    """Rows: benefits then risks (effects from ard.benefit_risk); each row its own x-axis symmetric
    around 0, the favourable half shaded green and the unfavourable half red, the difference and
    CI printed at the right."""
    arms = list(dict.fromkeys([*effects["arm"], *effects["versus"]]))
    colours = arm_colours(arms, arms[-1])
    rows = []
    for kind in ("Benefit", "Risk"):
        sel = effects[effects["kind"] == kind]
        if len(sel):
            rows.append(("heading", KIND_HEADINGS[kind]))
            rows += [("effect", r) for _, r in sel.iterrows()]
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(len(rows), 1, figsize=(PRINT_WIDTH_IN, PRINT_HEIGHT_IN),
                                 gridspec_kw={"hspace": 1.1, "height_ratios": [0.5 if w == "heading" else 1
                                                                               for w, _ in rows]})
        fig.subplots_adjust(left=0.36, right=0.78, top=0.97, bottom=0.05)
        label_at = ("figure fraction", "axes fraction")
        for ax, (what, r) in zip(axes, rows):
            ax.set_yticks([])
            for side in ("left", "right", "top"):
                ax.spines[side].set_visible(False)
            if what == "heading":
                ax.axis("off")
                ax.annotate(r, (0.01, 0.0), xycoords=label_at, ha="left", va="bottom", fontsize=9.5,
                            fontweight="bold")
                continue
            half = 1.15 * max(abs(r["lower"]), abs(r["upper"]), abs(r["estimate"])) or 1.0
            ax.set_xlim(-half, half)
            ax.set_xticks([-half / 1.15, 0, half / 1.15])
            ax.set_xticklabels([_num(-half / 1.15, r["unit"]), "0", _num(half / 1.15, r["unit"])])
            good_right = r["favourable"] == "higher"
            ax.axvspan(0, half, color=FAVOURABLE if good_right else UNFAVOURABLE, alpha=0.08, lw=0)
            ax.axvspan(-half, 0, color=UNFAVOURABLE if good_right else FAVOURABLE, alpha=0.08, lw=0)
            ax.axvline(0, color="#777777", lw=0.8, ls="--")
            ax.plot([r["lower"], r["upper"]], [-0.55, -0.55], color=colours[r["arm"]], lw=1.6)
            ax.plot(r["estimate"], -0.55, "s", color=colours[r["arm"]], ms=5)
            ax.set_ylim(-1, 1)
            ax.tick_params(axis="x", labelsize=6.5, pad=1, length=2)
            ax.annotate(f"{r['effect']}\n{r['arm']} {r['arm_value']} vs {r['versus']} {r['versus_value']}",
                        (0.01, 0.3), xycoords=label_at, ha="left", va="center", fontsize=7.5)
            ax.text(1.02, 0.3, f"{r['arm']} - {r['versus']}: {_num(r['estimate'], r['unit'])} "
                    f"({_num(r['lower'], r['unit'])} to {_num(r['upper'], r['unit'])}) {short_unit(r['unit'])}",
                    transform=ax.transAxes, ha="left", va="center", fontsize=7.5)
            left, right = ("unfavourable", "favourable") if good_right else ("favourable", "unfavourable")
            for x, word, ha in ((0.01, left, "left"), (0.99, right, "right")):
                ax.text(x, 0.78, f"\u2190 {word}" if ha == "left" else f"{word} \u2192", transform=ax.transAxes,
                        ha=ha, va="center", fontsize=6.5, color=FAVOURABLE if word == "favourable" else UNFAVOURABLE)
        return fig
