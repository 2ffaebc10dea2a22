"""Subjects from ADSL alone, by arm and in total: analysis populations, disposition, and
demographics and baseline characteristics with optional between-arm tests.

Any ADSL that follows the ADaM IG: population flags (SAFFL, ITTFL, FASFL, EFFFL, PPROTFL,
COMPxxFL ...), EOSSTT and DCSREAS (or DCDECOD), DTHFL, and the characteristics asked for. Arms
are in the order of their numeric code (e.g. TRT01PN) when ADSL has one, else by name.
Percentages are of the subjects of each arm (the column header's N).
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..arms import order_arms
from ..ard.shape import ard
from ..columns import collected_decimals
from ..vocabulary import level_label
from .format import fmt, fmt_fixed

TOTAL = "Total"
POPULATION_FLAGS = {"RANDFL": "Randomized", "ENRLFL": "Enrolled", "ITTFL": "Intent-to-treat",
                    "SAFFL": "Safety", "FASFL": "Full analysis set", "EFFFL": "Efficacy", "PPROTFL": "Per-protocol"}
DEFAULT_CHARACTERISTICS = [
    {"variable": "AGE", "label": "Age", "type": "continuous", "unit": "years"},
    {"variable": "AGEGR1", "label": "Age group", "type": "categorical"},
    {"variable": "SEX", "label": "Sex", "type": "categorical"},
    {"variable": "RACE", "label": "Race", "type": "categorical"},
    {"variable": "ETHNIC", "label": "Ethnicity", "type": "categorical"},
    {"variable": "HEIGHTBL", "label": "Height at baseline", "type": "continuous", "unit": "cm"},
    {"variable": "WEIGHTBL", "label": "Weight at baseline", "type": "continuous", "unit": "kg"},
    {"variable": "BMIBL", "label": "BMI at baseline", "type": "continuous", "unit": "kg/m2"}]
UNIT_COLUMNS = {"AGE": "AGEU"}          # ADSL columns that state a characteristic's unit
TESTS = {"categorical": {"chisq": "Pearson chi-square", "fisher": "Fisher's exact (2 x 2; larger tables: chi-square)",
                         "none": None},
         "continuous": {"anova": "One-way ANOVA", "kruskal": "Kruskal-Wallis", "none": None}}


def characteristic_labels(characteristics: list[dict], adsl: pd.DataFrame) -> dict[str, str]:
    """Variable -> its row label with the unit: the data's (e.g. ADSL AGEU, one value) where given,
    else the item's `unit`, else the default's (DEFAULT_CHARACTERISTICS); a label as configured
    (else the default's, else the variable name)."""
    defaults = {c["variable"]: c for c in DEFAULT_CHARACTERISTICS}
    out = {}
    for ch in characteristics:
        var, default = ch["variable"], defaults.get(ch["variable"], {})
        label = ch.get("label", default.get("label", var))
        stated = adsl[UNIT_COLUMNS[var]].dropna().astype(str).str.strip().str.lower().unique() \
            if UNIT_COLUMNS.get(var) in adsl else []
        unit = stated[0] if len(stated) == 1 and stated[0] else ch.get("unit", default.get("unit"))
        out[var] = f"{label} ({unit})" if unit else label
    return out


def arm_levels(adsl: pd.DataFrame, arm: str, order: str | None = None, control: str | None = None) -> list[str]:
    """The arms of ADSL (blank excluded) in the one display order (trialstats.arms): by their
    numeric code column, else by name, the control last."""
    d = adsl[adsl[arm].notna() & (adsl[arm].astype("string") != "")]
    rank = {}
    if order is not None and order in d:
        rank = pd.to_numeric(d[order], errors="coerce").groupby(d[arm].astype(str)).min().to_dict()
    return order_arms(d[arm].astype(str).unique(), control, rank)


def _groups(adsl: pd.DataFrame, arm: str, order: str | None, control: str | None = None):
    d = adsl[adsl[arm].notna() & (adsl[arm].astype("string") != "")]
    arms = arm_levels(adsl, arm, order, control)
    total = [(TOTAL, d)] if len(arms) != 1 else []           # one arm: its column is the total
    return [(a, d[d[arm].astype(str) == a]) for a in arms] + total, arms


def _counts(base: dict, groups, mask_of) -> list[dict]:
    rows = []
    for level, g in groups:
        n, big_n = int(mask_of(g).sum()), len(g)
        b = dict(base, group1="ARM", group1_level=level)
        rows += [dict(b, stat_name="n", stat=n), dict(b, stat_name="N", stat=big_n),
                 dict(b, stat_name="pct", stat=100 * n / big_n if big_n else np.nan)]
    return rows


def population_flags(adsl: pd.DataFrame) -> dict[str, str]:
    """The population flags of ADSL with their labels (COMPxxFL: completers of week xx)."""
    out = {c: label for c, label in POPULATION_FLAGS.items() if c in adsl}
    for c in adsl.columns:
        m = re.fullmatch(r"COMP(\d+)FL", c)
        if m:
            out[c] = f"Completers of week {int(m.group(1))}"
    return out


def ard_populations(adsl: pd.DataFrame, arm: str, order: str | None = None, control: str | None = None) -> pd.DataFrame:
    """Subjects with an arm, and n (%) in each analysis population (flag = Y), by arm and total."""
    groups, _ = _groups(adsl, arm, order, control)
    rows = _counts(dict(variable="population", variable_level="Subjects with an arm"), groups,
                   lambda g: pd.Series(True, index=g.index))
    for flag, label in population_flags(adsl).items():
        rows += _counts(dict(variable="population", variable_level=f"{label} ({flag})"), groups,
                        lambda g, f=flag: g[f].astype("string").eq("Y").fillna(False))
    return ard(rows)


def ard_disposition(adsl: pd.DataFrame, arm: str, order: str | None = None, control: str | None = None) -> pd.DataFrame:
    """End-of-study status (EOSSTT: completed, ongoing, discontinued, others), the reasons of those
    who discontinued (DCSREAS, else DCDECOD; by frequency) and deaths (DTHFL), n (%) by arm and total."""
    groups, _ = _groups(adsl, arm, order, control)
    rows = []
    if "EOSSTT" in adsl:
        status = adsl["EOSSTT"].astype("string").str.upper().fillna("NOT RECORDED")
        reason_col = next((c for c in ("DCSREAS", "DCDECOD") if c in adsl), None)
        known = ["COMPLETED", "ONGOING", "DISCONTINUED"]
        for s in sorted(status.value_counts(sort=True).index, key=lambda v: known.index(v) if v in known else 3):
            rows += _counts(dict(variable="EOSSTT", variable_level=s.capitalize()), groups,
                            lambda g, s=s: status[g.index] == s)
            if s == "DISCONTINUED" and reason_col is not None:
                reason = adsl[reason_col].astype("string").fillna("Not recorded")
                gone = status == s
                for r in reason[gone].value_counts(sort=True).index:
                    rows += _counts(dict(variable=reason_col, variable_level=r), groups,
                                    lambda g, r=r: gone[g.index] & (reason[g.index] == r))
    if "DTHFL" in adsl:
        rows += _counts(dict(variable="DTHFL", variable_level="Died (DTHFL)"), groups,
                        lambda g: g["DTHFL"].astype("string").eq("Y").fillna(False))
    return ard(rows)


def _range_key(label: str) -> float | None:
    """Where a group label like "<25", "25-<30", ">=30" or "65-80" starts on its number line (None: no number)."""
    m = re.match(r"\s*(<=?|>=?)?\s*(-?\d+(?:\.\d+)?)", label)
    if m is None:
        return None
    value = float(m.group(2))
    return value - 0.5 if m.group(1) in ("<", "<=") else value + 0.5 if m.group(1) in (">", ">=") else value


def _levels(adsl: pd.DataFrame, col: str) -> list[str]:
    """A categorical characteristic's levels: by its numeric code (<col>N, e.g. AGEGR1N) where ADSL has one,
    else by the range each label names where every one names one (BMIBLGR1 "<25", "25-<30", ">=30"), else
    alphabetically."""
    values = adsl[col].dropna().astype(str)
    numeric = f"{col}N"
    if numeric in adsl:
        rank = pd.to_numeric(adsl.loc[values.index, numeric], errors="coerce").groupby(values).min()
        return sorted(rank.index, key=lambda v: (rank[v] if pd.notna(rank[v]) else np.inf, v))
    levels = sorted(values.unique())
    keys = {v: _range_key(v) for v in levels}
    return sorted(levels, key=lambda v: (keys[v], v)) if all(k is not None for k in keys.values()) else levels


def between_arm_p(values: pd.Series, arms: pd.Series, kind: str, test: str) -> float:
    """p of a between-arm test of one characteristic (missing values left out)."""
    from scipy import stats   # the tests of stats.distributions' docstring: scipy.stats where they are used
    ok = values.notna() & arms.notna()
    values, arms = values[ok], arms[ok]
    if kind == "continuous":
        samples = [pd.to_numeric(values[arms == a], errors="coerce").dropna().to_numpy(float)
                   for a in pd.unique(arms)]
        samples = [s for s in samples if len(s)]
        if len(samples) < 2:
            return np.nan
        return float((stats.f_oneway if test == "anova" else stats.kruskal)(*samples).pvalue)
    table = pd.crosstab(values, arms).to_numpy()
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        return np.nan
    if test == "fisher" and table.shape == (2, 2):
        return float(stats.fisher_exact(table).pvalue)
    return float(stats.chi2_contingency(table, correction=False).pvalue)


def ard_demographics(adsl: pd.DataFrame, arm: str, order: str | None = None, characteristics: list[dict] | None = None,
                     tests: dict | None = None, population: str | None = None,
                     control: str | None = None) -> pd.DataFrame:
    """n, mean, SD, median, min, max of continuous characteristics and n (%) of each category
    (missing counted as such), by arm and total, for subjects with `population` = Y; `tests`
    ({"categorical": "chisq" | "fisher" | "none", "continuous": "anova" | "kruskal" | "none"})
    adds one between-arm p per characteristic. A characteristic absent from ADSL gives one row
    saying so."""
    d = adsl if population is None else adsl[adsl[population].astype("string").eq("Y").fillna(False)]
    groups, arms = _groups(d, arm, order, control)
    tests = tests or {}
    rows = [dict(group1="ARM", group1_level=level, variable="N", stat_name="n", stat=len(g)) for level, g in groups]
    for ch in characteristics or [c for c in DEFAULT_CHARACTERISTICS if c["variable"] in adsl]:
        col, kind = ch["variable"], ch["type"]
        if col not in d:
            rows.append(dict(variable=col, variable_level="not in ADSL", stat_name="absent", stat=np.nan))
            continue
        if kind == "continuous":
            for level, g in groups:
                v = pd.to_numeric(g[col], errors="coerce").dropna()
                b = dict(group1="ARM", group1_level=level, variable=col)
                rows += [dict(b, stat_name=k, stat=s) for k, s in
                         (("n", len(v)), ("mean", v.mean()), ("sd", v.std(ddof=1) if len(v) > 1 else np.nan),
                          ("median", v.median()), ("min", v.min()), ("max", v.max()))]
        else:
            levels = _levels(d, col) + (["Missing"] if d[col].isna().any() else [])
            for lv in levels:
                rows += _counts(dict(variable=col, variable_level=lv), groups,
                                lambda g, lv=lv: g[col].isna() if lv == "Missing" else
                                g[col].astype(str).eq(lv) & g[col].notna())
        test = tests.get(kind, "none")
        if test != "none" and len(arms) > 1:
            in_arms = d[d[arm].astype(str).isin(arms)]
            p = between_arm_p(in_arms[col], in_arms[arm].astype(str), kind, test)
            rows.append(dict(group1="TEST", group1_level=TESTS[kind][test], variable=col, stat_name="p", stat=p))
    return ard(rows)


def _head(ard_: pd.DataFrame) -> dict[str, str]:
    arms = list(dict.fromkeys(ard_.loc[ard_["group1"] == "ARM", "group1_level"]))
    big = ard_[(ard_["stat_name"] == "N") & (ard_["group1"] == "ARM")].drop_duplicates("group1_level")
    big_n = dict(zip(big["group1_level"], big["stat"]))
    if ard_["variable"].eq("N").any():
        n = ard_[ard_["variable"] == "N"]
        big_n = dict(zip(n["group1_level"], n["stat"]))
    return {a: f"{a} (N={fmt(big_n.get(a), 'count')})" for a in arms}


def t_counts(ard_: pd.DataFrame, first: str = "Category") -> pd.DataFrame:
    """Display of ard_populations / ard_disposition: one row per category, n (%) per arm and total
    (reasons indented under their status)."""
    if ard_.empty:
        return pd.DataFrame({first: ["Not recorded in ADSL"]})
    head = _head(ard_)
    s = ard_.set_index(["variable", "variable_level", "group1_level", "stat_name"])["stat"]
    rows = []
    for var, level in dict.fromkeys(zip(ard_["variable"], ard_["variable_level"])):
        indent = "    " if var in ("DCSREAS", "DCDECOD") else ""
        rows.append({first: indent + level, **{h: f"{fmt(s[(var, level, a, 'n')], 'count')} "
                                                  f"({fmt(s[(var, level, a, 'pct')], 'pct')}%)"
                                               for a, h in head.items()}})
    return pd.DataFrame(rows)


def t_demographics(ard_: pd.DataFrame, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Display of ard_demographics: per characteristic n, mean (SD), median, min-max at the data's
    precision, or n (%) per category (decoded: "F" -> "Female", "WHITE" -> "White"); the between-arm
    p (and its test) on the characteristic's first row."""
    labels = labels or {}
    head = _head(ard_)
    s = ard_.set_index(["variable", "variable_level", "group1_level", "stat_name"])["stat"]
    tests = ard_[ard_["group1"] == "TEST"].set_index("variable")
    rows = []
    for var in dict.fromkeys(v for v in ard_["variable"] if v != "N"):
        sub = ard_[ard_["variable"] == var]
        label = labels.get(var, var)
        p = (f"{fmt(tests.loc[var, 'stat'], 'p')} ({tests.loc[var, 'group1_level']})" if var in tests.index else "")
        if (sub["stat_name"] == "absent").any():
            rows.append({"Characteristic": label, "Statistic": "not in ADSL", **{h: "" for h in head.values()}})
            continue
        cells = sub[sub["group1"] == "ARM"]
        if "mean" in set(cells["stat_name"]):
            def c(a, k):
                return s.get((var, "", a, k), np.nan)
            # the data's precision (from the extremes): min and max as collected (an integer such as AGE
            # without decimals), mean and median one decimal more, SD two more, none beyond 2 decimals
            d = collected_decimals(pd.Series([c(a, k) for a in head for k in ("min", "max")]))
            m, sd = min(d + 1, 2), min(d + 2, 2)
            stats_ = [("n", lambda a: fmt(c(a, "n"), "count")),
                      ("Mean (SD)", lambda a: f"{fmt_fixed(c(a, 'mean'), m)} ({fmt_fixed(c(a, 'sd'), sd)})"),
                      ("Median", lambda a: fmt_fixed(c(a, "median"), m)),
                      ("Min, max", lambda a: f"{fmt_fixed(c(a, 'min'), d)}, {fmt_fixed(c(a, 'max'), d)}")]
            for i, (name, cell) in enumerate(stats_):
                rows.append({"Characteristic": label if i == 0 else "", "Statistic": name,
                             **{h: cell(a) for a, h in head.items()}, "p": p if i == 0 else ""})
        else:
            for i, lv in enumerate(dict.fromkeys(cells["variable_level"])):
                rows.append({"Characteristic": label if i == 0 else "", "Statistic": f"{level_label(lv)}, n (%)",
                             **{h: f"{fmt(s[(var, lv, a, 'n')], 'count')} ({fmt(s[(var, lv, a, 'pct')], 'pct')}%)"
                                for a, h in head.items()}, "p": p if i == 0 else ""})
    out = pd.DataFrame(rows)
    if not len(tests) and "p" in out:
        out = out.drop(columns="p")
    return out.fillna("")
