"""The one protocol reader (base layer): plain readings of a protocol.yaml dict that several layers need,
the parameters' names with units, the analysis visits, the direction of benefit. No other trialstats
import but units."""
from __future__ import annotations

from .units import parameter_label

DERIVED = {"BMI": ("Body mass index", "kg/m2"), "HOMAIR": ("HOMA-IR", ""), "HOMAB": ("HOMA-%B", "%")}


def derived_parameters(protocol: dict) -> dict[str, tuple[str, str]]:
    """PARAMCD -> (name, unit) of every parameter derived for this protocol."""
    out = {"BMI": DERIVED["BMI"]}
    for key in ("daily_dose", "per_kg"):
        spec = protocol.get("insulin", {}).get(key)
        if spec:
            out[spec["paramcd"]] = (spec["name"], spec["unit"])
    if "homa" in protocol:
        out.update({k: DERIVED[k] for k in ("HOMAIR", "HOMAB")})
    return out


def parameter_names(protocol: dict) -> dict[str, str]:
    """PARAMCD -> display name "name (unit)" of every lab, vital sign and derived parameter of a
    protocol (the PARAM the ADaM datasets carry)."""
    out = {}
    for section in ("labs", "vitals"):
        for code, spec in protocol.get(section, {}).items():
            out[code] = parameter_label(spec["name"], spec.get("unit"))
    for code, (name, unit) in derived_parameters(protocol).items():
        out[code] = parameter_label(name, unit)
    return out


def analysis_visits(protocol: dict) -> list[str]:
    """The scheduled post-baseline visits (those with a window), in protocol order."""
    return [v["name"] for v in protocol["visits"] if "window" in v]


def better_direction(protocol: dict, paramcd: str) -> str | None:
    """"lower" or "higher": which change of `paramcd` favours treatment, from the protocol (the
    continuous primary's `better`, else a responder criterion or threshold on the parameter)."""
    primary = protocol.get("continuous_primary", {})
    if primary.get("paramcd") == paramcd and primary.get("better"):
        return primary["better"]
    threshold = protocol.get("secondary", {}).get("threshold", {})
    if threshold.get("paramcd") == paramcd:
        return "lower" if "below" in threshold else "higher"
    for crit in protocol.get("responder", {}).get("criteria", []):
        if crit.get("paramcd") == paramcd:
            ops = {k.split("_")[-1] for k in crit if k != "paramcd"}
            return "lower" if ops & {"lt", "le"} else "higher" if ops & {"gt", "ge"} else None
    return None


def regimen(protocol: dict) -> str:
    """The dosing regimen: "infusion" (doses on the protocol's infusion_days, the default) or "daily"
    (continuous dosing over the EXSTDTC..EXENDTC periods of EX: oral, patch)."""
    return (protocol.get("treatment") or {}).get("regimen", "infusion")


def assert_aesi_timing(protocol: dict) -> None:
    """An AESI timed after an infusion (aesi[].hours_after_infusion) needs doses at points in time: in a
    daily regimen every day is "after a dose", so such a definition has no meaning and is refused,
    naming the AESI (define it by its terms or SOCs alone)."""
    if regimen(protocol) == "infusion":
        return
    timed = [f"{a.get('id', '?')} ({a.get('name', '')})" for a in protocol.get("aesi") or []
             if "hours_after_infusion" in a]
    if timed:
        raise ValueError(f"protocol.yaml aesi: {', '.join(timed)} defined with hours_after_infusion, but "
                         f"treatment.regimen is {regimen(protocol)}: with daily dosing every day follows a dose, "
                         "so a window after a dose has no meaning; define the AESI by its terms or socs alone, "
                         "or declare regimen: infusion")


def narrative_aesi(protocol: dict) -> list[str]:
    """The names of the AESIs the protocol marks for patient narratives (narratives.aesi: AESI ids); an id
    that is no AESI of the protocol is refused, naming it and the ids there are."""
    marked = (protocol.get("narratives") or {}).get("aesi", [])
    names = {a["id"]: a["name"] for a in protocol.get("aesi") or []}
    unknown = [i for i in marked if i not in names]
    if unknown:
        raise ValueError(f"protocol.yaml narratives.aesi: {', '.join(unknown)} is not an AESI id of the protocol; "
                         f"expected ids of aesi[] ({', '.join(names) or 'none defined'})")
    return [names[i] for i in marked]


def assert_visits(protocol: dict) -> None:
    """The protocol's visits: each name, number and target day once, the days rising with the numbers.
    A visit line copied without renaming (two WEEK 36 at days 253 and 295) would otherwise re-window
    records to whichever comes first, without a word."""
    visits = protocol.get("visits") or []
    problems = []
    for key in ("name", "num", "day"):
        values = [v[key] for v in visits]
        for value in dict.fromkeys(values):
            lines = [str(i + 1) for i, x in enumerate(values) if x == value]
            if len(lines) > 1:
                problems.append(f"{key} {value!r} in visits {', '.join(lines)}")
    ordered = sorted(visits, key=lambda v: v["num"])
    for before, after in zip(ordered, ordered[1:]):
        if after["day"] <= before["day"]:
            problems.append(f"{after['name']} (num {after['num']:g}) on day {after['day']}, not after "
                            f"{before['name']} (num {before['num']:g}, day {before['day']})")
    if problems:
        raise ValueError("protocol.yaml visits: " + "; ".join(problems) + "; expected each visit once (name, num "
                         "and day unique), target days rising with the visit numbers")


def dose_words(protocol: dict) -> dict[str, str]:
    """The words of titles and footnotes for the regimen: dose_word (an "infusion", a "dose"), doses_word."""
    if regimen(protocol) == "infusion":
        return {"dose_word": "infusion", "doses_word": "infusions"}
    return {"dose_word": "dose", "doses_word": "doses"}


def planned_doses(protocol: dict) -> dict[str, float] | float | None:
    """The planned dose a dose intensity is measured against: treatment.planned_dose (ARMCD -> dose per
    infusion or per day), else treatment.dose (one planned dose for every subject), else None."""
    treatment = protocol.get("treatment") or {}
    return treatment.get("planned_dose") or treatment.get("dose")


MONITORED_PRIMARY = {"score": ("responder", "patients", "active_rate"),
                     "logrank": ("time_to_event", "events", "hazard_ratio"),
                     "mean_difference": ("continuous_primary", "patients", "difference")}


def assert_monitoring(protocol: dict) -> None:
    """The charter's final test (monitoring.final_test.statistic), its information unit and its design
    assumption fit the protocol's primary endpoint: score for a responder, logrank (on events) for a
    time_to_event, mean_difference (on patients) for a continuous_primary."""
    plan = protocol.get("monitoring", {})
    if "final_test" not in plan:
        return
    statistic = plan["final_test"]["statistic"]
    primary, unit, design = MONITORED_PRIMARY[statistic]
    problems = []
    if primary not in protocol:
        declared = [k for k, _, _ in MONITORED_PRIMARY.values() if k in protocol] or ["none"]
        problems.append(f"final_test.statistic {statistic} needs a {primary} primary endpoint, the protocol "
                        f"declares {declared[0]} (expected "
                        + ", ".join(f"{s} for {k}" for s, (k, _, _) in MONITORED_PRIMARY.items()) + ")")
    if "information" in plan and plan["information"]["unit"] != unit:
        problems.append(f"information.unit is {plan['information']['unit']}, {statistic} is monitored on {unit}")
    if "design" in plan and design not in plan["design"]:
        problems.append(f"design declares {sorted(plan['design'])}, {statistic} needs {design}")
    if "favours" in plan["final_test"] and statistic != "logrank":
        problems.append(f"final_test.favours is for a logrank test (events), not {statistic}")
    if problems:
        raise ValueError("protocol.yaml monitoring: " + "; ".join(problems))
DEFAULT_REACTION_WINDOWS = ((0, 2), (0, 7))
DEFAULT_FEVER_THRESHOLDS = (37.3, 38.0, 39.0)


def reaction_spec(protocol: dict) -> dict:
    """The protocol's infusion-reaction composite (protocol `reactions`) with its defaults: name, the
    preferred terms (its `terms`, and those of the AESIs it names by id), SOCs, fixed windows in days
    after each dose (day of the dose = 0; default 0-2 and 0-7), the temperature parameter and
    thresholds (default TEMP, >= 37.3, 38.0, 39.0), the medication window (default 0-2) and the CM
    categories left out of the medication table (default: the insulin dose records, protocol
    insulin.cmcat). An unknown AESI id is refused, naming it."""
    spec = dict(protocol.get("reactions") or {})
    aesi = {a["id"]: a for a in protocol.get("aesi") or []}
    unknown = [i for i in spec.get("aesi", []) if i not in aesi]
    if unknown:
        raise ValueError(f"protocol.yaml reactions.aesi: {', '.join(unknown)} not an id of protocol aesi "
                         f"(expected one of {', '.join(aesi) or 'none defined'})")
    terms = list(dict.fromkeys([*spec.get("terms", []), *(t for i in spec.get("aesi", []) for t in
                                                          aesi[i].get("terms", []))]))
    socs = list(dict.fromkeys([*spec.get("socs", []), *(s for i in spec.get("aesi", []) for s in
                                                        aesi[i].get("socs", []))]))
    windows = [tuple(int(d) for d in w) for w in spec.get("windows", DEFAULT_REACTION_WINDOWS)]
    temperature = spec.get("temperature") or {}
    insulin = (protocol.get("insulin") or {}).get("cmcat")
    return dict(name=spec.get("name", "Infusion reaction"), terms=terms, socs=socs, windows=windows,
                temperature=temperature.get("paramcd", "TEMP"),
                thresholds=[float(t) for t in temperature.get("thresholds", DEFAULT_FEVER_THRESHOLDS)],
                medication_window=tuple(int(d) for d in spec.get("medications_within", (0, 2))),
                medication_exclude=list(spec.get("medications_exclude", [insulin] if insulin else [])))
