"""The plan of one report of a study: the registry's entries its protocol produces, in the report's
sections, with numbers, titles and footnotes worded from the protocol (`fields`).

A planned output is an output the report must print: the report job fails, naming it, when its
file is missing (report.build.assert_planned_outputs).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..protocol import dose_words, parameter_names, regimen
from ..vocabulary import related_note, related_terms, visit_label
from .registry import LAYOUT, RULE_FOLDERS, Entry, entry


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


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else ""


def _aesi_note(protocol: dict) -> str:
    """The AESI definitions a reader needs beside the table: the terms and window of each AESI timed
    from an infusion, and the hypoglycaemia levels where the protocol grades them."""
    notes = [f"{a['name']}: {', '.join(a.get('terms', [])) or 'any term'} starting within "
             f"{a['hours_after_infusion']} h after an infusion" for a in protocol.get("aesi", [])
             if "hours_after_infusion" in a]
    hypo = protocol.get("hypoglycaemia")
    if hypo:
        unit = protocol.get("labs", {}).get(hypo["glucose_test"], {}).get("unit", "")
        notes.append(f"{hypo['term'].lower()} level 1 < {hypo['level1_below']}, level 2 < {hypo['level2_below']}"
                     f"{' ' + unit if unit else ''}, severe = needing assistance")
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


def _regimen_fields(protocol: dict) -> dict[str, str]:
    """The wording of the dosing regimen (protocol treatment.regimen): "infusion" only where the study infuses."""
    infused = regimen(protocol) == "infusion"
    return dict(dose_words(protocol),
                exposure_what="infusions received and cumulative dose" if infused else
                "duration, cumulative and average daily dose",
                vitals_after_dose=", and temperature after each infusion" if infused else "",
                since_last_dose="days since last infusion: 0 = the day of an infusion. " if infused else "")


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
               aesi_definitions=_aesi_note(protocol), bmi_note=_bmi_note(protocol), homa_note=homa,
               dose_unit_in_brackets=f" ({unit})" if unit else "",
               guideline_sources="ADSL, ADAE" if single else "ADSL, ADAE, ADEFF",
               related_terms=related_note(related_terms(protocol)), **_regimen_fields(protocol))
    if "responder" in protocol:
        spec = protocol["responder"]
        policy = RESPONDER_POLICY[(spec["prohibited_medication"], spec["missing"])]
        out["responder_policy"] = f"Responder: {spec['name']}; {policy}."
    if "continuous_primary" in protocol:
        spec = protocol["continuous_primary"]
        out.update(change_name=spec["name"], change_param=name(spec["paramcd"]), change_visit=spec["visit"],
                   covariates="".join(f", {c}" for c in spec.get("covariates", [])))
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
    "secondary": lambda p: bool(p.get("secondary")),
    "secondary.mmrm_other": lambda p: bool(p.get("secondary")) and bool(p["secondary"]["mmrm"][2:]),
    "secondary.ancova_log": lambda p: bool(p.get("secondary")) and bool(p["secondary"]["ancova_log"]),
    "secondary.ancova": lambda p: bool(p.get("secondary")) and bool(p["secondary"]["ancova"]),
    "exploratory": lambda p: "exploratory" in p,
    "infusions": lambda p: regimen(p) == "infusion",
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
                e.id, numbers[e.id], visit_label(_render(text["title"], values, numbers)), text["population"],
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
            if not planned(e, protocol):
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


ADAM_NEEDS = {  # what an ADaM-route entry needs -> do the analysis rule's facts have it
    "adlb": lambda facts, category: "ADLB" in facts["datasets"],
    "advs": lambda facts, category: "ADVS" in facts["datasets"],
    "no_lab_category": lambda facts, category: not facts["categories"],
    "liver_peaks": lambda facts, category: facts["liver_peaks"],
    "lab_category": lambda facts, category: category is not None,
    "analytes": lambda facts, category: category is not None and category[1],
}


def adam_plan(facts: dict) -> list[tuple[str, list[Output]]]:
    """[(section title, [Output])] of the report of a study given as an ADaM folder. `facts`, from what
    the analysis rule wrote: datasets (the ADaM datasets used, upper case), categories ([(laboratory
    category, has tabulated analytes)], in output order k = 1, 2, ...), liver_peaks (any subject with
    ALT/AST/bilirubin peaks), and the wording fields fisher, demographics_population, baseline_tests."""
    values = {k: v for k, v in facts.items() if isinstance(v, str)}
    out = []
    for title, keys in LAYOUT["adam"]:
        entries = [entry(k) for k in keys]
        family = [e for e in entries if "lab_category" in e.needs]
        expanded = [(e, (k, c)) for k, c in enumerate(facts["categories"], 1) for e in family]
        expanded += [(e, None) for e in entries if e not in family]
        outputs = []
        for e, at in expanded:
            category = None if at is None else at[1]
            if not all(ADAM_NEEDS[need](facts, category) for need in e.needs):
                continue
            v = {**values, **({"k": at[0], "category": category[0]} if at else {})}
            outputs.append(Output(e.id.format_map(v), e.number.format_map(v), e.title.format_map(v),
                                  e.population.format_map(v), e.path.format_map(v), e.kind,
                                  e.footnote.format_map(v), e.source, e.note))
        if outputs:
            vitals = " and vital signs" if any(o.id == "t_14_3_11" for o in outputs) else ""
            out.append((title.format(and_vitals=vitals), outputs))
    return out


def adam_fields(cfg: dict, tests: dict, population: str) -> dict[str, str]:
    """The wording fields of the ADaM-route report: the between-arm test, the baseline tests and the
    demographics population."""
    control = cfg.get("control")
    return dict(fisher=f"p: Fisher's exact test of each arm against {control}." if control
                else "No between-arm test (no control arm named).",
                baseline_tests="; ".join(f"{kind}: {name}" for kind, name in tests.items() if name) or "none requested",
                demographics_population=population, related_terms=related_note())
