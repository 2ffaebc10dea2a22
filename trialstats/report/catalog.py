"""What each report carries (TLF.md): output id, number, title, population, file, footnote.

Paths are relative to results/<study>/<cut>/. `kind` is table (a display CSV), figure (PNG),
or listing (a CSV printed as is). SECTIONS is the skeleton with generic titles; `sections(kind,
protocol)` is what a study's report prints: titles, footnotes and units from its protocol, and only
the outputs its protocol produces.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..protocol import parameter_names
from ..vocabulary import visit_label


@dataclass(frozen=True)
class Output:
    id: str
    number: str
    title: str
    population: str
    path: str
    kind: str = "table"
    footnote: str = ""
    source: str = ""


INCIDENCE = ("n (%) [events]: subjects with at least one event (% of the arm's N) [number of events]. "
             "p: Fisher's exact test.")
REPORT_TITLES = {"open": "DMC open report (pooled)", "closed": "DMC closed report (by arm)",
                 "review": "Safety review report"}
_TIME_AT_RISK = ("Day 1 = the first dose. Without the event: censored at the end of observation (the end-of-study "
                 "date, else the last date of any record at the data cut). A subject who completed the study before "
                 "the nominal day of the last week shown is censored then, so the number at risk in the last week "
                 "falls below the completers. ")

VERBATIM = ("Verbatim terms as the investigator reported them, in the site's language; the preferred term is "
            "their MedDRA coding in English.")
SECTIONS = {  # report type -> [(section title, [outputs])]
    "open": [
        ("Trial conduct", [
            Output("o_accrual", "Figure 1", "Accrual over time against the target", "Screened",
                   "open/tables/accrual.png", "figure", source="ADSL"),
            Output("o_accrual_table", "Table 1", "Accrual by month", "Screened", "open/tables/accrual.csv",
                   source="ADSL"),
            Output("o_completeness", "Table 2", "Data completeness: expected vs available assessments by visit",
                   "Full analysis set", "open/tables/completeness.csv", footnote="Expected: on study when the "
                   "visit window closed, by the data cut.", source="ADSL, ADEFF"),
            Output("o_deviations", "Table 3", "Protocol deviations by type", "Randomized", "open/tables/deviations.csv",
                   source="ADSL, ADEFF"),
        ]),
        ("Subject flow", [
            Output("o_consort", "Figure 2", "CONSORT flow, pooled", "Screened", "open/figures/consort.png", "figure",
                   "Screen failures by the criterion recorded by the investigator (IE).", "ADSL"),
            Output("o_disposition", "Table 4", "Disposition, pooled", "Screened", "open/tables/disposition.csv",
                   source="ADSL"),
            Output("o_populations", "Table 5", "Analysis populations, pooled", "Randomized",
                   "open/tables/populations.csv", source="ADSL"),
            Output("o_eligibility", "Table 6", "Eligibility by criterion: data vs investigator", "Screened",
                   "open/tables/eligibility.csv", footnote="Criteria decided by data are evaluated on the screening "
                   "values; the others are judged by the investigator.", source="Eligibility table (SDTM LB, VS, MH, CM, "
                   "SU, QS, PR, IE)"),
            Output("o_disagreements", "Listing 1", "Eligibility: data vs investigator disagreements", "Screened",
                   "open/listings/eligibility_disagreements.csv", "listing", source="Eligibility table"),
        ]),
        ("Baseline and safety, pooled", [
            Output("o_baseline", "Table 7", "Demographics and baseline characteristics, pooled", "Full analysis set",
                   "open/tables/baseline.csv", source="ADSL"),
            Output("o_ae_overview", "Table 8", "Adverse event overview, pooled", "Safety set",
                   "open/tables/ae_overview.csv", footnote="n (%) [events]; CI: Clopper-Pearson 95%.", source="ADAE"),
        ]),
    ],
    "closed": [
        ("14.1 Subjects", [
            Output("t_14_1_1", "Table 14.1.1", "Analysis populations by arm", "Randomized", "closed/flow/populations.csv",
                   source="ADSL"),
            Output("t_14_1_2", "Table 14.1.2", "Disposition by arm", "Randomized", "closed/flow/disposition.csv",
                   source="ADSL"),
            Output("f_14_1_3", "Figure 14.1.3", "CONSORT flow by arm", "Screened", "closed/figures/consort.png", "figure",
                   source="ADSL"),
            Output("t_14_1_4", "Table 14.1.4", "Demographics and baseline characteristics by arm", "Full analysis set",
                   "closed/flow/baseline.csv", source="ADSL"),
            Output("t_14_1_5", "Table 14.1.5", "Exposure", "Safety set",
                   "closed/safety/tables/t_14_1_5.csv", footnote="@closed/safety/tables/t_14_1_5_footnote.txt",
                   source="ADEX"),
        ]),
        ("14.2 Efficacy", [
            Output("t_14_2_1", "Table 14.2.1", "Primary endpoint: responders, difference, odds ratio",
                   "Full analysis set", "closed/tables/t_14_2_1.csv",
                   footnote="Differences in percentage points.", source="ADEFF"),
            Output("t_14_2_2", "Table 14.2.2", "Primary estimand", "-", "closed/tables/t_14_2_2.csv", source="SAP"),
            Output("t_14_2_3", "Table 14.2.3", "Sensitivity and supportive analyses of the primary endpoint", "As stated",
                   "closed/tables/t_14_2_3.csv", footnote="Responders / N (%) per arm; differences in percentage "
                   "points. Each component alone counts prohibited medication and a missing value as non-response, "
                   "as the primary analysis does (so it may differ from the observed values of Table 14.2.8).",
                   source="ADEFF"),
            Output("f_14_2_3", "Figure 14.2.3", "Difference in response across analyses", "As stated",
                   "closed/figures/f_14_2_3.png", "figure", source="ADEFF"),
            Output("t_14_2_4", "Table 14.2.4", "Tipping point: responders among missing patients", "Full analysis set",
                   "closed/tables/t_14_2_4.csv", footnote="@closed/tables/t_14_2_4_tipping_point.txt", source="ADEFF"),
            Output("f_14_2_4", "Figure 14.2.4", "Tipping point: Fisher p", "Full analysis set",
                   "closed/figures/f_14_2_4.png", "figure", source="ADEFF"),
            Output("t_14_2_5", "Table 14.2.5", "First MMRM parameter: change from baseline", "Full analysis set",
                   "closed/secondary/tables/t_14_2_5.csv", footnote="@closed/secondary/tables/t_14_2_5_footnote.txt",
                   source="ADEFF"),
            Output("f_14_2_5", "Figure 14.2.5", "LS-mean change over visits", "Full analysis set",
                   "closed/secondary/figures/f_14_2_5.png", "figure", source="ADEFF"),
            Output("t_14_2_6", "Table 14.2.6", "Second MMRM parameter: change from baseline", "Full analysis set",
                   "closed/secondary/tables/t_14_2_6.csv", footnote="@closed/secondary/tables/t_14_2_6_footnote.txt",
                   source="ADEFF"),
            Output("f_14_2_6", "Figure 14.2.6", "LS-mean change over visits", "Full analysis set",
                   "closed/secondary/figures/f_14_2_6.png", "figure", source="ADEFF"),
            Output("t_14_2_7", "Table 14.2.7", "Other parameters at the key visit: MMRM",
                   "Full analysis set", "closed/secondary/tables/t_14_2_7.csv",
                   footnote="@closed/secondary/tables/t_14_2_7_footnote.txt", source="ADEFF"),
            Output("t_14_2_8", "Table 14.2.8", "Below the threshold by visit", "Full analysis set",
                   "closed/secondary/tables/t_14_2_8.csv", footnote="Observed values; Miettinen-Nurminen 95% CI.",
                   source="ADEFF"),
            Output("t_14_2_9", "Table 14.2.9", "Log-scale ANCOVA: geometric means and ratio",
                   "Full analysis set", "closed/secondary/tables/t_14_2_9.csv",
                   footnote="ANCOVA of log values on arm and log baseline at the key visit.", source="ADEFF"),
            Output("t_14_2_10", "Table 14.2.10", "ANCOVA at the key visit", "Full analysis set",
                   "closed/secondary/tables/t_14_2_10.csv", footnote="ANCOVA of the value at the key visit on arm and "
                   "baseline: per arm n and the adjusted (LS) mean with 95% CI; contrast = difference of adjusted "
                   "means, active minus control, with 95% CI and p.", source="ADEFF"),
            Output("f_14_2_11", "Figure 14.2.11", "Subgroups: primary endpoint and key-visit change",
                   "Full analysis set", "closed/secondary/figures/f_14_2_11.png", "figure", source="ADEFF, ADSL"),
        ]),
        ("14.3 Safety", [
            Output("t_14_3_1", "Table 14.3.1", "Adverse event overview by arm", "Safety set",
                   "closed/safety/tables/t_14_3_1.csv", footnote=INCIDENCE, source="ADAE"),
            Output("t_14_3_2", "Table 14.3.2", "TEAEs by SOC and PT", "Safety set", "closed/safety/tables/t_14_3_2.csv",
                   footnote="Subjects counted once per SOC and once per PT. " + INCIDENCE, source="ADAE"),
            Output("t_14_3_3", "Table 14.3.3", "TEAEs by maximum severity", "Safety set",
                   "closed/safety/tables/t_14_3_3.csv", footnote="Each subject counted once, at the most severe "
                   "TEAE. n (%) of the arm's N.", source="ADAE"),
            Output("t_14_3_4", "Table 14.3.4", "Treatment-related TEAEs", "Safety set",
                   "closed/safety/tables/t_14_3_4.csv", footnote="Related: as judged by the investigator. " + INCIDENCE,
                   source="ADAE"),
            Output("t_14_3_5", "Table 14.3.5", "Serious TEAEs", "Safety set", "closed/safety/tables/t_14_3_5.csv",
                   footnote=INCIDENCE, source="ADAE"),
            Output("t_14_3_6", "Table 14.3.6", "Adverse events of special interest", "Safety set",
                   "closed/safety/tables/t_14_3_6.csv", source="ADAE, ADLB"),
            Output("f_14_3_7", "Figure 14.3.7", "AE dot plot: incidence and risk difference", "Safety set",
                   "closed/safety/figures/f_14_3_7.png", "figure", source="ADAE"),
            Output("t_14_3_8", "Table 14.3.8", "Laboratory values and change from baseline by visit", "Safety set",
                   "closed/safety/tables/t_14_3_8.csv", source="ADLB"),
            Output("t_14_3_9", "Table 14.3.9", "Laboratory shifts: baseline vs worst post-baseline", "Safety set",
                   "closed/safety/tables/t_14_3_9.csv", footnote="n: subjects with a baseline and a post-baseline "
                   "value; % of n. CMH general association across arms, stratified by baseline category; blank where "
                   "it cannot be computed (one post-baseline category, or strata of unequal shape).", source="ADLB"),
            Output("t_14_3_10", "Table 14.3.10", "Hy's-law screen", "Safety set", "closed/safety/tables/t_14_3_10.csv",
                   footnote="Peak post-baseline values as multiples of the upper limit of normal.", source="ADLB"),
            Output("f_14_3_10", "Figure 14.3.10", "eDISH: peak ALT vs peak bilirubin", "Safety set",
                   "closed/safety/figures/f_14_3_10.png", "figure", footnote="One point per subject with a "
                   "post-baseline ALT and bilirubin value (n in the legend); peak post-baseline values as multiples of "
                   "the upper limit of normal, log scales; subjects at ALT >= 3 x ULN labelled.", source="ADLB"),
            Output("t_14_3_11", "Table 14.3.11", "Vital signs, and temperature after each infusion", "Safety set",
                   "closed/safety/tables/t_14_3_11.csv", source="ADVS"),
            Output("t_14_3_12", "Table 14.3.12", "Time to first serious TEAE, first AESI and study discontinuation "
                   "(Kaplan-Meier)", "Safety set", "closed/safety/tables/t_14_3_12.csv", footnote=_TIME_AT_RISK +
                   "n: subjects with the event (first row of an endpoint), at risk at week w (followed to study day "
                   "7w + 1 or later); %: cumulative incidence = 100 x (1 - Kaplan-Meier estimate) with the 95% CI of the "
                   "log(-log) transform, Greenwood variance (statsmodels). Log-rank p where there are "
                   "two or more arms. AESI: a TEAE under any of the protocol's AESIs.",
                   source="ADSL, ADAE, ADEX, ADLB, ADVS"),
            Output("f_14_3_12", "Figure 14.3.12", "Time to first serious TEAE, first AESI and study discontinuation",
                   "Safety set", "closed/safety/figures/f_14_3_12.png", "figure",
                   footnote="Cumulative incidence = 1 - Kaplan-Meier estimate; ticks: censored subjects; confidence "
                   "intervals in Table 14.3.12.", source="ADSL, ADAE, ADEX"),
            Output("t_14_3_13", "Table 14.3.13", "Exposure-adjusted incidence of TEAEs per 100 patient-years",
                   "Safety set", "closed/safety/tables/t_14_3_13.csv", footnote="n / PY: rate (95% CI): subjects with "
                   "the event / patient-years at risk: rate per 100 patient-years with the exact Poisson (Garwood) 95% "
                   "CI. At risk from the first dose to the first event of the row, else to the end of observation (as "
                   "Table 14.3.12); a year is 365.25 days. AESI rows as Table 14.3.6, then SOC and PT.",
                   source="ADSL, ADAE, ADEX"),
            Output("t_14_3_14", "Table 14.3.14", "TEAEs by infusion number", "Safety set",
                   "closed/safety/tables/t_14_3_14.csv", footnote="Each TEAE is attributed to the latest infusion on or "
                   "before its onset date. n/N (%) [events]: subjects with a TEAE attributed to infusion k / subjects "
                   "who received infusion k; the ten preferred terms with most subjects. The last infusion's row "
                   "covers the rest of follow-up.", source="ADAE, ADEX"),
            Output("f_14_3_15", "Figure 14.3.15", "Liver and renal tests by visit: box plots", "Safety set",
                   "closed/safety/figures/f_14_3_15.png", "figure", footnote="Scheduled visits. Box: quartiles and "
                   "median; whiskers to 1.5 x IQR; dots beyond. Dashed: upper limit of normal.", source="ADLB"),
            Output("f_14_3_16", "Figure 14.3.16", "ALT and AST over time, multiples of the upper limit of normal",
                   "Safety set", "closed/safety/figures/f_14_3_16.png", "figure", footnote="One line per subject. "
                   "Bold and labelled: subjects with ALT or AST >= 3 x ULN after the first dose (Listing 16.2.6).",
                   source="ADLB"),
        ]),
        ("16.2 Listings", [
            Output("l_16_2_1", "Listing 16.2.1", "Serious adverse events", "Safety set",
                   "closed/safety/listings/l_16_2_1.csv", "listing", footnote="Onset day: study day (day 1 = first "
                   "dose); days since last infusion: 0 = the day of an infusion. " + VERBATIM, source="ADAE, ADSL, ADEX"),
            Output("l_16_2_2", "Listing 16.2.2", "Deaths", "Safety set", "closed/safety/listings/l_16_2_2.csv", "listing",
                   source="ADSL, ADAE"),
            Output("l_16_2_3", "Listing 16.2.3", "Adverse events of special interest", "Safety set",
                   "closed/safety/listings/l_16_2_3.csv", "listing", footnote=VERBATIM, source="ADAE"),
            Output("l_16_2_4", "Listing 16.2.4", "Discontinuations, with reason", "Randomized",
                   "closed/flow/discontinued.csv", "listing", source="ADSL"),
            Output("l_16_2_5", "Listing 16.2.5", "Adverse events leading to withdrawal", "Safety set",
                   "closed/safety/listings/l_16_2_5.csv", "listing", footnote="TEAEs with an action taken (study drug or "
                   "other action) of withdrawal; a subject who left the study for an adverse event without such a record "
                   "has all TEAEs listed. Onset day: study day (day 1 = first dose).", source="ADAE, ADSL, ADEX"),
            Output("l_16_2_6", "Listing 16.2.6", "Subjects with ALT or AST >= 3 x ULN: ALT, AST and bilirubin over "
                   "time", "Safety set", "closed/safety/listings/l_16_2_6.csv", "listing", footnote="Every analysed "
                   "record of each subject whose ALT or AST reached 3 x ULN after the first dose; x ULN = value / upper "
                   "limit of normal.", source="ADLB, ADEX"),
            Output("l_16_2_7", "Listing 16.2.7", "Safety laboratory panel: tests by category and their records",
                   "Safety set", "closed/safety/listings/l_lab_panel.csv", "listing",
                   footnote="The panel is the protocol's safety laboratory panel; a test or category without records "
                   "says so.",
                   source="ADLB"),
        ]),
    ],
}


def monitoring_section(side: str) -> tuple[str, list[Output]]:
    """The DMC charter's stopping guidelines (rule monitoring), first in the closed and review reports."""
    base = f"{side}/monitoring"
    return ("Stopping guidelines", [
        Output("t_guidelines", "Table G.1", "Stopping guidelines of the DMC charter at this data cut",
               "As stated per rule", f"{base}/stopping_guidelines.csv",
               footnote=f"@{base}/guidelines_footnote.txt",
               source="ADSL, ADAE, ADEFF" if side == "closed" else "ADSL, ADAE"),
        Output("f_guidelines", "Figure G.1", "Safety stopping rules: subjects with the event against the boundary",
               "Safety set", f"{base}/safety_boundaries.png", "figure", source="ADSL, ADAE"),
    ])


def review_sections(protocol: dict | None = None) -> list:
    """The single-arm safety review: the open report's trial conduct and subject flow, the closed
    safety outputs read from review/, a listing of every TEAE; worded for one arm (enrolled, not
    randomized; nothing pooled). Numbered by `sections` (one sequence, in reading order)."""
    closed = sections("closed", protocol) if protocol is not None else SECTIONS["closed"]
    by_id = {o.id: o for _, outputs in closed for o in outputs}
    conduct, flow, baseline_safety = (outputs for _, outputs in SECTIONS["open"])
    subjects = flow + [o for o in baseline_safety if o.id == "o_baseline"]
    safety = [o for o in next(outs for title, outs in closed if title == "14.3 Safety") if o.id != "f_14_3_7"]
    listings = [o for o in next(outs for title, outs in closed if title == "16.2 Listings") if o.id != "l_16_2_4"]
    unit = (protocol or {}).get("treatment", {}).get("dose_unit")
    exposure = replace(by_id["t_14_1_5"], title="Exposure: infusions received and cumulative dose"
                       + (f" ({unit})" if unit else ""))
    out = [("Trial conduct", conduct), ("Subjects", subjects + [exposure]), ("Safety", safety)]
    if protocol is None or "exploratory" in protocol:
        out.append(("Exploratory efficacy", [_exploratory(protocol)]))
    out.append(("Listings", [*listings[:1], ALL_TEAE, *listings[1:]]))
    return [(title, [_single_arm(o) for o in outputs]) for title, outputs in out]


ALL_TEAE = Output("l_teae", "Listing", "All treatment-emergent adverse events", "Safety set",
                  "review/safety/listings/l_teae.csv", "listing",
                  footnote="Every TEAE record, by subject and onset. Onset day: study day of onset (day 1 = first "
                  "infusion). Imputed dates: appendix, records used with a note.",
                  source="ADAE")


_SINGLE_ARM_NOTES = {"t_14_3_3": "CI: Clopper-Pearson 95%.", "t_14_3_10": "n (%); CI: Clopper-Pearson 95%."}


def _single_arm(out: Output) -> Output:
    """An open or closed output worded for a single-arm study: nothing pooled, by arm or randomized,
    Clopper-Pearson CIs in place of between-arm tests, the safety files of review/."""
    title = out.title.replace(", pooled", "").replace(" by arm", "").replace("CONSORT flow", "Subject flow (CONSORT)")
    footnote = out.footnote.replace("p: Fisher's exact test.", "CI: Clopper-Pearson 95%.").replace(
        "@closed/safety/", "@review/safety/").replace("% of the arm's N", "% of N").replace(
        "of the arm's N", "of N").replace(" Log-rank p where there are two or more arms.", "")
    footnote = (_SINGLE_ARM_NOTES.get(out.id, "") + " " + footnote).strip()
    if out.id == "t_14_3_9":          # no CMH test with one arm
        footnote = "Subjects by baseline category and worst post-baseline category."
    return replace(out, title=title, footnote=footnote, path=out.path.replace("closed/safety/", "review/safety/"),
                   population="Enrolled" if out.population == "Randomized" else out.population)


def _numbered(report: list) -> list:
    """Every table, figure and listing numbered in one sequence per kind, in reading order
    (Table 1, 2, ...; Figure 1, ...; Listing 1, ...)."""
    counts: dict[str, int] = {}
    out = []
    for title, outputs in report:
        renumbered = []
        for o in outputs:
            word = o.number.split()[0]
            counts[word] = counts.get(word, 0) + 1
            renumbered.append(replace(o, number=f"{word} {counts[word]}"))
        out.append((title, renumbered))
    # footnotes that cite another output by its closed-report number cite it by this report's number
    new = {o.number: n.number for (_, old), (_, outs) in zip(report, out) for o, n in zip(old, outs)}
    cite = re.compile("|".join(re.escape(k) + r"(?!\d|\.\d)" for k in sorted(new, key=len, reverse=True)))
    return [(title, [replace(o, footnote=cite.sub(lambda m: new[m[0]], o.footnote)) for o in outs]) for title, outs in out]


def _exploratory(protocol: dict | None) -> Output:
    title, note = "Exploratory outcomes: paired change from baseline and back to normal", ""
    if protocol is not None:
        normal = protocol["exploratory"]["normal"]
        title += f" ({normal['label']})" if normal.get("label") else ""
        test = {**protocol.get("labs", {}), **protocol.get("vitals", {})}.get(normal["paramcd"], {})
        name, unit = test.get("name", normal["paramcd"]), test.get("unit", "")
        note = (f" Back to normal: {name} < {normal['below']:g}{' ' + unit if unit else ''} with Clopper-Pearson 95% CI (CP)."
                + _homa_note(protocol))
    return Output("t_14_2_e1", "Table 14.2.E1", title, "Full analysis set", "review/safety/tables/t_14_2_e1.csv",
                  footnote="Mean change with t-based 95% CI and paired t-test." + note, source="ADEFF")


def _homa_note(protocol: dict) -> str:
    return f" HOMA: {protocol['homa']['form']} form." if "homa" in protocol else ""


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else ""


def _aesi_note(protocol: dict) -> str:
    """The AESI definitions a reader needs beside the table: the terms and window of each AESI
    timed from an infusion, and the hypoglycaemia levels where the protocol grades them (the
    table then shows them)."""
    notes = [f"{a['name']}: {', '.join(a.get('terms', [])) or 'any term'} starting within "
             f"{a['hours_after_infusion']} h after an infusion" for a in protocol.get("aesi", [])
             if "hours_after_infusion" in a]
    hypo = protocol.get("hypoglycaemia")
    if hypo:
        unit = protocol.get("labs", {}).get(hypo["glucose_test"], {}).get("unit", "")
        notes.append(f"{hypo['term'].lower()} level 1 < {hypo['level1_below']}, level 2 < {hypo['level2_below']}"
                     f"{' ' + unit if unit else ''}, severe = needing assistance")
    return "; ".join(notes) + "." if notes else ""


def _primary_note(spec: dict) -> str:
    policy = {("non-responder", "non-responder"): "prohibited medication or a missing value: non-responder",
              ("non-responder", "missing"): "prohibited medication: non-responder; a missing value: missing",
              ("ignore", "non-responder"): "a missing value: non-responder",
              ("ignore", "missing"): "a missing value: missing"}[(spec["prohibited_medication"], spec["missing"])]
    return f"Responder: {spec['name']}; {policy}."


def sections(kind: str, protocol: dict) -> list:
    """The sections of a report of this protocol: SECTIONS with the protocol's parameters, units,
    dose and endpoint wording in titles and footnotes, without the outputs it does not produce;
    the DMC charter's stopping guidelines first in the closed and review reports; the review's
    outputs numbered in one sequence (_numbered)."""
    out = [(title, [_baseline_note(replace(o, title=visit_label(o.title), footnote=visit_label(o.footnote)
                                           if not o.footnote.startswith("@") else o.footnote), protocol, kind)
                    for o in outputs])
           for title, outputs in _sections(kind, protocol)]
    out = [monitoring_section(kind), *out] if "monitoring" in protocol and kind != "open" else out
    return _numbered(out) if kind == "review" else out


def _baseline_note(out: Output, protocol: dict, kind: str) -> Output:
    """The baseline table says where its BMI comes from when a vital-signs table also shows one."""
    uses_bmi = any(b.get("paramcd") == "BMI" for b in protocol.get("baseline", []))
    if (kind == "open" or out.id not in ("t_14_1_4", "o_baseline") or not uses_bmi
            or "BMI" not in protocol.get("vitals", {})):
        return out
    note = ("BMI: derived, baseline weight / (screening height in m)^2; the vital-signs table shows BMI as "
            "recorded on the CRF, so the two may differ slightly.")
    return replace(out, footnote=(out.footnote + " " + note).strip())


def _sections(kind: str, protocol: dict) -> list:
    if kind == "review":
        return review_sections(protocol)
    if kind != "closed":
        return SECTIONS[kind]
    names = parameter_names(protocol)
    name = lambda code: names.get(code, code)  # noqa: E731
    trt = protocol["treatment"]
    fixed = {"t_14_3_6": dict(footnote=(_aesi_note(protocol) + " " + INCIDENCE).strip())}
    drop, extra = set(), []
    if "responder" in protocol:
        fixed["t_14_2_1"] = dict(footnote=_primary_note(protocol["responder"]) + " Differences in percentage points.")
    else:
        drop |= {"t_14_2_1", "t_14_2_2", "t_14_2_3", "f_14_2_3", "t_14_2_4", "f_14_2_4"}
    if "continuous_primary" in protocol:
        extra = _change_outputs(protocol["continuous_primary"], name(protocol["continuous_primary"]["paramcd"]))
    sec = protocol.get("secondary")
    if sec:
        key, mmrm, thr = sec["key_visit"], sec["mmrm"], sec["threshold"]
        fixed.update({
            "t_14_2_5": dict(title=f"{name(mmrm[0])} change from baseline: MMRM"),
            "f_14_2_5": dict(title=f"LS-mean {name(mmrm[0])} change over visits"),
            "t_14_2_6": dict(title=f"{name(mmrm[1])} change from baseline: MMRM"),
            "f_14_2_6": dict(title=f"LS-mean {name(mmrm[1])} change over visits"),
            "t_14_2_7": dict(title=f"{_join([name(p) for p in mmrm[2:]])} at {key}: MMRM"),
            "t_14_2_8": dict(title=f"{name(thr['paramcd'])} < {thr['below']:g} by visit"),
            "t_14_2_9": dict(title=f"{_join([name(p) for p in sec['ancova_log']])}: geometric means and ratio",
                             footnote=f"ANCOVA of log values on arm and log baseline at {key}." + _homa_note(protocol)),
            "t_14_2_10": dict(title=f"{_join([name(p) for p in sec['ancova']])}: ANCOVA at {key}"),
            "f_14_2_11": dict(title=f"Subgroups: primary endpoint and {key} {name(mmrm[0])} change")})
        drop |= {k for k, v in (("t_14_2_7", mmrm[2:]), ("t_14_2_9", sec["ancova_log"]), ("t_14_2_10", sec["ancova"]))
                 if not v}
    else:
        drop |= {"t_14_2_5", "f_14_2_5", "t_14_2_6", "f_14_2_6", "t_14_2_7", "t_14_2_8", "t_14_2_9", "t_14_2_10",
                 "f_14_2_11"}
    out = []
    for title, outputs in SECTIONS[kind]:
        kept = [replace(o, **fixed.get(o.id, {})) for o in outputs if o.id not in drop]
        if title == "14.2 Efficacy":
            kept = extra + kept
        if kept:
            out.append((title, kept))
    return out


def _change_outputs(spec: dict, name: str) -> list[Output]:
    """The outputs of a continuous primary endpoint (rule primary_change)."""
    base = "closed/primary_change"
    model = ("MMRM: arm, visit, arm x visit, baseline, baseline x visit" + "".join(f", {c}" for c in spec.get("covariates", []))
             + "; unstructured covariance; REML; Kenward-Roger df. Each arm minus the control.")
    return [
        Output("t_14_2_1", "Table 14.2.1", f"Primary endpoint: {spec['name']}", "Full analysis set",
               f"{base}/tables/t_14_2_1.csv", footnote=f"LS-mean change from baseline in {name} at {spec['visit']}. "
               + model, source="ADEFF"),
        Output("f_14_2_1", "Figure 14.2.1", f"LS-mean {name} change over visits", "Full analysis set",
               f"{base}/figures/f_14_2_1.png", "figure", source="ADEFF"),
        Output("t_14_2_2", "Table 14.2.2", "Primary estimand", "-", f"{base}/tables/t_14_2_2.csv", source="SAP"),
        Output("t_14_2_3", "Table 14.2.3", "Sensitivity and supportive analyses of the primary endpoint", "As stated",
               f"{base}/tables/t_14_2_3.csv", footnote="Per-protocol: the primary MMRM on the per-protocol set; "
               f"observed cases: ANCOVA of the change at {spec['visit']} on arm and baseline; multiple imputation: "
               "missing visits imputed under MAR within arm, the same ANCOVA pooled by Rubin's rules.", source="ADEFF"),
        Output("f_14_2_3", "Figure 14.2.3", f"Difference in {name} change across analyses", "As stated",
               f"{base}/figures/f_14_2_3.png", "figure", source="ADEFF"),
    ]
