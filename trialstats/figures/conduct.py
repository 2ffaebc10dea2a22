"""Trial-conduct figure of the open and single-arm review reports: accrual over time."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .common import STYLE


def g_accrual(table: pd.DataFrame, target: int | None, title: str,
              enrolled: str = "Randomized / enrolled") -> plt.Figure:
    """Cumulative screened and enrolled by month (tables.conduct.t_accrual of ard.conduct.ard_accrual), with
    the target line."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(10, 4.8))
        x = np.arange(len(table))
        ax.step(x, table["Cumulative screened"], where="post", label="Screened", color="#7f7f7f")
        ax.step(x, table["Cumulative enrolled"], where="post", label=enrolled, color="#1f4e79", lw=2)
        if target:
            ax.axhline(target, color="#c00000", ls="--", lw=1, label=f"Target ({target})")
        step = max(1, len(x) // 12)
        ax.set_xticks(x[::step], table["Month"].iloc[::step], rotation=45, ha="right")
        ax.set_ylabel("Subjects (cumulative)")
        ax.legend(frameon=False)
        fig.tight_layout()
    return fig
