"""The ADaM route's exposure, exposure-adjusted incidence, prior and concomitant medications, liver
listings and the data queries of its AEs (run_adam_study adds them), keyed as run_adam_study keys
its outputs; a footnote that only the data can word is a str (written as <key>.txt)."""
from __future__ import annotations

import pandas as pd

from ..adam.liver import derive_hys_law_peaks, hys_law_assessment
from ..adam.occds import is_fatal
from ..adam.standardize import standardize_adae, standardize_adsl, standardize_bds
from ..ard.conmeds import ard_medications, class_column, medication_periods
from ..ard.exposure import (ard_exposure_adex, ard_exposure_adsl, duration_categories, exposure_columns,
                            exposure_decimals, time_at_risk_end)
from ..ard.safety import arms_and_n
from ..ard.time_to_event import ard_exposure_adjusted
from ..arms import arm_sizes
from ..listings.safety import listing_deaths, listing_liver
from ..sdtm.queries import fatal_not_serious
from ..vocabulary import related_terms
from .format import fmt, fmt_fixed
from .safety import t_exposure_adjusted, t_incidence

LIVER_TESTS = ("ALT", "AST", "BILI", "ALP")
FATAL_COMMENT = "Fatal TEAE not flagged serious (AESER not Y): a data query (appendix)"
ROLE_LABELS = {"duration": "Duration of exposure", "cumulative_dose": "Cumulative dose",
               "average_daily_dose": "Average daily dose"}
DOSE_ROLES = ("cumulative_dose", "average_daily_dose")
NO_DOSE = "not applicable (placebo)"


def t_exposure_summary(ard_: pd.DataFrame, n_by_arm: dict, decimals: dict | None = None) -> pd.DataFrame:
    """Display of ard_exposure_adsl / ard_exposure_adex: per variable (with its unit) the rows n,
    Mean (SD), Median, Min, max (min and max at the decimals of the data, mean, SD and median at one
    more), then subjects by duration category n (%) and the patient-years; one column per arm. A dose
    of an arm whose every dose is 0 (a placebo arm): NO_DOSE instead of its zero statistics."""
    if ard_.empty:
        return pd.DataFrame({"Exposure": ["No exposure variable (ADSL TRTDURD, TRTDUR, CUMDOSE, AVGDD)"]})
    arms = list(dict.fromkeys(ard_["group1_level"]))
    head = {a: f"{a} (N={n_by_arm.get(a, '')})" for a in arms}
    stat = ard_.set_index(["variable", "variable_level", "group1_level", "stat_name"])["stat"]
    rows = []
    for (var, level), g in ard_.groupby(["variable", "variable_level"], sort=False):
        if var == "duration_category":
            if not any(r["Exposure"] == "Duration category, n (%)" for r in rows):
                rows.append({"Exposure": "Duration category, n (%)", "Statistic": "", **{head[a]: "" for a in arms}})
            rows.append({"Exposure": "", "Statistic": level, **{
                head[a]: f"{fmt(stat[(var, level, a, 'n')], 'count')} ({fmt(stat[(var, level, a, 'pct')], 'pct')}%)"
                for a in arms}})
            continue
        if var == "patient_years":
            rows.append({"Exposure": "Patient-years of exposure", "Statistic": "Sum of durations / 365.25",
                         **{head[a]: fmt_fixed(stat[(var, level, a, "py")], 1) for a in arms}})
            continue
        unit = g["group2_level"].iloc[0]
        name = f"{ROLE_LABELS.get(var, var)} ({level}{', ' + unit if unit else ''})"
        d = int((decimals or {}).get(level, 0 if var == "duration" else 1))
        get = lambda a, k: stat.get((var, level, a, k))  # noqa: E731
        no_dose = {a for a in arms if var in DOSE_ROLES and get(a, "n") and get(a, "min") == 0 == get(a, "max")}
        cells = {"n": lambda a: fmt(get(a, "n"), "count"),
                 "Mean (SD)": lambda a: f"{fmt_fixed(get(a, 'mean'), d + 1)} ({fmt_fixed(get(a, 'sd'), d + 1)})",
                 "Median": lambda a: fmt_fixed(get(a, "median"), d + 1),
                 "Min, max": lambda a: f"{fmt_fixed(get(a, 'min'), d)}, {fmt_fixed(get(a, 'max'), d)}"}
        for i, (label, cell) in enumerate(cells.items()):
            rows.append({"Exposure": name if i == 0 else "", "Statistic": label,
                         **{head[a]: NO_DOSE if a in no_dose and label != "n" else cell(a) for a in arms}})
    return pd.DataFrame(rows)


def exposure_outputs(adsl: pd.DataFrame, adex: pd.DataFrame | None, arms: list[str], n_by_arm: dict,
                     cfg: dict) -> dict:
    """Table 14.1.5 (ADSL) and, where ADEX is given, 14.1.6 (its subject-level parameters), with
    footnotes naming the variables, the units and where they come from."""
    spec = cfg.get("exposure", {})
    units, cuts = spec.get("units", {}), spec.get("duration_categories", [28, 84, 168])
    cols = exposure_columns(adsl)
    out = {"ard/t_14_1_5": (a := ard_exposure_adsl(adsl, arms, units, cuts)),
           "tables/t_14_1_5": t_exposure_summary(a, n_by_arm, exposure_decimals(adsl, list(cols.values())))}
    named = [f"{ROLE_LABELS[r].lower()}: ADSL {c}" + (" (days)" if r == "duration" else
                                                      f" (unit: {units[c]}, from exposure.units in the study's "
                                                      "configuration)" if c in units
                                                      else " (no unit in the data or the configuration)")
             for r, c in cols.items()]
    doses = [pd.to_numeric(adsl[c], errors="coerce") for r, c in cols.items() if r in DOSE_ROLES]
    placebo = [a for a in arms if doses and all(v[adsl["ARM_"] == a].dropna().eq(0).all() and
                                                v[adsl["ARM_"] == a].notna().any() for v in doses)]
    categories = ", ".join(label for label, _, _ in duration_categories(cuts))
    out["tables/t_14_1_5_footnote"] = (
        ("; ".join(named)[:1].upper() + "; ".join(named)[1:] + ". " if named else "ADSL has no exposure variable. ")
        + (f"Duration categories: {categories}. Patient-years: the durations summed / 365.25. " if "duration" in cols
           else "")
        + "Min and max at the decimals of the data, mean, SD and median at one more."
        + (f" Doses of {', '.join(placebo)}: every one 0, {NO_DOSE}." if placebo else ""))
    if adex is not None:
        ex, skipped = ard_exposure_adex(adex, adsl, arms, units)
        codes = list(dict.fromkeys(ex["variable_level"])) if len(ex) else []
        wide = adex.pivot_table(index="USUBJID", columns="PARAMCD", values="AVAL", aggfunc="first") if codes else None
        out["ard/t_14_1_6"] = ex
        out["tables/t_14_1_6"] = t_exposure_summary(ex, n_by_arm, exposure_decimals(wide, codes)) if codes else \
            pd.DataFrame({"Exposure": ["No subject-level ADEX parameter: " + "; ".join(skipped)]})
        out["tables/t_14_1_6_footnote"] = " ".join(
            ["ADEX parameters with one record per subject (AVAL; unit: AVALU, else the configuration)."]
            + [s + "." for s in skipped])
    return out


def eair_outputs(adsl: pd.DataFrame, adae: pd.DataFrame, arms: list[str]) -> dict:
    """Table 14.3.13: TEAE subjects per 100 patient-years at risk, overall and by SOC and PT, with the
    exact Poisson 95% CI; time at risk from the first dose (day 1) to the first onset of the row's
    TEAE (ASTDT), else to the last day of exposure (time_at_risk_end). Not computable: the table says why."""
    end, how = time_at_risk_end(adsl)
    if end is None or "ASTDT" not in adae:
        why = how if end is None else "ADAE has no onset date (ASTDT): no time to the first event"
        return {"ard/t_14_3_13": pd.DataFrame(),
                "tables/t_14_3_13": pd.DataFrame({"Category": [f"Not computed: {why}"]}),
                "tables/t_14_3_13_footnote": f"Exposure-adjusted incidence not computed: {why}."}
    dated = adsl.assign(TRTSDT=pd.to_datetime(adsl["TRTSDT"].astype("string"), errors="coerce", format="ISO8601"))
    ae = adae.assign(ASTDT=pd.to_datetime(adae["ASTDT"].astype("string"), errors="coerce", format="ISO8601"))
    eair = ard_exposure_adjusted(dated, ae, [("Any TEAE", pd.Series(True, index=ae.index))], end, arms)
    return {"ard/t_14_3_13": eair, "tables/t_14_3_13": t_exposure_adjusted(eair),
            "tables/t_14_3_13_footnote": (
                "n / PY: rate (95% CI): subjects with a TEAE of the row / patient-years at risk: rate per 100 "
                "patient-years with the exact Poisson (Garwood) 95% CI. At risk from the first dose (ADSL TRTSDT, "
                f"day 1) to the onset (ADAE ASTDT) of the subject's first TEAE of the row (after the last dose too), "
                f"else to {how}; a year is 365.25 days. Treatment-emergent as ADAE TRTEMFL.")}


def medication_outputs(adcm: pd.DataFrame | None, adsl: pd.DataFrame, arms: list[str]) -> dict:
    """Tables 14.1.7 (prior) and 14.1.8 (concomitant medications) from ADCM, by class and CMDECOD."""
    if adcm is None:
        return {}
    cm = adcm[adcm["USUBJID"].isin(adsl["USUBJID"])].reset_index(drop=True)
    periods, rule = medication_periods(cm, adsl)
    col = class_column(cm)
    note = (f"Subjects counted once per class and medication; n (%) of the arm's safety subjects. Class: ADCM "
            f"{col}" if col else "Subjects counted once per medication; n (%) of the arm's safety subjects. Class: "
            "ADCM has no class (ATC2, CMCLAS, ATC1, ATC3, ATC4)") + f"; name: ADCM CMDECOD. Periods: {rule}."
    out = {}
    for key, period in (("t_14_1_7", "Prior"), ("t_14_1_8", "Concomitant")):
        if period not in periods:
            out[f"ard/{key}"] = pd.DataFrame()
            out[f"tables/{key}"] = pd.DataFrame({"Category": [f"{period} medications {rule}"]})
        else:
            out[f"ard/{key}"] = a = ard_medications(cm[periods[period].to_numpy(bool)], adsl, arms)
            out[f"tables/{key}"] = t_incidence(a)
        out[f"tables/{key}_footnote"] = note
    return out


def liver_listings(adlb: pd.DataFrame | None, adsl: pd.DataFrame, arms: list[str], flag: str | None) -> dict:
    """Listings 16.2.3 (the Hy's-law screen: ALT or AST >= 3 x ULN and bilirubin >= 2 x ULN, peaks after
    the first dose, as the eDISH labels them; each subject assessed potential Hy's law, or cholestatic
    where peak ALP >= 2 x ULN) and 16.2.4 (ALT or AST >= 3 x ULN): every ALT, AST, bilirubin and ALP
    record of those subjects after the first dose, retests and unscheduled included, and their
    baseline records, marked."""
    if adlb is None:
        return {}
    peak = derive_hys_law_peaks(standardize_bds(adlb, adsl, flag, post_by_day=True))
    every = standardize_bds(adlb, adsl, None, post_by_day=True)

    def listing(who: pd.Series, criterion: str, assessment: dict | None = None) -> pd.DataFrame:
        out = listing_liver(every, adsl, subjects=set(peak.loc[who, "USUBJID"]), tests=LIVER_TESTS, after_dose=True,
                            arms=arms, baseline=True, assessment=assessment)
        return out if len(out) else pd.DataFrame({"Subject": [f"No subject with {criterion} after the first dose"]})

    screen = (peak["HYS_LAW"] | peak["CHOLESTATIC"]).astype(bool)
    return {"listings/l_16_2_3": listing(screen, "ALT or AST >= 3 x ULN and bilirubin >= 2 x ULN",
                                         hys_law_assessment(peak)),
            "listings/l_16_2_4": listing(peak["TRANSAMINASE_3X"].astype(bool), "ALT or AST >= 3 x ULN")}


def fatal_not_serious_note(ae: pd.DataFrame, arms: list[str]) -> str:
    """The fatal TEAEs (AEOUT FATAL or AESDTH Y) of `ae` (standardize_adae) not flagged serious (AESER
    not Y): how many, by arm, and where they are; the serious rows do not count them."""
    fatal = is_fatal(ae)
    missed = ae[fatal & ae["AESER"].astype("string").str.strip().str.upper().ne("Y").fillna(True)]
    if not fatal.any():
        return "No TEAE had a fatal outcome (AEOUT FATAL or AESDTH Y)."
    if missed.empty:
        return "Every fatal TEAE (AEOUT FATAL or AESDTH Y) is flagged serious (AESER Y)."
    n, subjects = len(missed), missed["USUBJID"].nunique()
    by_arm = ", ".join(f"{int((missed['ARM_'] == a).sum())} ({a})" for a in arms if (missed["ARM_"] == a).any())
    return (f"{n} fatal TEAE{'s' if n > 1 else ''} (AEOUT FATAL or AESDTH Y) of {subjects} subject"
            f"{'s' if subjects > 1 else ''} {'are' if n > 1 else 'is'} not flagged serious (AESER not Y) and not "
            f"counted as serious here: {by_arm}; {'they are' if n > 1 else 'it is'} in the deaths listing and the data "
            "queries appendix.")


def related_terms_note(adae: pd.DataFrame) -> str:
    """Which relationship terms of ADAE count as related (vocabulary.related_terms), naming only the
    terms the data hold: AREL as given, else AEREL mapped."""
    if "AREL" in adae:
        return "Related: ADAE AREL = RELATED, as the data give it."
    if "AEREL" not in adae:
        return "ADAE has no relationship (AREL, AEREL): no TEAE counted as related."
    terms = adae["AEREL"].astype("string").str.strip().str.upper()
    found = sorted(terms.dropna().unique())
    related = [t for t in found if t in related_terms()]
    other = [t for t in found if t not in related]
    blank = int(terms.isna().sum() + terms.eq("").sum())
    return (f"AEREL counted as related: {', '.join(related) or 'none of the terms in the data'}"
            + (f"; not related: {', '.join(other)}" if other else "")
            + (f"; blank ({blank} record{'s' if blank > 1 else ''}): not related" if blank else "") + ".")


def adam_safety_outputs(datasets: dict[str, pd.DataFrame], cfg: dict, adsl: pd.DataFrame, arm_order: str | None
                        ) -> dict:
    """The outputs of this module for one ADaM study (adsl: with its arms' numeric codes)."""
    control = cfg.get("control")
    std = standardize_adsl(adsl, cfg["arm"], arm_order)
    arms, _ = arms_and_n(std, control if control in set(std["ARM_"].astype(str)) else None)
    n_by_arm = arm_sizes(std, "ARM_")
    ae = standardize_adae(datasets["adae"], std)
    fatal_note = fatal_not_serious_note(ae, arms)
    queries = fatal_not_serious(datasets["adae"]).assign(DOMAIN="ADAE")
    queries["ROW"] = queries["ROW"] + 1          # file rows: the header is row 1
    queries["SEQ"] = pd.to_numeric(queries["SEQ"], errors="coerce").astype("Int64").astype("string").fillna("")
    return {**exposure_outputs(std, datasets.get("adex"), arms, n_by_arm, cfg), **eair_outputs(std, ae, arms),
            **medication_outputs(datasets.get("adcm"), std, arms),
            **liver_listings(datasets.get("adlb"), std, arms, cfg.get("analysis_flag")),
            "listings/l_16_2_2": listing_deaths(std, ae, arms, FATAL_COMMENT, fill_from_ae=True),
            "listings/data_queries": queries,
            "tables/t_14_3_1_footnote": f"Serious TEAE: AESER = Y. {fatal_note}",
            "tables/t_14_3_5_footnote": f"Serious: AESER = Y. {fatal_note}",
            "tables/t_14_3_4_footnote": related_terms_note(datasets["adae"])}
