"""Trial conduct for the open and single-arm review reports: accrual, data completeness, protocol
deviations (all subjects). The accrual figure is figures.conduct.g_accrual."""
from __future__ import annotations

import pandas as pd


def t_accrual(adsl: pd.DataFrame) -> pd.DataFrame:
    """Screened and randomized/enrolled by calendar month, with cumulative counts."""
    screened = adsl["RFICDT"].dt.to_period("M").value_counts()
    enrolled_date = adsl["RANDDT"] if "RANDDT" in adsl and adsl["RANDDT"].notna().any() else adsl["TRTSDT"]
    enrolled = enrolled_date[adsl["ENRLFL"] == "Y"].dt.to_period("M").value_counts()
    months = pd.period_range(min(screened.index.min(), enrolled.index.min()),
                             max(screened.index.max(), enrolled.index.max()), freq="M")
    out = pd.DataFrame({"Month": months.astype(str), "Screened": screened.reindex(months, fill_value=0).to_numpy(),
                        "Enrolled": enrolled.reindex(months, fill_value=0).to_numpy()})
    out["Cumulative screened"] = out["Screened"].cumsum()
    out["Cumulative enrolled"] = out["Enrolled"].cumsum()
    return out


def t_completeness(adsl: pd.DataFrame, adeff: pd.DataFrame, visits: list[dict], params: list[str],
                   cut: str) -> pd.DataFrame:
    """Expected vs available assessments by visit: expected = FAS subjects on study when the
    visit's window closed (or by the cut); available = an analysed value in the window."""
    fas = adsl[adsl["FASFL"] == "Y"].set_index("USUBJID")
    end = fas["EOSDT"].fillna(pd.Timestamp(cut))
    rows = []
    for v in [v for v in visits if "window" in v]:
        due = fas["REFSDT"] + pd.to_timedelta(v["day"] - 1 + v["window"], unit="D")
        opens = fas["REFSDT"] + pd.to_timedelta(v["day"] - 1 - v["window"], unit="D")
        expected = set(fas.index[(due <= pd.Timestamp(cut)) & (end >= opens)])
        row = {"Visit": v["name"], "Expected": len(expected)}
        for p in params:
            have = set(adeff.loc[(adeff["PARAMCD"] == p) & (adeff["AVISIT"] == v["name"]) & (adeff["ANL01FL"] == "Y")
                                 & adeff["AVAL"].notna(), "USUBJID"]) & expected
            collected = ((adeff["PARAMCD"] == p) & (adeff["AVISIT"] == v["name"])).any()
            row[f"{p} available"] = ("not collected at this visit" if not collected and not have else
                                     f"{len(have)} ({100 * len(have) / len(expected):.1f}%)" if expected else "0")
        rows.append(row)
    return pd.DataFrame(rows)


def t_deviations(adsl: pd.DataFrame, adeff: pd.DataFrame, planned_infusions: int, key_parameter: str,
                 randomized: bool = True, key_name: str | None = None) -> pd.DataFrame:
    """Subjects with each type of protocol deviation among the randomized/enrolled (`randomized`
    False: a single-arm study, worded "after enrolment")."""
    enrolled = adsl[adsl["ENRLFL"] == "Y"]
    dosed = enrolled[enrolled["NINF"] > 0]
    missed = dosed[(dosed["NINF"] < planned_infusions) & (dosed["EOSSTT"] != "DISCONTINUED")]
    out_of_window = adeff[(adeff["PARAMCD"] == key_parameter) & (adeff["AVISIT"] == "UNSCHEDULED")]["USUBJID"]
    rows = [("Missed infusion (fewer than planned, not discontinued)", len(missed)),
            (f"Never dosed after {'randomization' if randomized else 'enrolment'}", int((enrolled["NINF"] == 0).sum())),
            (f"{key_name or key_parameter} assessment outside every visit window", out_of_window.nunique()),
            ("Prohibited medication on study", int((enrolled["PROHIBFL"] == "Y").sum())),
            ("Enrolled although failing a criterion by the data", int((enrolled["ELIGFL"] == "N").sum()))]
    n = len(enrolled)
    return pd.DataFrame([{"Deviation": d, "Subjects": f"{k} ({100 * k / n:.1f}%)" if n else "0"} for d, k in rows])


def conduct_tables(adsl: pd.DataFrame, adeff: pd.DataFrame, protocol: dict, cut: str,
                   randomized: bool = True) -> dict[str, pd.DataFrame]:
    """The open side's trial-conduct tables of a protocol: accrual by month, completeness of the
    key parameter (and the daily insulin dose where declared) by visit, protocol deviations;
    parameters named with their unit, visits in words."""
    from ..protocol import parameter_names
    from .format import readable_visits
    key = protocol["populations"]["key_parameter"]
    dose = protocol.get("insulin", {}).get("daily_dose")
    params = [key] + ([dose["paramcd"]] if dose else [])
    names = parameter_names(protocol)           # "<PARAMCD> available" -> "<name (unit)> available"
    completeness = t_completeness(adsl, adeff, protocol["visits"], params, cut).rename(
        columns=lambda c: f"{names[c.split(' ')[0]]} available" if c.split(" ")[0] in names else c)
    return {"accrual": t_accrual(adsl), "completeness": readable_visits(completeness),
            "deviations": t_deviations(adsl, adeff, len(protocol["treatment"]["infusion_days"]), key, randomized,
                                       names.get(key))}
