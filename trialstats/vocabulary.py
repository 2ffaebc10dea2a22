"""The words of the outputs, in one place (base layer: no other trialstats import): visit names as
people write them and the labels of analysis parameters."""
from __future__ import annotations

import re

import pandas as pd


def visit_label(text: str) -> str:
    """Visits as people write them inside any text: "WEEK 4" -> "Week 4", "BASELINE" -> "Baseline"."""
    text = re.sub(r"\b(BASELINE|SCREENING|WEEK|DAY|MONTH|END OF TREATMENT|END OF STUDY|UNSCHEDULED)\b",
                  lambda m: m.group(1).capitalize(), str(text))
    text = re.sub(r"\b(\d+)H (PRE|POST)-DOSE\b", lambda m: f"{m[1]} h {m[2].lower()}-dose", text)   # 2H POST-DOSE
    return re.sub(r"\b(PRE|POST)-DOSE\b", lambda m: f"{m[1].lower()}-dose", text)


def parameter_labels(*datasets: pd.DataFrame | None) -> dict[str, str]:
    """PARAMCD -> PARAM of BDS datasets (a code's first record; a later dataset's label of the same
    code wins)."""
    labels: dict[str, str] = {}
    for d in datasets:
        if d is None or "PARAMCD" not in d or "PARAM" not in d:
            continue
        first = d.drop_duplicates("PARAMCD").set_index("PARAMCD")["PARAM"]
        labels.update({str(k): str(v) for k, v in first.items()})
    return labels
