"""Display of one time-to-event analysis (ard.time_to_event.ard_tte_analysis): a column per arm,
the per-arm estimates, then each active arm against the control. A statistic that cannot be
estimated shows "NE" and its reason in the footnote (tte_footnote), never 0."""
from __future__ import annotations

import pandas as pd

from ..arms import arm_header
from ..ard.time_to_event import COX, LOGRANK, RMST_DIFF
from .format import fmt

NE = "NE"


def _num(value, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return text[1:] if text.lstrip("-0.") == "" and text.startswith("-") else text    # no negative zero


def _time(value) -> str:
    """A time: whole numbers as such, else one decimal."""
    return fmt(value, "count") if float(value).is_integer() else _num(value, 1)


class _Lookup:
    def __init__(self, ard_: pd.DataFrame):
        self.ard = ard_
        self.stat = ard_.set_index(["group1", "group1_level", "group2_level", "variable_level", "stat_name"])["stat"]
        notes = ard_[ard_["group1"] == "NOTE"]
        self.notes = dict(zip(zip(notes["group1_level"], notes["group2_level"]), notes["variable_level"]))

    def get(self, group1, level, variable_level, stat_name, group2_level=""):
        return self.stat.get((group1, level, group2_level, variable_level, stat_name))

    def settings(self, name):
        s = self.ard[(self.ard["group1"] == "ANALYSIS") & (self.ard["stat_name"] == name)]["stat"]
        return list(s)


def _ci(look, group1, level, variable_level, show, group2_level="", names=("estimate", "lower", "upper")) -> str:
    est, low, up = (look.get(group1, level, variable_level, k, group2_level) for k in names)
    if est is None:
        return NE
    part = [show(v) if v is not None else NE for v in (est, low, up)]
    return f"{part[0]} ({part[1]}, {part[2]})"


def tte_arms(ard_: pd.DataFrame) -> list[str]:
    """The arms in the ARD's order (the caller's display order)."""
    return list(dict.fromkeys(ard_.loc[ard_["group1"] == "ARM", "group1_level"]))


def t_tte_analysis(ard_: pd.DataFrame, control: str, unit: str = "days") -> pd.DataFrame:
    """Display: rows Subjects, events, censored, median (95% CI), the KM event-free % at each
    landmark, RMST up to tau; then per active arm (its column) vs `control`: hazard ratio (95% CI),
    log-rank p (stratified where the ARD says so), RMST difference (95% CI)."""
    look = _Lookup(ard_)
    arms = tte_arms(ard_)
    if not arms:
        return pd.DataFrame({"Statistic": ["No subject in the analysis"]})
    heads = {a: arm_header(a, look.get("ARM", a, "overall", "N")) for a in arms}
    tau = look.settings("tau")[0]
    rows = []

    def add(label, cell):
        rows.append({"Statistic": label, **{heads[a]: cell(a) for a in arms}})

    def count_pct(name):
        def cell(a):
            n, big_n = look.get("ARM", a, "overall", name), look.get("ARM", a, "overall", "N")
            return f"{fmt(n, 'count')} ({_num(100 * n / big_n, 1)}%)" if big_n else fmt(n, "count")
        return cell
    add("Subjects, N", lambda a: fmt(look.get("ARM", a, "overall", "N"), "count"))
    add("With the event, n (%)", count_pct("events"))
    add("Censored, n (%)", count_pct("censored"))
    add(f"Median time to the event, {unit} (95% CI)", lambda a: _ci(look, "ARM", a, "median", _time))
    pct = lambda v: _num(100 * v, 1)  # noqa: E731
    for t in look.settings("landmark"):
        add(f"Event-free at {t:g} {unit}, % (95% CI)",
            lambda a, t=t: _ci(look, "ARM", a, "landmark", pct, f"{t:g}", ("surv", "lower", "upper")))
    add(f"RMST up to {tau:g} {unit} (95% CI)", lambda a: _ci(look, "ARM", a, "rmst", lambda v: _num(v, 1)))
    contrasts = ard_[ard_["group1"] == "CONTRAST"]
    strata = next((s for s in contrasts["group2_level"] if s), "")

    def versus(show):
        def cell(a):
            return "" if a == control else show(f"{a} vs {control}")
        return cell
    rows.append({"Statistic": f"Compared with {control}", **{heads[a]: "" for a in arms}})
    add("Hazard ratio (95% CI)",
        versus(lambda c: _ci(look, "CONTRAST", c, COX, lambda v: _num(v, 2), strata, ("hr", "lower", "upper"))))
    add("Cox p", versus(lambda c: _p(look.get("CONTRAST", c, COX, "p", strata))))
    add("Stratified log-rank p" if strata else "Log-rank p",
        versus(lambda c: _p(look.get("CONTRAST", c, LOGRANK, "p", strata))))
    add(f"RMST difference, {unit} (95% CI)",
        versus(lambda c: _ci(look, "CONTRAST", c, RMST_DIFF, lambda v: _num(v, 1))))
    return pd.DataFrame(rows)


def _p(p) -> str:
    return NE if p is None else fmt(p, "p")


def tte_footnote(ard_: pd.DataFrame, control: str, unit: str = "days") -> str:
    """The methods as run (CI methods, ties, strata, tau and its rule), the log-rank test across all
    arms where there are 3+, and the reason for every NE."""
    look = _Lookup(ard_)
    contrasts = ard_[ard_["group1"] == "CONTRAST"]
    strata = next((s for s in contrasts["group2_level"] if s), "")
    by = f", stratified by {strata}" if strata else ""
    ties = "Efron" if look.settings("ties_efron")[0] == 1 else "Breslow"
    tau, given = look.settings("tau")[0], look.settings("tau_given")[0] == 1
    rule = "as specified" if given else "the largest time at which every arm still has subjects at risk"
    text = [f"Kaplan-Meier estimates; median with the Brookmeyer-Crowley 95% CI and event-free probabilities with "
            f"the 95% CI on the log(-log) scale (Greenwood variance). Each arm vs {control} on the subjects of the "
            f"two arms: hazard ratio from a Cox model ({ties} ties{by}) with its Wald 95% CI and p; log-rank "
            f"test{by}. RMST: the area under the Kaplan-Meier curve up to tau = {tau:g} {unit} ({rule}); its "
            "difference with a normal 95% CI (Greenwood-type variances)."]
    overall = look.get("TEST", "all arms", LOGRANK, "p", strata)
    if overall is not None:
        chi2, df = look.get("TEST", "all arms", LOGRANK, "chi2", strata), look.get("TEST", "all arms", LOGRANK, "df",
                                                                                       strata)
        text.append(f"Log-rank test across all arms{by}: chi-square {chi2:.2f}, df {df:.0f}, p {fmt(overall, 'p')}.")
    if look.notes:
        text.append("NE: not estimable: " + "; ".join(f"{where}, {item}: {reason}"
                                                      for (where, item), reason in look.notes.items()) + ".")
    return " ".join(text)
