"""Subject flow: CONSORT counts from screening to analysis, and eligibility by criterion."""
from __future__ import annotations

import pandas as pd

from .ard import ard

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
