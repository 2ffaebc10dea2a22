"""Byte-stable figure output: fixed metadata and no timestamps in PDF, PNG or SVG."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ..vocabulary import visit_week  # noqa: E402

STYLE = {"font.family": "DejaVu Sans", "font.size": 9, "axes.spines.top": False,
         "axes.spines.right": False, "svg.hashsalt": "trialstats", "pdf.compression": 6}


def save_figure(fig, paths, title: str) -> None:
    """Save to each path (a path or several: one drawing, each format as its suffix says), metadata fixed
    so that equal figures give equal bytes; then close the figure."""
    for path in [paths] if isinstance(paths, str | Path) else paths:
        path = Path(path)
        fmt = path.suffix[1:]
        metadata = {"pdf": {"Title": title, "Creator": "trialstats", "Producer": "matplotlib",
                            "CreationDate": None, "ModDate": None},
                    "png": {"Title": title, "Software": "trialstats"},
                    "svg": {"Title": title, "Creator": "trialstats", "Date": None}}[fmt]
        with plt.rc_context({"svg.hashsalt": STYLE["svg.hashsalt"]}):   # read when saving: SVG ids fixed
            fig.savefig(path, format=fmt, metadata=metadata, dpi=150 if fmt == "png" else None)
    plt.close(fig)


def formats(stem: str | Path, exts=("png",)) -> list[Path]:
    """The figure's files: `stem` with each suffix (config report.figure_formats: png, and pdf or svg)."""
    return [Path(f"{stem}.{ext}") for ext in exts]

# The PDF places a figure at 13.2 cm high within 26.7 cm wide ("contain").
PRINT_HEIGHT_IN, PRINT_WIDTH_IN = 13.2 / 2.54, 26.7 / 2.54


def visit_weeks(visits) -> list[float]:
    """Weeks from baseline by visit name (vocabulary.visit_week: "WEEK 4" -> 4, "DAY 15" -> 2, "MONTH 6"
    -> 26; baseline, screening -> 0); the visits' positions (baseline 0) when any name has no number."""
    weeks = [visit_week(v) for v in visits]
    if any(w is None for w in weeks):
        start = 0 if str(visits[0]).upper().startswith("BASELINE") else 1
        return [float(i + start) for i in range(len(visits))]
    return weeks


def favours_labels(ax, active: str, control: str, better: str | None = "higher") -> None:
    """"Favours <arm>" above the plot on each side of the null line at x = 0 (none if `better` unknown)."""
    if better not in ("higher", "lower"):
        return
    low, high = ax.get_xlim()             # room for a label on each side: 0 at 30% to 70% of the axis
    ax.set_xlim(min(low, -0.43 * max(high, 0)), max(high, -0.43 * min(low, 0)))
    left, right = (control, active) if better == "higher" else (active, control)
    kw = dict(xycoords=ax.get_xaxis_transform(), textcoords="offset points", va="bottom", fontsize=8,
              color="#333333")
    ax.annotate(f"\u2190 Favours {left}", (0, 1), xytext=(-4, 3), ha="right", **kw)
    ax.annotate(f"Favours {right} \u2192", (0, 1), xytext=(4, 3), ha="left", **kw)


ARM_MARKERS = ["o", "^", "D", "v", "P", "X"]


def arm_markers(arms, control: str | None = None) -> dict[str, str]:
    """Arm -> marker shape, distinct per arm so equal values stay visible (the control a square)."""
    actives = [a for a in arms if a != control]
    markers = {a: ARM_MARKERS[i % len(ARM_MARKERS)] for i, a in enumerate(actives)}
    return markers | ({control: "s"} if control in arms else {})
