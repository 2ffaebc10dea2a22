"""Trial conduct in numbers (o_accrual, o_completeness): accrual by month and the expected and
available assessments by visit, for the open and single-arm review reports (all subjects)."""
from __future__ import annotations

import pandas as pd

COLUMNS = ["group1", "group1_level", "group2", "group2_level", "variable", "variable_level", "stat_name", "stat"]


def ard_accrual(adsl: pd.DataFrame) -> pd.DataFrame:
    """Screened (by consent date) and randomized/enrolled (randomization date, else first dose) per
    calendar month, with cumulative counts: group1 MONTH; stat_name screened, enrolled and their
    cumulative_ counts."""
    screened = adsl["RFICDT"].dt.to_period("M").value_counts()
    enrolled_date = adsl["RANDDT"] if "RANDDT" in adsl and adsl["RANDDT"].notna().any() else adsl["TRTSDT"]
    enrolled = enrolled_date[adsl["ENRLFL"] == "Y"].dt.to_period("M").value_counts()
    months = pd.period_range(min(screened.index.min(), enrolled.index.min()),
                             max(screened.index.max(), enrolled.index.max()), freq="M")
    counts = {"screened": screened.reindex(months, fill_value=0), "enrolled": enrolled.reindex(months, fill_value=0)}
    counts |= {f"cumulative_{k}": v.cumsum() for k, v in list(counts.items())}
    rows = [dict(group1="MONTH", group1_level=str(m), group2="", group2_level="", variable="accrual",
                 variable_level="", stat_name=name, stat=int(values[m]))
            for m in months for name, values in counts.items()]
    return pd.DataFrame(rows, columns=COLUMNS)


def ard_completeness(adsl: pd.DataFrame, adeff: pd.DataFrame, visits: list[dict], params: list[str],
                     cut: str) -> pd.DataFrame:
    """Expected vs available assessments by visit: expected = FAS subjects on study when the visit's
    window closed (or by the cut); available = of those, an analysed value in the window; collected
    = 1 when any record of the parameter has the visit. group1 AVISIT; variable the PARAMCD (blank
    for the expected count)."""
    fas = adsl[adsl["FASFL"] == "Y"].set_index("USUBJID")
    end = fas["EOSDT"].fillna(pd.Timestamp(cut))
    rows = []
    for v in [v for v in visits if "window" in v]:
        due = fas["REFSDT"] + pd.to_timedelta(v["day"] - 1 + v["window"], unit="D")
        opens = fas["REFSDT"] + pd.to_timedelta(v["day"] - 1 - v["window"], unit="D")
        expected = set(fas.index[(due <= pd.Timestamp(cut)) & (end >= opens)])
        at = dict(group1="AVISIT", group1_level=v["name"], group2="", group2_level="")
        rows.append(dict(at, variable="", variable_level="", stat_name="expected", stat=len(expected)))
        for p in params:
            records = (adeff["PARAMCD"] == p) & (adeff["AVISIT"] == v["name"])
            have = set(adeff.loc[records & (adeff["ANL01FL"] == "Y") & adeff["AVAL"].notna(), "USUBJID"]) & expected
            rows += [dict(at, variable=p, variable_level="", stat_name="available", stat=len(have)),
                     dict(at, variable=p, variable_level="", stat_name="collected", stat=int(records.any()))]
    return pd.DataFrame(rows, columns=COLUMNS)
