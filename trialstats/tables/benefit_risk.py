"""The effects table of the benefit-risk assessment, in the style of the FDA benefit-risk framework
and PrOACT-URL's effects table: favourable then unfavourable effects, each with its definition,
the arms' values, the difference with its 95% CI, the uncertainty in words and its source output."""
from __future__ import annotations

import pandas as pd

from ..ard.benefit_risk import number as _num, short_unit

KINDS = {"Benefit": "Favourable", "Risk": "Unfavourable"}


def uncertainty(row) -> str:
    """Whether the 95% CI excludes no difference, and to which arm's benefit or harm."""
    if row["lower"] != row["lower"]:
        return "not estimable"
    if row["lower"] <= 0 <= row["upper"]:
        return "CI includes 0"
    if row["kind"] == "Risk":
        return f"CI excludes 0; more on {row['arm'] if row['estimate'] > 0 else row['versus']}"
    better = (row["estimate"] > 0) == (row["favourable"] == "higher")
    return f"CI excludes 0; favours {row['arm'] if better else row['versus']}"


def t_effects(effects: pd.DataFrame, numbers: dict[str, str]) -> pd.DataFrame:
    """The display: one row per effect (and active arm), favourable then unfavourable effects; the
    arms' values under "Arm <label>" when there is one active arm (each value carries its own n/N:
    efficacy on the full analysis set, safety on the safety set)."""
    one = effects["arm"].nunique() == 1
    rows = []
    for kind in ("Benefit", "Risk"):
        for _, r in effects[effects["kind"] == kind].iterrows():
            diff = (f"{_num(r['estimate'], r['unit'])} ({_num(r['lower'], r['unit'])} to "
                    f"{_num(r['upper'], r['unit'])})" if r["estimate"] == r["estimate"] else "NE")
            p = "" if r["p"] != r["p"] else "< 0.0001" if r["p"] < 0.0001 else f"{r['p']:.4f}"
            values = ({f"Arm {r['arm']}": r["arm_value"], f"Arm {r['versus']}": r["versus_value"]} if one else
                      {"Arm": f"{r['arm']}: {r['arm_value']}",
                       "Compared with": f"{r['versus']}: {r['versus_value']}"})
            rows.append({"Type": KINDS[kind], "Effect": r["effect"], "Definition": r["definition"],
                         "Unit": short_unit(r["unit"]), "Better": r["favourable"], **values,
                         f"Difference{' ' + r['arm'] + ' - ' + r['versus'] if one else ''} (95% CI)": diff,
                         "p": p, "Uncertainty": uncertainty(r),
                         "Source": numbers.get(r["source"], r["source"])})
    return pd.DataFrame(rows)
