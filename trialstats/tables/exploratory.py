"""Exploratory outcomes of a single-arm study (protocol `exploratory`): paired change from baseline
with a t-based 95% CI (paired t-test = one-sample t on the changes), and the proportion back to
normal (a parameter below the protocol's limit) with a Clopper-Pearson 95% CI."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..stats.distributions import t_ppf, t_sf
from ..stats.binary import clopper_pearson_ci
from ..ard.shape import ard
from .format import fmt


def paired_change(base: np.ndarray, value: np.ndarray, level: float = 0.95) -> dict:
    """Mean of value - base with its t interval and the paired t-test p."""
    chg = np.asarray(value, float) - np.asarray(base, float)
    n = len(chg)
    mean = float(chg.mean()) if n else math.nan
    sd = float(chg.std(ddof=1)) if n > 1 else math.nan
    se = sd / math.sqrt(n) if n > 1 else math.nan
    q = t_ppf(0.5 + level / 2, n - 1) if n > 1 else math.nan
    p = float(2 * t_sf(abs(mean / se), n - 1)) if n > 1 and se > 0 else math.nan
    return dict(n=n, base_mean=float(np.mean(base)) if n else math.nan,
                value_mean=float(np.mean(value)) if n else math.nan,
                mean=mean, sd=sd, lower=mean - q * se, upper=mean + q * se, p=p)


def ard_exploratory(adeff: pd.DataFrame, adsl: pd.DataFrame, spec: dict) -> pd.DataFrame:
    fas = set(adsl.loc[adsl["FASFL"] == "Y", "USUBJID"])
    d = adeff[adeff["USUBJID"].isin(fas) & (adeff["ANL01FL"] == "Y")]
    rows = []
    for param in spec["params"]:
        for visit in spec["visits"]:
            v = d[(d["PARAMCD"] == param) & (d["AVISIT"] == visit) & d["AVAL"].notna() & d["BASE"].notna()]
            res = paired_change(v["BASE"].to_numpy(), v["AVAL"].to_numpy())
            rows += [dict(group1="PARAMCD", group1_level=param, group2="AVISIT", group2_level=visit,
                          variable="paired_change", stat_name=k, stat=val) for k, val in res.items()]
    normal = spec["normal"]
    for visit in spec["visits"]:
        v = d[(d["PARAMCD"] == normal["paramcd"]) & (d["AVISIT"] == visit) & d["AVAL"].notna()]
        x, n = int((v["AVAL"] < normal["below"]).sum()), len(v)
        base = dict(group1="PARAMCD", group1_level=normal["paramcd"], group2="AVISIT", group2_level=visit,
                    variable="back_to_normal", variable_level=f"AVAL < {normal['below']:g}")
        rows += [dict(base, stat_name="n", stat=x), dict(base, stat_name="N", stat=n)]
        if n:
            ci = clopper_pearson_ci(x, n)
            rows += [dict(base, stat_name=k, stat=100 * val) for k, val in
                     (("pct", x / n), ("cp_lower", ci.lower), ("cp_upper", ci.upper))]
    return ard(rows)


def t_exploratory(ard_: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    rows = []
    pc = ard_[ard_["variable"] == "paired_change"]
    for (param, visit), g in pc.groupby(["group1_level", "group2_level"], sort=False):
        s = g.set_index("stat_name")["stat"]
        rows.append({"Parameter": names.get(param, param), "Visit": visit, "n": fmt(s["n"], "count"),
                     "Baseline mean": fmt(s["base_mean"], "ratio"), "Visit mean": fmt(s["value_mean"], "ratio"),
                     "Mean change (95% CI)": f"{fmt(s['mean'], 'ratio')} "
                                             f"({fmt(s['lower'], 'ratio')}, {fmt(s['upper'], 'ratio')})",
                     "SD of change": fmt(s["sd"], "ratio"), "p (paired t)": fmt(s["p"], "p")})
    normal = ard_[ard_["variable"] == "back_to_normal"]
    for (param, visit), g in normal.groupby(["group1_level", "group2_level"], sort=False):
        s = g.set_index("stat_name")["stat"]
        level = g["variable_level"].iloc[0]
        cell = (f"{fmt(s['n'], 'count')}/{fmt(s['N'], 'count')} ({fmt(s['pct'], 'pct')}%; "
                f"CP 95% CI {fmt(s['cp_lower'], 'pct')}-{fmt(s['cp_upper'], 'pct')})" if s["N"] else "no data")
        rows.append({"Parameter": f"Back to normal: {names.get(param, param)} {level.replace('AVAL ', '')}",
                     "Visit": visit, "n": fmt(s["N"], "count"), "Mean change (95% CI)": cell})
    return pd.DataFrame(rows).fillna("")
