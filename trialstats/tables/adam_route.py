"""A whole study from an ADaM folder made elsewhere (config `adam_studies`): every table,
listing and ARD of the ADaM-route report, keyed by the path it is written to.

ADSL drives the subjects (populations, disposition, demographics by planned arm); ADAE, the
laboratory files (every analyte, by PARCAT1) and ADVS the safety tables (by actual arm). Arms
are in the order of their numeric code (e.g. TRT01AN) where ADSL has it. Records are accounted
for: in = used + excluded (with the reason), per input dataset.
"""
from __future__ import annotations

import pandas as pd

from ..adam.inputs import demographics_population
from ..adam.lab_window import lab_settings, lab_settings_listing
from ..adam.standardize import arm_rank, is_baseline, standardize_adsl
from ..ard.safety import compute_safety
from .adam_safety import adam_safety_outputs
from .safety import display_context, display_of, lab_tables, t_incidence
from .subjects import (DEFAULT_CHARACTERISTICS, ard_demographics, ard_disposition, ard_populations,
                       characteristic_labels, t_counts, t_demographics)

HYS_LAW_ABSENT = "Not assessable: the laboratory data have no ALT, AST or bilirubin (BILI) values after the first dose"


def study_arms(adsl: pd.DataFrame, cfg: dict) -> dict:
    """The ADSL columns of the actual arm, planned arm and their numeric codes (config `arm`,
    `planned_arm`; codes: the column's name + N, e.g. TRT01AN, when ADSL has it)."""
    arm = cfg["arm"]
    planned = cfg.get("planned_arm") or ("TRT01P" if "TRT01P" in adsl else arm)
    return {"arm": arm, "arm_order": f"{arm}N" if f"{arm}N" in adsl else None,
            "planned": planned, "planned_order": f"{planned}N" if f"{planned}N" in adsl else None}


def with_arm_codes(adsl: pd.DataFrame, cfg: dict, datasets: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """ADSL with the numeric code of its arm columns (<arm>N, e.g. TRT01AN) where it has none but
    ADAE, ADLB or ADVS pair each TRTA with one TRTAN: the arms are then ordered by that code."""
    cols = [c for c in dict.fromkeys([cfg["arm"], study_arms(adsl, cfg)["planned"]]) if f"{c}N" not in adsl]
    for name in ("adae", "adlb", "advs"):
        d = datasets.get(name)
        if not cols or d is None or not {"TRTA", "TRTAN"} <= set(d.columns):
            continue
        pairs = d[["TRTA", "TRTAN"]].dropna().drop_duplicates()
        if len(pairs) and pairs["TRTA"].is_unique:
            code = dict(zip(pairs["TRTA"].astype(str), pd.to_numeric(pairs["TRTAN"], errors="coerce")))
            return adsl.assign(**{f"{c}N": adsl[c].astype("string").map(code) for c in cols})
    return adsl


def record_accounting(datasets: dict[str, pd.DataFrame], cfg: dict, parameters: pd.DataFrame | None) -> pd.DataFrame:
    """Per input dataset: records in, used, and excluded by reason (in = used + excluded)."""
    cols = study_arms(datasets["adsl"], cfg)
    adsl = standardize_adsl(datasets["adsl"], cols["arm"])
    safety = set(adsl["USUBJID"])
    rows = []

    def add(name, frame, reasons):
        left = pd.Series(True, index=frame.index)
        rows.append(dict(Dataset=name, Reason="records in", Records=len(frame)))
        for reason, mask in reasons:
            hit = left & mask.fillna(False).astype(bool)
            if hit.any():
                rows.append(dict(Dataset=name, Reason=f"excluded: {reason}", Records=int(hit.sum())))
            left &= ~hit
        rows.append(dict(Dataset=name, Reason="used", Records=int(left.sum())))

    sl = datasets["adsl"]
    add("ADSL", sl, [("no actual arm or not in the safety population (populations and demographics count every "
                      "subject with a planned arm)", ~sl["USUBJID"].isin(safety))])
    ae = datasets["adae"]
    add("ADAE", ae, [("subject not in the safety population", ~ae["USUBJID"].isin(safety)),
                     ("not treatment-emergent (TRTEMFL not Y)", ae["TRTEMFL"].astype("string").ne("Y").fillna(True))])
    flag = cfg.get("analysis_flag")
    for name in ("adlb", "advs"):
        if name not in datasets:
            continue
        d = datasets[name]
        reasons = [("subject not in the safety population", ~d["USUBJID"].isin(safety))]
        if flag is not None and flag in d:
            reasons.append((f"{flag} not Y (and not baseline)",
                            ~(d[flag].astype("string").eq("Y").fillna(False) | is_baseline(d))))
        if name == "adlb" and parameters is not None:
            reason = d["PARAMCD"].astype("string").map(parameters.set_index("PARAMCD")["REASON"]).fillna("")
            reasons += [(f"parameter not tabulated: {r}", reason == r) for r in sorted(set(reason) - {""})]
        visit = d["AVISIT"].astype("string").str.strip()
        no_visit = visit.isna() | visit.isin(["", "."])
        after_dose = pd.to_numeric(d["ADY"], errors="coerce").ge(1).fillna(False) if "ADY" in d else ~is_baseline(d)
        reasons.append(("no analysis visit (AVISIT blank or '.') and not after the first dose (ADY < 1)",
                        no_visit & ~after_dose & ~is_baseline(d)))
        add(name.upper(), d, reasons)
    return pd.DataFrame(rows)


def arm_codes(datasets: dict[str, pd.DataFrame], cfg: dict) -> dict:
    """Arm -> its numeric code, which orders the arms in the tables (and so the figures); empty without."""
    adsl = with_arm_codes(datasets["adsl"], cfg, datasets)
    return arm_rank(standardize_adsl(adsl, cfg["arm"], study_arms(adsl, cfg)["arm_order"]))


def run_adam_study(datasets: dict[str, pd.DataFrame], cfg: dict) -> dict[str, pd.DataFrame]:
    """Every output of the ADaM route as {"ard/<id>" | "tables/<id>" | "listings/<id>": frame, or
    "tables/<id>_footnote": the footnote text only the data can word}."""
    adsl = with_arm_codes(datasets["adsl"], cfg, datasets)
    cols = study_arms(adsl, cfg)
    control = cfg.get("control")
    window, lab_range = lab_settings(cfg.get("labs"))
    results = compute_safety(adsl, datasets["adae"], datasets.get("adlb"), datasets.get("advs"), None, cols["arm"],
                             control, lab_panel=None, flag=cfg.get("analysis_flag"), arm_order=cols["arm_order"],
                             by_visit=True, shift_window=window, lab_range=lab_range)
    out = {}
    context = display_context(adsl, cols["arm"], [datasets.get("adlb"), datasets.get("advs")])
    for name, frame in results.items():
        if name.startswith("ard_"):
            out[f"ard/{name[4:]}"] = frame
            display = display_of(name[4:], **context)
            if name == "ard_t_14_3_10" and frame.empty:
                display = lambda f: t_incidence(f, HYS_LAW_ABSENT)  # noqa: E731
            if display is not None:
                out[f"tables/{name[4:]}"] = display(frame)
        else:
            out[f"listings/{name}"] = frame
    parameters = results.get("l_lab_parameters")
    if parameters is not None:
        out.update({f"tables/{k}": v for k, v in lab_tables(results, parameters, context["n_by_arm"]).items()})
    planned, order = cols["planned"], cols["planned_order"]
    population = demographics_population(adsl, cfg)
    characteristics = cfg.get("characteristics") or [c for c in DEFAULT_CHARACTERISTICS if c["variable"] in adsl]
    tests = cfg.get("baseline_tests", {})
    subjects = {"t_14_1_1": (ard_populations(adsl, planned, order, control), lambda a: t_counts(a, "Population")),
                "t_14_1_2": (ard_disposition(adsl, planned, order, control), lambda a: t_counts(a, "Status")),
                "t_14_1_4": (ard_demographics(adsl, planned, order, characteristics, tests, population, control),
                             lambda a: t_demographics(a, characteristic_labels(characteristics, adsl)))}
    for key, (ard_, display) in subjects.items():
        out[f"ard/{key}"] = ard_
        out[f"tables/{key}"] = display(ard_)
    out.update(adam_safety_outputs(datasets, cfg, adsl, cols["arm_order"]))
    out["listings/accounting"] = record_accounting(datasets, cfg, parameters)
    if datasets.get("adlb") is not None:
        out["listings/lab_settings"] = lab_settings_listing(cfg.get("labs"), datasets["adlb"])
    return out

