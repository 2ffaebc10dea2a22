"""Subject flow: CONSORT counts from screening to analysis, and eligibility by criterion."""
from __future__ import annotations

import pandas as pd

from ..adam.eligibility import filter_disagreements
from ..arms import arm_header
from ..ard.shape import ard
from .format import humanize

STAGES = ["SCREENED", "SCREEN FAILURE", "ENROLLED", "NOT DOSED", "DOSED", "DISCONTINUED", "COMPLETED",
          "ONGOING", "EXCLUDED FROM FAS", "FAS", "EXCLUDED FROM PP", "PP", "SAFETY"]


def ard_consort(adsl: pd.DataFrame, arm: str | None = None) -> pd.DataFrame:
    """CONSORT counts with a reason for every exclusion; by `arm` (an ADSL column) after
    enrolment when given. Screening counts are never by arm (no arm exists before randomization)."""
    rows = [dict(variable="SCREENED", stat_name="n", stat=len(adsl))]
    sf = adsl[adsl["SCRFFL"] == "Y"]
    reasons = sf["SFREAS"].fillna("no criterion recorded in IE")
    rows.append(dict(variable="SCREEN FAILURE", stat_name="n", stat=len(sf)))
    rows += [dict(variable="SCREEN FAILURE", variable_level=r, stat_name="n", stat=int(n))
             for r, n in reasons.value_counts().sort_index().items()]
    enrolled = adsl[adsl["ENRLFL"] == "Y"]
    groups = [("", "", enrolled)] if arm is None else \
        [(arm, level, g) for level, g in enrolled.groupby(arm, sort=True)]
    for g1, level, g in groups:
        base = dict(group1=g1, group1_level=level, stat_name="n")

        def count(variable, frame, by=None):
            rows.append(dict(base, variable=variable, stat=len(frame)))
            if by is not None:
                rows.extend(dict(base, variable=variable, variable_level=r, stat=int(n))
                            for r, n in frame[by].value_counts().sort_index().items())
        count("ENROLLED", g)
        count("NOT DOSED", g[g["SAFFL"] == "N"], "DCSREAS")
        count("DOSED", g[g["SAFFL"] == "Y"])
        count("DISCONTINUED", g[g["EOSSTT"] == "DISCONTINUED"], "DCSREAS")
        count("COMPLETED", g[g["EOSSTT"] == "COMPLETED"])
        count("ONGOING", g[g["EOSSTT"] == "ONGOING"])
        count("EXCLUDED FROM FAS", g[g["FASFL"] == "N"], "FASREAS")
        count("FAS", g[g["FASFL"] == "Y"])
        fas = g[g["FASFL"] == "Y"]
        count("EXCLUDED FROM PP", fas[fas["PPROTFL"] == "N"], "PPREAS")
        count("PP", g[g["PPROTFL"] == "Y"])
        count("SAFETY", g[g["SAFFL"] == "Y"])
    return ard(rows)


def ard_eligibility(elig: pd.DataFrame) -> pd.DataFrame:
    """Per criterion: subjects evaluated, failing by the data, recorded failing by the
    investigator (IE), and disagreements between the two."""
    rows = []
    for (crit, cat, text, method), g in elig.groupby(["CRITID", "CATEGORY", "CRITERION", "METHOD"], sort=True):
        decided = g["DATA_FAIL"].notna()
        stats = {"evaluated": int(decided.sum()), "fail_by_data": int((g["DATA_FAIL"] == True).sum()),  # noqa: E712
                 "fail_by_investigator": int(g["INV_FAIL"].sum()),
                 "disagreements": int((g["AGREE"] == False).sum())}  # noqa: E712
        for name, value in stats.items():
            rows.append(dict(group1="CATEGORY", group1_level=cat, group2="METHOD", group2_level=method,
                             variable=crit, variable_level=text, stat_name=name, stat=value))
    return ard(rows)


ELIGIBILITY_COUNTS = {"evaluated": "Evaluated", "fail_by_data": "Failed by the data",
                      "fail_by_investigator": "Failed by the investigator", "disagreements": "Disagreements"}


def t_eligibility(eligibility: pd.DataFrame) -> pd.DataFrame:
    """Display of ard_eligibility: one row per criterion, subjects as whole numbers (a study without
    eligibility criteria: one line saying so)."""
    if not len(eligibility):
        return pd.DataFrame({"Category": ["none"], "Criterion": [""],
                             "Text": ["no eligibility criteria: the protocol declares none (protocol.yaml criteria)"]})
    wide = eligibility.pivot_table(index=["group1_level", "variable", "variable_level", "group2_level"],
                                   columns="stat_name", values="stat", sort=False).reset_index()
    counts = [c for c in ELIGIBILITY_COUNTS if c in wide]
    wide[counts] = wide[counts].round().astype(int)
    wide["group1_level"] = wide["group1_level"].str.capitalize()           # EXCLUSION -> Exclusion
    return wide[["group1_level", "variable", "variable_level", "group2_level", *counts]].rename(columns={
        "group1_level": "Category", "variable": "Criterion", "variable_level": "Text", "group2_level": "Decided by",
        **ELIGIBILITY_COUNTS})


def _n(consort: pd.DataFrame, variable: str, level: str, reason: str = "") -> int:
    sel = consort[(consort["variable"] == variable) & (consort["group1_level"] == level)
                  & (consort["variable_level"] == reason)]
    return int(sel["stat"].iloc[0]) if len(sel) else 0


def t_populations(consort: pd.DataFrame, enrolled: str = "Randomized / enrolled",
                  dose_word: str = "infusion") -> pd.DataFrame:
    """Analysis populations per arm (or pooled) from the CONSORT ARD; `enrolled`: the label of the
    enrolled row ("Enrolled" for a single-arm study, which does not randomize); `dose_word`: the
    regimen's word for one dose (protocol.dose_words: "infusion", "dose")."""
    levels = list(dict.fromkeys(consort.loc[consort["variable"] == "ENROLLED", "group1_level"]))
    rows = []
    for variable, label in (("ENROLLED", enrolled), ("SAFETY", f"Safety set (>= 1 {dose_word})"),
                            ("FAS", "Full analysis set"), ("PP", "Per-protocol set")):
        rows.append({"Population": label, **{lv or "All subjects": str(_n(consort, variable, lv)) for lv in levels}})
    return pd.DataFrame(rows)


def t_disposition(consort: pd.DataFrame, enrolled: str = "Randomized / enrolled",
                  dose_word: str = "infusion") -> pd.DataFrame:
    """Screened, screen failures by reason, enrolled, dosed, completed, discontinued by reason.
    `enrolled` and `dose_word` as in t_populations."""
    levels = list(dict.fromkeys(consort.loc[consort["variable"] == "ENROLLED", "group1_level"]))
    cols = [lv or "All subjects" for lv in levels]
    rows = [{"Status": "Screened", **{c: "" for c in cols}, "Total": str(_n(consort, "SCREENED", ""))},
            {"Status": "Screen failures", **{c: "" for c in cols}, "Total": str(_n(consort, "SCREEN FAILURE", ""))}]
    sf = consort[(consort["variable"] == "SCREEN FAILURE") & (consort["variable_level"] != "")]
    rows += [{"Status": f"  {r.variable_level}", **{c: "" for c in cols}, "Total": f"{int(r.stat)}"}
             for r in sf.itertuples()]
    for variable, label in (("ENROLLED", enrolled), ("DOSED", f"Received >= 1 {dose_word}"),
                            ("COMPLETED", "Completed the study"), ("ONGOING", "Ongoing at the data cut"),
                            ("DISCONTINUED", "Discontinued")):
        counts = [_n(consort, variable, lv) for lv in levels]
        rows.append({"Status": label, **{c: str(n) for c, n in zip(cols, counts)}, "Total": str(sum(counts))})
        if variable == "DISCONTINUED":
            reasons = sorted(set(consort.loc[(consort["variable"] == variable) & (consort["variable_level"] != ""),
                                             "variable_level"]))
            for reason in reasons:
                counts = [_n(consort, variable, lv, reason) for lv in levels]
                rows.append({"Status": f"  {reason.capitalize()}", **{c: str(n) for c, n in zip(cols, counts)},
                             "Total": str(sum(counts))})
    out = pd.DataFrame(rows)
    if levels == [""]:      # all subjects together: one column, the total
        out = out.drop(columns="All subjects").rename(columns={"Total": "All subjects"})
    return out


def listing_discontinued(adsl: pd.DataFrame, arm: str | None) -> pd.DataFrame:
    d = adsl[(adsl["ENRLFL"] == "Y") & (adsl["EOSSTT"] == "DISCONTINUED")]
    cols = ([arm] if arm else []) + ["USUBJID", "TRTSDT", "EOSDT", "DCSREAS", "NINF"]
    out = d[cols].rename(columns={arm: "Arm"} if arm else {})
    return out.sort_values([c for c in ("Arm", "USUBJID") if c in out], kind="mergesort")


def with_arm_n(table: pd.DataFrame, consort: pd.DataFrame, total: str | None = "Total") -> pd.DataFrame:
    """Arm columns headed "A (N=46)" and the total "Total (N=91)", N = enrolled (randomized); with
    one group (pooled, or a single arm) one column "Subjects" (screening rows included)."""
    levels = list(dict.fromkeys(consort.loc[consort["variable"] == "ENROLLED", "group1_level"]))
    if len(levels) == 1 and "Status" in table:    # disposition of one group: one column, screening included
        one = levels[0] or "All subjects"
        merged = table[one].where(table[one] != "", table[total]) if total in table else table[one]
        return table.drop(columns=[c for c in (one, total) if c in table]).assign(Subjects=merged)
    names = {lv or "All subjects": arm_header(lv or "All subjects", _n(consort, "ENROLLED", lv)) for lv in levels}
    if total in table:
        names[total] = arm_header(total, sum(_n(consort, "ENROLLED", lv) for lv in levels))
    return table.rename(columns=names)


def eligibility_outputs(elig: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The eligibility ARD, the listing of data-vs-investigator disagreements and the display table."""
    eligibility = ard_eligibility(elig)
    return eligibility, humanize(filter_disagreements(elig)), t_eligibility(eligibility)
