"""Displays of the reaction ARDs (trialstats.ard.reactions): composite by window and dose, re-challenge,
temperature categories, concomitant medications with those started after a dose."""
from __future__ import annotations

import pandas as pd

from ..ard.reactions import ANY_DOSE, RECHALLENGE
from ..arms import arm_header
from .format import fmt


def _arms(ard_: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(ard_.loc[ard_["group1"] == "ARM", "group1_level"]))


def _head(arm: str, n_by_arm: dict | None) -> str:
    """"A (N=45)" where the arm's safety N is known, else the arm."""
    n = (n_by_arm or {}).get(arm)
    return arm_header(arm, n) if n is not None else arm


def _dose(level: str) -> str:
    return "Any dose" if level == ANY_DOSE else f"Dose {level}"


def _share(n, big_n, pct) -> str:
    return f"{fmt(n, 'count')}/{fmt(big_n, 'count')} ({fmt(pct, 'pct') or '-'}%)"


def t_reactions(ard_: pd.DataFrame, n_by_arm: dict | None = None) -> pd.DataFrame:
    """Rows: window, term (the composite first), dose; per arm "n/N (%) [events]", N: the arm's subjects
    who received the dose."""
    if ard_.empty:
        return pd.DataFrame({"Window": ["No dose recorded"]})
    arms = _arms(ard_)
    stat = ard_.set_index(["variable", "variable_level", "group2_level", "group1_level", "stat_name"])["stat"]
    rows = []
    for window, term, dose in dict.fromkeys(zip(ard_["variable"], ard_["variable_level"], ard_["group2_level"])):
        row = {"Window": window, "Reaction": term, "Dose": _dose(dose)}
        for a in arms:
            g = {s: stat[(window, term, dose, a, s)] for s in ("n", "N", "pct", "events")}
            cell = f"{_share(g['n'], g['N'], g['pct'])} [{fmt(g['events'], 'count')}]"
            if (window, term, dose, a, "cp_lower") in stat:
                cell += (f" CI {fmt(stat[(window, term, dose, a, 'cp_lower')], 'pct')}-"
                         f"{fmt(stat[(window, term, dose, a, 'cp_upper')], 'pct')}")
            row[arm_header(a, (n_by_arm or {}).get(a, g["N"]))] = cell
        rows.append(row)
    return pd.DataFrame(rows)


def t_rechallenge(ard_: pd.DataFrame, n_by_arm: dict | None = None) -> pd.DataFrame:
    """Rows: dose k, outcome; per arm "n (% of those with a reaction after dose k)", the recurrence also
    as % of those re-challenged."""
    if ard_.empty:
        return pd.DataFrame({"Dose": ["No subject received a next dose"]})
    arms = _arms(ard_)
    stat = ard_.set_index(["group2_level", "variable_level", "group1_level", "stat_name"])["stat"]
    rows = []
    for dose in dict.fromkeys(ard_["group2_level"]):
        for level in RECHALLENGE:
            k = int(dose)
            row = {"Dose": f"Dose {k} to dose {k + 1}",
                   "Outcome": level.replace("k+1", str(k + 1)).replace("dose k", f"dose {k}")}
            for a in arms:
                n, pct = stat[(dose, level, a, "n")], stat[(dose, level, a, "pct")]
                cell = fmt(n, "count") + ("" if level == RECHALLENGE[0] or pd.isna(pct) else f" ({fmt(pct, 'pct')}%)")
                again = stat.get((dose, level, a, "pct_rechallenged"))
                if level == RECHALLENGE[2] and pd.notna(again):
                    cell += f"; {fmt(again, 'pct')}% of those re-challenged"
                row[_head(a, n_by_arm)] = cell
            rows.append(row)
    return pd.DataFrame(rows)


def t_temperature(ard_: pd.DataFrame, n_by_arm: dict | None = None) -> pd.DataFrame:
    """Rows: dose, time point; per arm and category (>= threshold) a column "n/measured (%)"."""
    if ard_.empty:
        return pd.DataFrame({"Dose": ["No temperature recorded at a time point of a dosing visit"]})
    arms = _arms(ard_)
    levels = [lv for lv in dict.fromkeys(ard_["variable_level"]) if lv != "measured"]
    stat = ard_.set_index(["group2_level", "variable", "variable_level", "group1_level", "stat_name"])["stat"]
    rows = []
    for dose, point in dict.fromkeys(zip(ard_["group2_level"], ard_["variable"])):
        row = {"Dose": _dose(dose), "Time point": point}
        for a in arms:
            measured = stat[(dose, point, "measured", a, "n")]
            for level in levels:
                row[f"{_head(a, n_by_arm)}: {level} C"] = _share(
                    stat[(dose, point, level, a, "n")], measured, stat[(dose, point, level, a, "pct")])
        rows.append(row)
    return pd.DataFrame(rows)


def t_medications_after_dose(ard_: pd.DataFrame, n_by_arm: dict | None = None) -> pd.DataFrame:
    """Rows: class, then its medications (indented); per arm "n (%)" taking one and "n (%)" who started one
    within the protocol's window after a dose (the footnote names it)."""
    if ard_.empty:
        return pd.DataFrame({"Medication": ["No concomitant medication recorded"]})
    arms = _arms(ard_)
    stat = ard_.set_index(["group2_level", "variable_level", "group1_level", "stat_name"])["stat"]
    after = "started after a dose"
    rows = []
    for cls, name in dict.fromkeys(zip(ard_["group2_level"], ard_["variable_level"])):
        row = {"Medication": cls if name == "ANY" else name if cls == "" else "    " + name}
        for a in arms:
            big_n = stat[(cls, name, a, "N")]
            head = arm_header(a, (n_by_arm or {}).get(a, big_n))
            for column, n in ((f"{head}: taking", "n"), (f"{head}: {after}", "n_after_dose")):
                pct = n.replace("n", "pct", 1)
                row[column] = f"{fmt(stat[(cls, name, a, n)], 'count')} ({fmt(stat[(cls, name, a, pct)], 'pct')}%)"
        rows.append(row)
    return pd.DataFrame(rows)
