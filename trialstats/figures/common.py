"""Byte-stable figure output: fixed metadata and no timestamps in PDF, PNG or SVG."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

STYLE = {"font.family": "DejaVu Sans", "font.size": 9, "axes.spines.top": False,
         "axes.spines.right": False, "svg.hashsalt": "trialstats", "pdf.compression": 6}


def save_figure(fig, path: str | Path, title: str) -> None:
    """Save as the suffix says; metadata fixed so that equal figures give equal bytes."""
    path = Path(path)
    fmt = path.suffix[1:]
    metadata = {"pdf": {"Title": title, "Creator": "trialstats", "Producer": "matplotlib",
                        "CreationDate": None, "ModDate": None},
                "png": {"Title": title, "Software": "trialstats"},
                "svg": {"Title": title, "Creator": "trialstats", "Date": None}}[fmt]
    fig.savefig(path, format=fmt, metadata=metadata, dpi=150 if fmt == "png" else None)
    plt.close(fig)
