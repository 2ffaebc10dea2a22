"""The plan of one report of a study: the registry's entries its protocol produces, in the report's
sections, with numbers, titles and footnotes worded from the protocol (`fields`).

A planned output is an output the report must print: the report job fails, naming it, when its
file is missing (report.build.assert_planned_outputs).
"""
from __future__ import annotations

import re

from dataclasses import dataclass, replace

import pandas as pd

from ..listings.safety import part_suffix, part_title
from ..protocol import dose_words, narrative_aesi, parameter_names, reaction_spec, regimen
from ..adam.adtte import POPULATION_NAMES, tte_definition
from ..vocabulary import related_note, related_terms, visit_label
from .registry import GS_DESIGN, LAYOUT, REPORT_RULES, RULE_FOLDERS, Entry, entry


@dataclass(frozen=True)
class Output:
    """An entry as one report prints it (templates filled in; `{note}` is filled from `note` at report time)."""
    id: str
    number: str
    title: str
    population: str
    path: str
    kind: str = "table"
    footnote: str = ""
    source: str = ""
    note: str = ""


def _join(names: list[str], word: str = "and") -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" {word} " + names[-1] if names else ""


def _aesi_note(protocol: dict) -> str:
    """The AESI definitions a reader needs beside the table: the terms and window of each AESI timed
    from an infusion, and the hypoglycaemia levels where the protocol grades them."""
    notes = [f"{a['name']}: {', '.join(a.get('terms', [])) or 'any term'} starting within "
             f"{a['hours_after_infusion']} h after an infusion" for a in protocol.get("aesi", [])
             if "hours_after_infusion" in a]
    hypo = protocol.get("hypoglycaemia")
    if hypo:
        unit = protocol.get("labs", {}).get(hypo["glucose_test"], {}).get("unit", "")
        notes.append(f"{hypo['term'].lower()} level 1: {hypo['level2_below']} to < {hypo['level1_below']}, level 2: "
                     f"< {hypo['level2_below']}{' ' + unit if unit else ''}, severe = needing assistance")
    return "; ".join(notes) + ". " if notes else ""


RESPONDER_POLICY = {
    ("non-responder", "non-responder"): "prohibited medication or a missing value: non-responder",
    ("non-responder", "missing"): "prohibited medication: non-responder; a missing value: missing",
    ("ignore", "non-responder"): "a missing value: non-responder",
    ("ignore", "missing"): "a missing value: missing"}


def _bmi_note(protocol: dict) -> str:
    """Where the baseline table's BMI comes from, when a vital-signs table also shows one."""
    uses_bmi = any(b.get("paramcd") == "BMI" for b in protocol.get("baseline", []))
    return ("BMI: derived, baseline weight / (screening height in m)^2; the vital-signs table shows BMI as "
            "recorded on the CRF, so the two may differ slightly.") if uses_bmi and "BMI" in protocol.get(
                "vitals", {}) else ""


def _narrative_aesi(protocol: dict) -> str:
    names = narrative_aesi(protocol)
    return f": {_join(names)}" if names else ": none"


def _regimen_fields(protocol: dict) -> dict[str, str]:
    """The wording of the dosing regimen (protocol treatment.regimen): "infusion" only where the study infuses."""
    infused = regimen(protocol) == "infusion"
    return dict(dose_words(protocol),
                exposure_what="infusions received and cumulative dose" if infused else
                "duration, cumulative and average daily dose",
                vitals_after_dose=", and temperature after each infusion" if infused else "",
                since_last_dose="days since last infusion: 0 = the day of an infusion. " if infused else "")


def _reaction_fields(protocol: dict) -> dict[str, str]:
    """The wording of the reaction composite and its windows (protocol.reaction_spec)."""
    spec = reaction_spec(protocol)
    days = lambda w: f"{w[0]}-{w[1]}"  # noqa: E731
    widest = max(spec["windows"], key=lambda w: (w[1] - w[0], w[1]))
    terms = spec["terms"] + [f"any in {s}" for s in spec["socs"]]
    excluded = spec["medication_exclude"]
    return dict(reaction_name=spec["name"], reaction_terms=_join(terms, "or"), ae_window=days(widest),
                reaction_widest=days(widest), medication_window=days(spec["medication_window"]),
                fever_thresholds=", ".join(f"{t:.1f}" for t in spec["thresholds"]),
                medication_excluded=f" Not tabulated: CM category {_join(excluded, 'and')}." if excluded else "")


def _tte_fields(protocol: dict, names: dict) -> dict[str, str]:
    """The wording of a time_to_event primary: its name, analysis set and definition."""
    spec = protocol["time_to_event"]
    return dict(tte_name=spec["name"], tte_population=POPULATION_NAMES[spec.get("population", "FASFL")],
                tte_definition=tte_definition(spec, names))


def _monitoring_fields(protocol: dict, single: bool) -> dict[str, str]:
    """The wording of the stopping guidelines by the charter's final test: Table G.2's footnote, the sources."""
    statistic = protocol.get("monitoring", {}).get("final_test", {}).get("statistic", "score")
    efficacy = "ADTTE" if statistic == "logrank" else "ADEFF"
    return dict(gs_design_note=GS_DESIGN[statistic], efficacy_sources=f"ADSL, {efficacy}",
                guideline_sources="ADSL, ADAE" if single else f"ADSL, ADAE, {efficacy}")


def fields(protocol: dict, kind: str) -> dict[str, str]:
    """The named fields of the registry's templates for a report of this protocol."""
    names = parameter_names(protocol)
    name = lambda code: names.get(code, code)  # noqa: E731
    single = kind == "review"
    unit = protocol.get("treatment", {}).get("dose_unit")
    homa = f" HOMA: {protocol['homa']['form']} form." if "homa" in protocol else ""
    out = dict(of_n="of N" if single else "of the arm's N",
               between="CI: Clopper-Pearson 95%." if single else "p: Fisher's exact test.",
               logrank="" if single else " Log-rank p where there are two or more arms.",
               as_received="" if single else " Arms as received: the key's actual arm where it differs from the "
               "randomized one (populations and disposition: as randomized).",
               br_effects="as the protocol names them (benefit_risk)." if protocol.get("benefit_risk") else
               "the protocol names none, so the default: the primary endpoint and its components, the first two "
               "secondary MMRM endpoints (a decrease favourable), related and serious TEAEs and every AESI observed.",
               aesi_definitions=_aesi_note(protocol), bmi_note=_bmi_note(protocol), homa_note=homa,
               dose_unit_in_brackets=f" ({unit})" if unit else "",
                related_terms=related_note(related_terms(protocol)), narrative_aesi=_narrative_aesi(protocol),
                side="review" if single else "closed", **_regimen_fields(protocol),
                **_monitoring_fields(protocol, single), **_reaction_fields(protocol))
    if "responder" in protocol:
        spec = protocol["responder"]
        policy = RESPONDER_POLICY[(spec["prohibited_medication"], spec["missing"])]
        out["responder_policy"] = f"Responder: {spec['name']}; {policy}."
    if "continuous_primary" in protocol:
        spec = protocol["continuous_primary"]
        out.update(change_name=spec["name"], change_param=name(spec["paramcd"]), change_visit=spec["visit"],
                   covariates="".join(f", {c}" for c in spec.get("covariates", [])))
    if "time_to_event" in protocol:
        out.update(_tte_fields(protocol, names))
    sec = protocol.get("secondary")
    if sec:
        mmrm, thr = sec["mmrm"], sec["threshold"]
        out.update(mmrm_1=name(mmrm[0]), mmrm_2=name(mmrm[1]), mmrm_other=_join([name(p) for p in mmrm[2:]]),
                   key_visit=sec["key_visit"], threshold_name=name(thr["paramcd"]), threshold_below=f"{thr['below']:g}",
                   ancova_log=_join([name(p) for p in sec["ancova_log"]]),
                   ancova=_join([name(p) for p in sec["ancova"]]))
    ex = protocol.get("exploratory")
    if ex:
        normal = ex["normal"]
        test = {**protocol.get("labs", {}), **protocol.get("vitals", {})}.get(normal["paramcd"], {})
        test_name, test_unit = test.get("name", normal["paramcd"]), test.get("unit", "")
        out.update(normal_label=f" ({normal['label']})" if normal.get("label") else "",
                   normal_note=f" Back to normal: {test_name} < {normal['below']:g}"
                   f"{' ' + test_unit if test_unit else ''} with Clopper-Pearson 95% CI (CP)." + homa)
    return out


NEEDS = {  # a protocol feature an entry needs -> does this protocol have it
    "monitoring": lambda p: "monitoring" in p,
    "monitoring.efficacy": lambda p: "final_test" in p.get("monitoring", {}),
    "responder": lambda p: "responder" in p,
    "continuous_primary": lambda p: "continuous_primary" in p,
    "time_to_event": lambda p: "time_to_event" in p,
    "secondary": lambda p: bool(p.get("secondary")),
    "secondary.mmrm_other": lambda p: bool(p.get("secondary")) and bool(p["secondary"]["mmrm"][2:]),
    "secondary.ancova_log": lambda p: bool(p.get("secondary")) and bool(p["secondary"]["ancova_log"]),
    "secondary.ancova": lambda p: bool(p.get("secondary")) and bool(p["secondary"]["ancova"]),
    "exploratory": lambda p: "exploratory" in p,
    "infusions": lambda p: regimen(p) == "infusion",
    "reactions": lambda p: regimen(p) == "infusion" and "reactions" in p,
    "narratives.open": lambda p: bool((p.get("narratives") or {}).get("open")),
}


def planned(e: Entry, protocol: dict) -> bool:
    return all(NEEDS[need](protocol) for need in e.needs)


class _Numbers(dict):
    """{ref[<id>]}: the number of an output in this report, else its closed-report number."""
    def __missing__(self, key):
        return entry(key).number


def _render(text: str, values: dict, numbers: _Numbers) -> str:
    return text.format_map({**values, "ref": numbers, "note": "{note}"})


def report_plan(kind: str, protocol: dict) -> list[tuple[str, list[Output]]]:
    """[(section title, [Output])] of the report `kind` (open, closed or review) of this protocol."""
    layout = [(title, [entry(k) for k in keys if planned(entry(k), protocol)]) for title, keys in LAYOUT[kind]]
    layout = [(title, entries) for title, entries in layout if entries]
    numbers = _Numbers()
    counts: dict[str, int] = {}
    for _, entries in layout:
        for e in entries:
            if kind == "review":       # one sequence per kind of output, in reading order
                word = e.number.split()[0]
                counts[word] = counts.get(word, 0) + 1
                numbers[e.id] = f"{word} {counts[word]}"
            else:
                numbers[e.id] = e.number
    values = fields(protocol, kind)
    side = "review" if kind == "review" else "closed"
    out = []
    for title, entries in layout:
        outputs = []
        for e in entries:
            text = {**dict(title=e.title, footnote=e.footnote, population=e.population),
                    **(e.review if kind == "review" else {})}
            outputs.append(Output(
                e.id, numbers[e.id], visit_label(_render(text["title"], values, numbers)),
                _render(text["population"], values, numbers),
                e.path.format(side=side), e.kind, visit_label(_render(text["footnote"], values, numbers)),
                _render(e.source, values, numbers), e.note.format(side=side)))
        out.append((title, outputs))
    return out


def report_inputs(kind: str, protocol: dict) -> list[str]:
    """The job targets a report reads, relative to results/<study>/<cut>/: the folder of a rule that
    writes one (RULE_FOLDERS), else each display, note and ARD file of its planned outputs."""
    side = "review" if kind == "review" else "closed"
    targets = []
    for _, keys in LAYOUT[kind]:
        for e in (entry(k) for k in keys):
            if not planned(e, protocol) or e.rule in REPORT_RULES:    # written by the report job itself
                continue
            folder = RULE_FOLDERS.get(e.rule, "").format(side=side)
            for path in (e.path, e.note, e.ard):
                path = path.format(side=side)
                if path:
                    targets.append(folder if folder and path.startswith(folder + "/") else path)
    return list(dict.fromkeys(targets))


def output_numbers(kind: str, protocol: dict) -> dict[str, str]:
    """Output id -> its number in this report."""
    return {o.id: o.number for _, outputs in report_plan(kind, protocol) for o in outputs}


def _absent(name: str):
    """An optional dataset neither used nor among the folder's files (facts `folder`: their stems)."""
    return lambda facts, category: name not in facts["datasets"] and name not in facts.get("folder", set())


ADAM_NEEDS = {  # what an ADaM-route entry needs -> do the analysis rule's facts have it
    "adlb": lambda facts, category: "ADLB" in facts["datasets"],
    "advs": lambda facts, category: "ADVS" in facts["datasets"],
    "adex": lambda facts, category: "ADEX" in facts["datasets"],
    "adcm": lambda facts, category: "ADCM" in facts["datasets"],
    **{f"no_{name.lower()}": _absent(name) for name in ("ADLB", "ADVS", "ADEX", "ADCM", "ADTTE")},
    "no_lab_category": lambda facts, category: not facts["categories"],
    "liver_peaks": lambda facts, category: facts["liver_peaks"],
    "lab_category": lambda facts, category: category is not None,
    "analytes": lambda facts, category: category is not None and category[1],
    "efficacy": lambda facts, analysis: analysis is not None,
    "km_figure": lambda facts, analysis: analysis is not None and analysis["figure"],
}


def adam_plan(facts: dict) -> list[tuple[str, list[Output]]]:
    """[(section title, [Output])] of the report of a study given as an ADaM folder. `facts`, from what
    the analysis rule wrote: datasets (the ADaM datasets used, upper case), folder (the upper-case stems of
    every table file of the folder: an optional dataset in neither is stated absent), categories ([(laboratory
    category, has tabulated analytes)], in output order k = 1, 2, ...), figure_parts (category -> the
    figures its analytes take, listings.safety.lab_figure_parts; default 1), liver_peaks (any subject with
    ALT/AST/bilirubin peaks), efficacy (per configured analysis in order k = 1, 2, ...: its fields eid,
    efficacy_title, efficacy_population, efficacy_source and figure), and the wording fields fisher,
    demographics_population, baseline_tests, lab_shift_window, lab_range."""
    values = {k: v for k, v in facts.items() if isinstance(v, str)} | {"note": "{note}"}
    out = []
    for title, keys in LAYOUT["adam"]:
        entries = [entry(k) for k in keys]
        family = [e for e in entries if "lab_category" in e.needs]
        analyses = [e for e in entries if "efficacy" in e.needs]
        expanded = [(e, (k, c)) for k, c in enumerate(facts["categories"], 1) for e in family]
        expanded += [(e, a) for a in facts.get("efficacy", []) for e in analyses]
        expanded += [(e, None) for e in entries if e not in family and e not in analyses]
        outputs = []
        for e, at in expanded:
            member = at if isinstance(at, dict) else None if at is None else at[1]   # an analysis or a lab category
            if not all(ADAM_NEEDS[need](facts, member) for need in e.needs):
                continue
            v = {**values, **({"k": at[0], "category": member[0]} if isinstance(at, tuple) else {}),
                 **(at if isinstance(at, dict) else {})}
            parts = facts.get("figure_parts", {}).get(member[0], 1) if "{part}" in e.id else 1
            for j in range(parts):
                w = {**v, "part": part_suffix(j, parts), "part_title": part_title(j, parts)}
                outputs.append(Output(e.id.format_map(w), e.number.format_map(w), e.title.format_map(w),
                                      e.population.format_map(w), e.path.format_map(w), e.kind,
                                      e.footnote.format_map(w), e.source.format_map(w), e.note.format_map(w)))
        if outputs:
            vitals = " and vital signs" if any(o.id == "t_14_3_11" for o in outputs) else ""
            out.append((title.format(and_vitals=vitals), outputs))
    return number_in_reading_order(out, facts.get("table_numbers"))


def number_in_reading_order(sections: list[tuple[str, list[Output]]],
                            study_numbers: dict[str, str] | None = None) -> list[tuple[str, list[Output]]]:
    """Sections and outputs numbered without gaps: the sections of a chapter (14, 16) from the chapter's
    first section on (14.1, 14.2, 14.3 ...), the outputs of a section in reading order (Table 14.1.1,
    Table 14.1.2, Figure 14.1.3 ...). `study_numbers` (config adam_studies.<name>.table_numbers, output id
    -> the study's own number) adds the study's number to an output's title; an id that is not an output
    of this report is an error naming the planned ids."""
    study_numbers = dict(study_numbers or {})
    planned_ids = [o.id for _, outputs in sections for o in outputs]
    unknown = sorted(set(study_numbers) - set(planned_ids))
    if unknown:
        raise ValueError(f"table_numbers names {', '.join(unknown)}, not an output of this report; its outputs "
                         f"(the file names under analysis/): {', '.join(planned_ids)}")
    out, next_section, moved = [], {}, {}
    for title, outputs in sections:
        number, _, words = title.partition(" ")
        chapter, first = number.split(".", 1)
        section = f"{chapter}.{next_section.setdefault(chapter, int(first))}"
        next_section[chapter] += 1
        renumbered = []
        for i, o in enumerate(outputs, 1):
            theirs = _theirs(o, study_numbers)
            renumbered.append(replace(o, number=f"{o.number.split()[0]} {section}.{i}", title=o.title + theirs))
            moved[o.number] = renumbered[-1].number
        out.append((f"{section} {words}", renumbered))
    # a footnote that names another output by its planned number ("Estimates in Table 14.2.5") gets the new one
    pattern = re.compile("|".join(rf"{re.escape(k)}(?![\d.])" for k in sorted(moved, key=len, reverse=True)))
    return [(t, [replace(o, footnote=pattern.sub(lambda m: moved[m.group(0)], o.footnote)) for o in outputs])
            for t, outputs in out] if moved else out


def _theirs(o: Output, study_numbers: dict[str, str]) -> str:
    return f" (study {o.kind} {study_numbers[o.id]})" if o.id in study_numbers else ""


def number_crosswalk(sections: list[tuple[str, list[Output]]], study_numbers: dict[str, str] | None = None):
    """The appendix table of the report's outputs: number, title, file (the output id, the key of
    table_numbers) and, where the config gives them, the study's own numbers."""
    study_numbers = study_numbers or {}
    rows = [{"Number": o.number, "Title": o.title.removesuffix(_theirs(o, study_numbers)), "File": o.id}
            for _, outputs in sections for o in outputs]
    frame = pd.DataFrame(rows, columns=["Number", "Title", "File"])
    if study_numbers:
        frame["Study's number"] = frame["File"].map(study_numbers).fillna("")
    return frame


def adam_fields(cfg: dict, tests: dict, population: str) -> dict[str, str]:
    """The wording fields of the ADaM-route report: the between-arm test, the baseline tests and the
    demographics population."""
    control = cfg.get("control")
    return dict(fisher=f"p: Fisher's exact test of each arm against {control}." if control
                else "No between-arm test (no control arm named).",
                baseline_tests="; ".join(f"{kind}: {name}" for kind, name in tests.items() if name) or "none requested",
                demographics_population=population)
