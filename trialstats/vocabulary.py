"""The words of the outputs, in one place (base layer: no other trialstats import): visit names as
people write them, the labels of analysis parameters and of category levels, and the names of the
primary analyses (which tables and figures both print)."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd


def visit_label(text: str) -> str:
    """Visits as people write them inside any text: "WEEK 4" -> "Week 4", "BASELINE" -> "Baseline"."""
    text = re.sub(r"\b(BASELINE|SCREENING|WEEK|DAY|MONTH|END OF TREATMENT|END OF STUDY|UNSCHEDULED)\b",
                  lambda m: m.group(1).capitalize(), str(text))
    text = re.sub(r"\b(\d+)H (PRE|POST)-DOSE\b", lambda m: f"{m[1]} h {m[2].lower()}-dose", text)   # 2H POST-DOSE
    return re.sub(r"\b(PRE|POST)-DOSE\b", lambda m: f"{m[1].lower()}-dose", text)


WEEKS_PER_UNIT = {"WEEK": 1.0, "DAY": 1 / 7, "MONTH": 52 / 12}
UNPLANNED_VISITS = ("UNSCHEDULED", "END OF TREATMENT", "END OF STUDY", "EARLY TERMINATION", "EARLY DISCONTINUATION",
                    "EOT", "RETEST")


def visit_week(visit) -> float | None:
    """The week of a visit from its name: "WEEK 4" -> 4, "DAY 15" -> 2 (day 1 = week 0), "MONTH 6" ->
    26, baseline and screening -> 0; None for a name without a number (End of Treatment, Unscheduled)."""
    words = str(visit).upper().split()
    if words and words[0] in ("BASELINE", "SCREENING"):
        return 0.0
    if len(words) == 2 and words[0] in WEEKS_PER_UNIT and re.fullmatch(r"-?\d+(\.\d+)?", words[1]):
        unit = WEEKS_PER_UNIT[words[0]]
        return float(words[1]) * unit - (unit if words[0] == "DAY" else 0)
    return None


def is_planned_visit(visit) -> bool:
    """A scheduled visit with a week in its name (visit_week), not an unscheduled or end-of-treatment one."""
    name = str(visit).upper()
    return visit_week(visit) is not None and not any(word in name for word in UNPLANNED_VISITS)


def parameter_labels(*datasets: pd.DataFrame | None) -> dict[str, str]:
    """PARAMCD -> PARAM of BDS datasets (a code's first record; a later dataset's label of the same
    code wins)."""
    labels: dict[str, str] = {}
    for d in datasets:
        if d is None or "PARAMCD" not in d or "PARAM" not in d:
            continue
        first = d.drop_duplicates("PARAMCD").set_index("PARAMCD")["PARAM"]
        labels.update({str(k): str(v) for k, v in first.items()})
    return labels


CODED_LEVELS = {"F": "Female", "M": "Male", "U": "Unknown", "UNDIFFERENTIATED": "Undifferentiated", "Y": "Yes",
                "N": "No"}
# The CDISC RACE (C74457) and ETHNIC (C66790) submission values as the US OMB categories write them
CDISC_TERMS = {"AMERICAN INDIAN OR ALASKA NATIVE": "American Indian or Alaska Native",
               "BLACK OR AFRICAN AMERICAN": "Black or African American",
               "NATIVE HAWAIIAN OR OTHER PACIFIC ISLANDER": "Native Hawaiian or Other Pacific Islander",
               "HISPANIC OR LATINO": "Hispanic or Latino", "NOT HISPANIC OR LATINO": "Not Hispanic or Latino"}


def level_label(level: str) -> str:
    """A category as people write it: SEX codes spelled out, CDISC race and ethnicity terms as the
    OMB categories write them ("BLACK OR AFRICAN AMERICAN" -> "Black or African American"), other
    upper-case terms in sentence case ("ASIAN" -> "Asian", "NOT REPORTED" -> "Not reported")."""
    level = CODED_LEVELS.get(level, CDISC_TERMS.get(level, level))
    if not level.isupper():
        return level
    words = level.capitalize().split(" ")
    proper = {"african": "African", "american": "American", "alaska": "Alaska", "hawaiian": "Hawaiian",
              "pacific": "Pacific", "indian": "Indian", "asian": "Asian", "hispanic": "Hispanic", "latino": "Latino"}
    return " ".join(proper.get(w, w) for w in words)


# --- the primary endpoint's analyses: id -> label and population (tables.primary, tables.primary_change) ---

RESPONDER_ANALYSES = {  # id -> (label, population); the covariates are named from the protocol (analysis_names)
    "primary": ("Primary: composite, missing = non-responder", "FAS"),
    "adjusted_or": ("Odds ratio adjusted for baseline covariates", "FAS"),
    "per_protocol": ("Per-protocol set", "PP"),
    "observed_cases": ("Observed cases (missing excluded)", "FAS"),
    "mi_mar": ("Multiple imputation under MAR", "FAS"),
    "component_1": ("Component 1 alone", "FAS"),
    "component_2": ("Component 2 alone", "FAS"),
}


def _lower_first(word: str) -> str:
    """"Daily dose" -> "daily dose"; a name with capitals inside (e.g. "FEV1", "pH") is kept."""
    head, _, rest = word.partition(" ")
    return (head[:1].lower() + head[1:] if head[1:].islower() else head) + (" " + rest if rest else "")


def covariate_text(covariates: list[str], baseline: list[dict] | None = None) -> str:
    """The covariates of the adjusted model in words, from the protocol's baseline labels:
    "baseline body weight and daily dose" (the ADSL name where no label is declared)."""
    labels = {b["variable"]: b["label"] for b in baseline or []}
    names = [_lower_first(labels.get(c, c)) for c in covariates]
    if not names:
        return "no covariate"
    return "baseline " + (names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1])


def analysis_names(spec: dict, baseline: list[dict] | None = None, names: dict | None = None) -> dict:
    """RESPONDER_ANALYSES with each component named by its criterion (e.g. "Fasting plasma glucose (mmol/L)
    < 7", parameters named by `names`, PARAMCD -> name) and the adjusted odds ratio by its
    covariates (spec `covariates`, labelled by the protocol's baseline)."""
    out = dict(RESPONDER_ANALYSES)
    out["adjusted_or"] = (f"Odds ratio adjusted for {covariate_text(spec.get('covariates', []), baseline)}", "FAS")
    ops = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}
    measures = {"aval": "", "chg": " change from baseline", "pchg": " % change from baseline"}
    for i, crit in enumerate(spec["criteria"], 1):
        (test, limit), = [(k, v) for k, v in crit.items() if k != "paramcd"]
        column, op = test.split("_")
        name = (names or {}).get(crit["paramcd"], crit["paramcd"])
        out[f"component_{i}"] = (f"Component {i} alone: {name}{measures.get(column, ' ' + column)} {ops[op]} {limit:g}",
                                 "FAS")
    return out


POPULATIONS = {"FAS": "Full analysis set", "PP": "Per-protocol set"}
CI_METHODS = {"mn": "Miettinen-Nurminen", "wald": "Wald", "newcombe": "Newcombe hybrid score"}


CHANGE_ANALYSES = {  # id -> (label, population flag, population name)
    "primary": ("Primary: MMRM, all scheduled visits", "FASFL", "FAS"),
    "per_protocol": ("MMRM on the per-protocol set", "PPROTFL", "PP"),
    "observed_cases": ("ANCOVA of observed changes at the key visit", "FASFL", "FAS"),
    "mi_mar": ("Multiple imputation under MAR, ANCOVA at the key visit", "FASFL", "FAS"),
}


# AEREL (CDISC's causality terms and the common sponsor variants) -> related or not. The default
# of protocol.yaml `adverse_events: {related: [...]}`; "Y" as some sponsors code a yes/no causality.
RELATED_TERMS = ("POSSIBLE", "POSSIBLY RELATED", "PROBABLE", "PROBABLY RELATED", "RELATED", "DEFINITE",
                 "DEFINITELY RELATED", "Y")


def related_terms(protocol: dict | None = None) -> tuple[str, ...]:
    """The AEREL terms counted as related: protocol.yaml adverse_events.related, else RELATED_TERMS."""
    terms = ((protocol or {}).get("adverse_events") or {}).get("related")
    return tuple(str(t).strip().upper() for t in terms) if terms else RELATED_TERMS


def compute_arel(aerel: pd.Series, related: tuple[str, ...] | None = None) -> pd.Series:
    """AREL from AEREL: "RELATED" where the term (any case, blanks trimmed) is among `related`
    (related_terms), else "NOT RELATED"."""
    terms = set(related or RELATED_TERMS)
    hit = aerel.astype("string").str.strip().str.upper().isin(terms).fillna(False).to_numpy(bool)
    return pd.Series(np.where(hit, "RELATED", "NOT RELATED"), index=aerel.index)


def related_note(related: tuple[str, ...] | None = None) -> str:
    """The footnote sentence of the mapping: which AEREL terms count as related, the others not."""
    terms = related or RELATED_TERMS
    return (f"AEREL counted as related: {', '.join(terms)}; any other term (e.g. NONE, REMOTE, UNLIKELY, "
            "NOT RELATED): not related.")
