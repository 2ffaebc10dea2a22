"""The ARD shape: one statistic per row, long format (DESIGN.md, "Tables")."""
from __future__ import annotations

import pandas as pd

ARD_COLUMNS = ["group1", "group1_level", "group2", "group2_level", "variable", "variable_level",
               "stat_name", "stat"]


def ard(rows: list[dict] | pd.DataFrame) -> pd.DataFrame:
    """Rows (dicts or a frame) with any subset of ARD_COLUMNS -> a frame with all of them (blank
    where unset)."""
    frame = pd.DataFrame(rows, columns=ARD_COLUMNS)
    for col in ARD_COLUMNS[:-1]:
        frame[col] = frame[col].astype(object).where(frame[col].notna(), "").astype(str)
    return frame
