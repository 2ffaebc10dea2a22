"""Demographics and baseline characteristics (pooled for the open side, by arm when closed)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .ard import ard
from .format import fmt

CONTINUOUS = {"AGE": "Age (years)", "BMIBL": "BMI (kg/m2)", "WEIGHTBL": "Weight (kg)", "DMDURY": "Diabetes duration (years)",
              "HBA1CBL": "HbA1c (%)", "FPGBL": "Fasting plasma glucose (mmol/L)", "CPEPBL": "Fasting C-peptide (ng/mL)",
              "INSDBL": "Daily insulin dose (U/day)", "INSKGBL": "Daily insulin dose (U/kg/day)", "GIRBL": "Clamp GIR (mg/kg/min)",
              "OGTTBL": "2-hour OGTT glucose (mmol/L)", "HOMAIRBL": "HOMA-IR"}
CATEGORICAL = {"SEX": "Sex", "RACE": "Race"}


def ard_baseline(adsl: pd.DataFrame, arm: str | None, population: str = "FASFL") -> pd.DataFrame:
    """n, mean, SD, median, min, max of continuous characteristics; n (%) of categories."""
    d = adsl[adsl[population] == "Y"].copy()
    d["GROUP_"] = d[arm] if arm else "All subjects"
    rows = []
    for group, g in d.groupby("GROUP_", sort=True):
        base = dict(group1="ARM" if arm else "POOLED", group1_level=str(group))
        rows.append(dict(base, variable="N", stat_name="n", stat=len(g)))
        for col in CONTINUOUS:
            if col not in g or g[col].isna().all():
                continue
            v = pd.to_numeric(g[col], errors="coerce").dropna()
            for name, value in (("n", len(v)), ("mean", v.mean()), ("sd", v.std(ddof=1)), ("median", v.median()),
                                ("min", v.min()), ("max", v.max())):
                rows.append(dict(base, variable=col, stat_name=name, stat=value))
        for col in CATEGORICAL:
            if col in g:
                for level, n in g[col].value_counts().sort_index().items():
                    rows += [dict(base, variable=col, variable_level=str(level), stat_name="n", stat=int(n)),
                             dict(base, variable=col, variable_level=str(level), stat_name="pct", stat=100 * n / len(g))]
    return ard(rows)


def t_baseline(ard_: pd.DataFrame) -> pd.DataFrame:
    groups = list(dict.fromkeys(ard_["group1_level"]))
    s = ard_.set_index(["group1_level", "variable", "variable_level", "stat_name"])["stat"]
    head = {g: f"{g} (N={fmt(s[(g, 'N', '', 'n')], 'count')})" for g in groups}
    rows = []
    for col, label in CONTINUOUS.items():
        if not any((g, col, "", "n") in s for g in groups):
            continue
        rows.append({"Characteristic": label, "Statistic": "Mean (SD)",
                     **{head[g]: f"{fmt(s.get((g, col, '', 'mean'), np.nan), 'ratio')} ({fmt(s.get((g, col, '', 'sd'), np.nan), 'ratio')})" for g in groups}})
        rows.append({"Characteristic": "", "Statistic": "Median (min, max)",
                     **{head[g]: f"{fmt(s.get((g, col, '', 'median'), np.nan), 'ratio')} ({fmt(s.get((g, col, '', 'min'), np.nan), 'ratio')}, "
                                 f"{fmt(s.get((g, col, '', 'max'), np.nan), 'ratio')})" for g in groups}})
    for col, label in CATEGORICAL.items():
        levels = sorted({lv for (_, v, lv, _) in s.index if v == col})
        for i, lv in enumerate(levels):
            rows.append({"Characteristic": label if i == 0 else "", "Statistic": f"{lv}, n (%)",
                         **{head[g]: f"{fmt(s.get((g, col, lv, 'n'), 0), 'count')} ({fmt(s.get((g, col, lv, 'pct'), 0.0), 'pct')}%)" for g in groups}})
    return pd.DataFrame(rows)
