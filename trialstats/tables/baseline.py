"""Demographics and baseline characteristics (pooled for the open side, by arm when closed).

What is tabulated comes from the protocol's `baseline` list (variable, label, unit, continuous or
categorical, optional cut points that also tabulate a continuous variable in groups); without one,
age, sex and race."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..vocabulary import level_label
from ..ard.shape import ard
from ..columns import collected_decimals
from .format import fmt, fmt_fixed

DEFAULT = [{"variable": "AGE", "label": "Age", "unit": "years"},
           {"variable": "SEX", "label": "Sex", "type": "categorical"},
           {"variable": "RACE", "label": "Race", "type": "categorical"}]


def characteristics(spec: list[dict] | None) -> list[dict]:
    """The tabulated characteristics of a protocol `baseline` list, with their display label."""
    out = []
    for c in spec or DEFAULT:
        if c.get("tabulate", True):
            label = f"{c['label']} ({c['unit']})" if c.get("unit") else c["label"]
            out.append(dict(c, type=c.get("type", "continuous"), display=label))
    return out


def _groups(values: pd.Series, cuts: list[float]) -> pd.Series:
    """Each value's group between the cut points: "< 50", "50 to < 60", ">= 60"."""
    edges = sorted(cuts)
    labels = [f"< {edges[0]:g}"] + [f"{a:g} to < {b:g}" for a, b in zip(edges, edges[1:])] + [f">= {edges[-1]:g}"]
    index = np.searchsorted(edges, values.to_numpy(dtype=float), side="right")
    return pd.Series(np.where(values.isna(), None, np.array(labels, dtype=object)[index]), index=values.index)


def ard_baseline(adsl: pd.DataFrame, arm: str | None, population: str = "FASFL",
                 spec: list[dict] | None = None) -> pd.DataFrame:
    """n, mean, SD, median, min, max of continuous characteristics; n (%) of categories (and of
    the groups of a continuous one with cut points). A characteristic absent from ADSL or with no
    value has no rows (t_baseline says so)."""
    d = adsl[adsl[population] == "Y"].copy()
    d["GROUP_"] = d[arm] if arm else "All subjects"
    chars = characteristics(spec)
    rows = []
    for group, g in d.groupby("GROUP_", sort=True):
        base = dict(group1="ARM" if arm else "POOLED", group1_level=str(group))
        rows.append(dict(base, variable="N", stat_name="n", stat=len(g)))
        for c in chars:
            col = c["variable"]
            if col not in g or g[col].isna().all():
                continue
            if c["type"] == "continuous":
                v = pd.to_numeric(g[col], errors="coerce").dropna()
                for name, value in (("n", len(v)), ("mean", v.mean()), ("sd", v.std(ddof=1)), ("median", v.median()),
                                    ("min", v.min()), ("max", v.max())):
                    rows.append(dict(base, variable=col, stat_name=name, stat=value))
                if c.get("cuts"):
                    groups = _groups(pd.to_numeric(g[col], errors="coerce"), c["cuts"])
                    rows += _category_rows(base, col, groups, len(g))
            else:
                rows += _category_rows(base, col, g[col], len(g))
    return ard(rows)


def _category_rows(base: dict, col: str, values: pd.Series, n_group: int) -> list[dict]:
    rows = []
    for level, n in values.value_counts().sort_index().items():
        rows += [dict(base, variable=col, variable_level=str(level), stat_name="n", stat=int(n)),
                 dict(base, variable=col, variable_level=str(level), stat_name="pct", stat=100 * n / n_group)]
    return rows


def t_baseline(ard_: pd.DataFrame, spec: list[dict] | None = None) -> pd.DataFrame:
    groups = list(dict.fromkeys(ard_["group1_level"]))
    s = ard_.set_index(["group1_level", "variable", "variable_level", "stat_name"])["stat"]
    head = {g: f"{g} (N={fmt(s[(g, 'N', '', 'n')], 'count')})" for g in groups}
    rows = []
    chars = characteristics(spec)
    for c in chars:
        col, label = c["variable"], c["display"]
        if c["type"] != "continuous":
            continue
        if not any((g, col, "", "n") in s for g in groups):
            rows.append({"Characteristic": label, "Statistic": "not recorded", **{head[g]: "" for g in groups}})
            continue
        get = lambda g, name: s.get((g, col, "", name), np.nan)  # noqa: E731
        # the data's precision (from the extremes): min and max as collected, mean and median one
        # decimal more, SD two more, none beyond 2 decimals
        d = collected_decimals(pd.Series([get(g, k) for g in groups for k in ("min", "max")]))
        m, sd = min(d + 1, 2), min(d + 2, 2)
        rows.append({"Characteristic": label, "Statistic": "Mean (SD)",
                     **{head[g]: f"{fmt_fixed(get(g, 'mean'), m)} ({fmt_fixed(get(g, 'sd'), sd)})" for g in groups}})
        rows.append({"Characteristic": "", "Statistic": "Median (min, max)",
                     **{head[g]: f"{fmt_fixed(get(g, 'median'), m)} ({fmt_fixed(get(g, 'min'), d)}, "
                                 f"{fmt_fixed(get(g, 'max'), d)})" for g in groups}})
        if c.get("cuts"):
            rows += _level_rows(s, groups, head, col, "", label)
    for c in chars:
        if c["type"] == "categorical":
            rows += _level_rows(s, groups, head, c["variable"], c["display"], c["display"])
    return pd.DataFrame(rows)


def _level_rows(s: pd.Series, groups: list, head: dict, col: str, label: str, name: str) -> list[dict]:
    levels = sorted({lv for (_, v, lv, _) in s.index if v == col and lv != ""})
    if not levels:
        return [{"Characteristic": name, "Statistic": "not recorded", **{head[g]: "" for g in groups}}]
    return [{"Characteristic": label if i == 0 else "", "Statistic": f"{level_label(lv)}, n (%)",
             **{head[g]: f"{fmt(s.get((g, col, lv, 'n'), 0), 'count')} ({fmt(s.get((g, col, lv, 'pct'), 0.0), 'pct')}%)"
                for g in groups}} for i, lv in enumerate(levels)]
