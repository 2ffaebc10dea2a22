"""Trial conduct for the open and single-arm review reports: accrual, data completeness, protocol
deviations (all subjects). The accrual figure is figures.conduct.g_accrual."""
from __future__ import annotations

import pandas as pd

from ..numbers import decimal_text
from ..adam.exposure import derive_infusion_of_onset
from ..adam.liver import derive_hys_law_peaks
from ..adam.standardize import standardize_adae, standardize_adsl, standardize_bds
from ..ard.conduct import ard_accrual, ard_completeness
from ..ard.safety import ard_ae_overview, ard_ae_soc_pt, ard_aesi, ard_hys_law
from ..listings.safety import listing_serious
from .format import available_cell
from .safety import NO_AESI, t_incidence


def t_accrual(ard: pd.DataFrame) -> pd.DataFrame:
    """Screened and randomized/enrolled by calendar month, with cumulative counts (ard_accrual)."""
    wide = ard.pivot(index="group1_level", columns="stat_name", values="stat")
    wide = wide.reindex(list(dict.fromkeys(ard["group1_level"])))
    return pd.DataFrame({"Month": wide.index, "Screened": wide["screened"].to_numpy(),
                         "Enrolled": wide["enrolled"].to_numpy(),
                         "Cumulative screened": wide["cumulative_screened"].to_numpy(),
                         "Cumulative enrolled": wide["cumulative_enrolled"].to_numpy()})


def t_completeness(ard: pd.DataFrame, names: dict[str, str] | None = None) -> pd.DataFrame:
    """Expected vs available assessments by visit (ard_completeness); `names`: PARAMCD -> name (unit)."""
    names = names or {}
    rows = []
    for visit, sel in ard.groupby("group1_level", sort=False):
        stat = sel.set_index(["variable", "stat_name"])["stat"]
        expected = int(stat[("", "expected")])
        row = {"Visit": visit, "Expected": expected}
        for p in dict.fromkeys(sel.loc[sel["variable"] != "", "variable"]):
            row[f"{names.get(p, p)} available"] = available_cell(int(stat[(p, "available")]), expected,
                                                                 bool(stat[(p, "collected")]))
        rows.append(row)
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=["Visit", "Expected"])   # no visit window


def t_deviations(adsl: pd.DataFrame, adeff: pd.DataFrame, planned_infusions: int, key_parameter: str,
                 randomized: bool = True, key_name: str | None = None, dose_word: str = "infusion") -> pd.DataFrame:
    """Subjects with each type of protocol deviation among the randomized/enrolled (`randomized`
    False: a single-arm study, worded "after enrolment"). A missed dose: fewer doses than the
    `planned_infusions` (an infusion regimen's infusion_days; none planned, e.g. daily dosing whose
    doses are periods: the row is left out), `dose_word` naming it."""
    enrolled = adsl[adsl["ENRLFL"] == "Y"]
    dosed = enrolled[enrolled["NINF"] > 0]
    missed = dosed[(dosed["NINF"] < planned_infusions) & (dosed["EOSSTT"] != "DISCONTINUED")]
    out_of_window = adeff[(adeff["PARAMCD"] == key_parameter) & (adeff["AVISIT"] == "UNSCHEDULED")]["USUBJID"]
    rows = [(f"Missed {dose_word} (fewer than planned, not discontinued)", len(missed)),
            (f"Never dosed after {'randomization' if randomized else 'enrolment'}", int((enrolled["NINF"] == 0).sum())),
            (f"{key_name or key_parameter} assessment outside every visit window", out_of_window.nunique()),
            ("Prohibited medication on study", int((enrolled["PROHIBFL"] == "Y").sum())),
            ("Enrolled although failing a criterion by the data", int((enrolled["ELIGFL"] == "N").sum()))]
    if not key_parameter:               # no key parameter (a safety-only study): no window to miss
        rows = [r for r in rows if "visit window" not in r[0]]
    if not planned_infusions:           # no count of doses planned: none to miss
        rows = rows[1:]
    n = len(enrolled)
    return pd.DataFrame([{"Deviation": d, "Subjects": f"{k} ({decimal_text(100 * k / n, 1)}%)" if n else "0"}
                         for d, k in rows])


NO_PARAMETER = ("Available", "no efficacy parameter: the protocol declares none")


def conduct_tables(adsl: pd.DataFrame, adeff: pd.DataFrame, protocol: dict, cut: str,
                   randomized: bool = True) -> dict[str, pd.DataFrame]:
    """The open side's trial-conduct tables of a protocol: accrual by month, completeness of the
    key parameter (and the daily insulin dose where declared) by visit, protocol deviations;
    parameters named with their unit, visits in words."""
    from ..protocol import dose_words, parameter_names
    from .format import readable_visits
    key = (protocol.get("populations") or {}).get("key_parameter")     # none in a safety-only study
    dose = protocol.get("insulin", {}).get("daily_dose")
    params = ([key] if key else []) + ([dose["paramcd"]] if dose else [])
    names = parameter_names(protocol)
    accrual = ard_accrual(adsl)
    completeness = ard_completeness(adsl, adeff, protocol["visits"], params, cut)
    table = readable_visits(t_completeness(completeness, names))
    if not params:
        table[NO_PARAMETER[0]] = NO_PARAMETER[1]
    return {"accrual_ard": accrual, "accrual": t_accrual(accrual), "completeness_ard": completeness,
            "completeness": table,
            "deviations": t_deviations(adsl, adeff, len(protocol["treatment"].get("infusion_days", [])), key or "",
                                       randomized, names.get(key), dose_words(protocol)["dose_word"])}


POOLED = "All subjects"      # the one column of the open side's pooled tables


def open_side_tables(adsl: pd.DataFrame, adae: pd.DataFrame, adeff: pd.DataFrame, protocol: dict, cut: str,
                     randomized: bool = True) -> dict[str, pd.DataFrame]:
    """The open report's own files (open/tables/): the trial-conduct tables and their ARDs, and the AE
    overview pooled over every subject (its ARD and display)."""
    pooled = standardize_adsl(adsl.assign(POOLED=POOLED), "POOLED")
    overview = ard_ae_overview(pooled, standardize_adae(adae, pooled))
    return {**conduct_tables(adsl, adeff, protocol, cut, randomized), "ae_overview_ard": overview,
            "ae_overview": t_incidence(overview)}


def open_safety_tables(adsl: pd.DataFrame, adae: pd.DataFrame, adlb: pd.DataFrame | None,
                       adex: pd.DataFrame | None, aesi_names: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """The open session's safety, pooled over every subject of the blinded ADaM with the closed side's
    functions (one arm, `POOLED`): TEAEs by SOC and PT, AESIs, the Hy's-law screen (lab alerts), each
    ARD and display, and the serious TEAE listing without an arm column."""
    pooled = standardize_adsl(adsl.assign(POOLED=POOLED), "POOLED")
    teae = standardize_adae(adae, pooled)
    if adex is not None and "ASTDT" in adex:          # days since the last infusion in the SAE listing
        teae = derive_infusion_of_onset(teae, adex)
    out = {"ae_soc_pt_ard": ard_ae_soc_pt(pooled, teae), "aesi_ard": ard_aesi(pooled, teae, names=aesi_names)}
    if adlb is not None:
        peak = derive_hys_law_peaks(standardize_bds(adlb, pooled, "ANL01FL"))
        out["lab_alerts_ard"] = ard_hys_law(peak, pooled)
    tables = {name.removesuffix("_ard"): t_incidence(ard_, NO_AESI if name == "aesi_ard" else "No events in "
                                                     "this category") for name, ard_ in out.items()}
    serious = listing_serious(teae, pooled, [POOLED]).drop(columns="Arm")
    return {**out, **tables, "sae_listing": serious}
