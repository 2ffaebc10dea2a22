"""What each report carries (TLF.md): output id, number, title, population, file, footnote.

Paths are relative to results/<study>/<cut>/. `kind` is table (a display CSV), figure (PNG),
or listing (a CSV printed as is).
"""
from __future__ import annotations

from dataclasses import dataclass


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
            Output("t_14_1_5", "Table 14.1.5", "Exposure: infusions received and cells/kg", "Safety set",
                   "closed/safety/tables/t_14_1_5.csv", footnote="Cumulative dose in 10^6 cells/kg (placebo: 0).",
                   source="ADEX"),
        ]),
        ("14.2 Efficacy", [
            Output("t_14_2_1", "Table 14.2.1", "Primary endpoint: responders, difference, odds ratio",
                   "Full analysis set", "closed/tables/t_14_2_1.csv",
                   footnote="Responder: HbA1c < 7.0% and daily insulin reduced >= 50% at week 48; prohibited "
                   "medication or a missing value: non-responder. Differences in percentage points.", source="ADEFF"),
            Output("t_14_2_2", "Table 14.2.2", "Primary estimand", "-", "closed/tables/t_14_2_2.csv", source="SAP"),
            Output("t_14_2_3", "Table 14.2.3", "Sensitivity and supportive analyses of the primary endpoint", "As stated",
                   "closed/tables/t_14_2_3.csv", source="ADEFF"),
            Output("f_14_2_3", "Figure 14.2.3", "Difference in response across analyses", "As stated",
                   "closed/figures/f_14_2_3.png", "figure", source="ADEFF"),
            Output("t_14_2_4", "Table 14.2.4", "Tipping point: responders among missing patients", "Full analysis set",
                   "closed/tables/t_14_2_4.csv", footnote="@closed/tables/t_14_2_4_tipping_point.txt", source="ADEFF"),
            Output("f_14_2_4", "Figure 14.2.4", "Tipping point: Fisher p", "Full analysis set",
                   "closed/figures/f_14_2_4.png", "figure", source="ADEFF"),
            Output("t_14_2_5", "Table 14.2.5", "HbA1c change from baseline: MMRM", "Full analysis set",
                   "closed/secondary/tables/t_14_2_5.csv", footnote="@closed/secondary/tables/t_14_2_5_footnote.txt",
                   source="ADEFF"),
            Output("f_14_2_5", "Figure 14.2.5", "LS-mean HbA1c change over visits", "Full analysis set",
                   "closed/secondary/figures/f_14_2_5.png", "figure", source="ADEFF"),
            Output("t_14_2_6", "Table 14.2.6", "Daily insulin dose (U/kg/day) change: MMRM", "Full analysis set",
                   "closed/secondary/tables/t_14_2_6.csv", footnote="@closed/secondary/tables/t_14_2_6_footnote.txt",
                   source="ADEFF"),
            Output("f_14_2_6", "Figure 14.2.6", "LS-mean insulin dose change over visits", "Full analysis set",
                   "closed/secondary/figures/f_14_2_6.png", "figure", source="ADEFF"),
            Output("t_14_2_7", "Table 14.2.7", "Fasting glucose, C-peptide and weight at week 48: MMRM",
                   "Full analysis set", "closed/secondary/tables/t_14_2_7.csv",
                   footnote="@closed/secondary/tables/t_14_2_7_footnote.txt", source="ADEFF"),
            Output("t_14_2_8", "Table 14.2.8", "HbA1c < 7% by visit", "Full analysis set",
                   "closed/secondary/tables/t_14_2_8.csv", footnote="Observed values; Miettinen-Nurminen 95% CI.",
                   source="ADEFF"),
            Output("t_14_2_9", "Table 14.2.9", "HOMA-IR and HOMA-%B (C-peptide form): geometric means and ratio",
                   "Full analysis set", "closed/secondary/tables/t_14_2_9.csv",
                   footnote="ANCOVA of log values on arm and log baseline at week 48.", source="ADEFF"),
            Output("t_14_2_10", "Table 14.2.10", "Clamp glucose infusion rate: ANCOVA at week 48", "Full analysis set",
                   "closed/secondary/tables/t_14_2_10.csv", source="ADEFF"),
            Output("f_14_2_11", "Figure 14.2.11", "Subgroups: primary endpoint and week-48 HbA1c change",
                   "Full analysis set", "closed/secondary/figures/f_14_2_11.png", "figure", source="ADEFF, ADSL"),
        ]),
        ("14.3 Safety", [
            Output("t_14_3_1", "Table 14.3.1", "Adverse event overview by arm", "Safety set",
                   "closed/safety/tables/t_14_3_1.csv", footnote="n (%) [events]; p: Fisher's exact test.", source="ADAE"),
            Output("t_14_3_2", "Table 14.3.2", "TEAEs by SOC and PT", "Safety set", "closed/safety/tables/t_14_3_2.csv",
                   footnote="Subjects counted once per SOC and PT; events per record.", source="ADAE"),
            Output("t_14_3_3", "Table 14.3.3", "TEAEs by maximum severity", "Safety set",
                   "closed/safety/tables/t_14_3_3.csv", source="ADAE"),
            Output("t_14_3_4", "Table 14.3.4", "Treatment-related TEAEs", "Safety set",
                   "closed/safety/tables/t_14_3_4.csv", source="ADAE"),
            Output("t_14_3_5", "Table 14.3.5", "Serious TEAEs", "Safety set", "closed/safety/tables/t_14_3_5.csv",
                   source="ADAE"),
            Output("t_14_3_6", "Table 14.3.6", "Adverse events of special interest", "Safety set",
                   "closed/safety/tables/t_14_3_6.csv", footnote="Fever within 48 h of an infusion; hypoglycaemia "
                   "level 1 < 3.9, level 2 < 3.0 mmol/L, severe = needing assistance.", source="ADAE, ADLB"),
            Output("f_14_3_7", "Figure 14.3.7", "AE dot plot: incidence and risk difference", "Safety set",
                   "closed/safety/figures/f_14_3_7.png", "figure", source="ADAE"),
            Output("t_14_3_8", "Table 14.3.8", "Laboratory values and change from baseline by visit", "Safety set",
                   "closed/safety/tables/t_14_3_8.csv", source="ADLB"),
            Output("t_14_3_9", "Table 14.3.9", "Laboratory shifts: baseline vs worst post-baseline", "Safety set",
                   "closed/safety/tables/t_14_3_9.csv", footnote="CMH general association across arms, stratified by "
                   "baseline category.", source="ADLB"),
            Output("t_14_3_10", "Table 14.3.10", "Hy's-law screen", "Safety set", "closed/safety/tables/t_14_3_10.csv",
                   footnote="Peak post-baseline values as multiples of the upper limit of normal.", source="ADLB"),
            Output("f_14_3_10", "Figure 14.3.10", "eDISH: peak ALT vs peak bilirubin", "Safety set",
                   "closed/safety/figures/f_14_3_10.png", "figure", source="ADLB"),
            Output("t_14_3_11", "Table 14.3.11", "Vital signs, and temperature after each infusion", "Safety set",
                   "closed/safety/tables/t_14_3_11.csv", source="ADVS"),
        ]),
        ("16.2 Listings", [
            Output("l_16_2_1", "Listing 16.2.1", "Serious adverse events", "Safety set",
                   "closed/safety/listings/l_16_2_1.csv", "listing", source="ADAE"),
            Output("l_16_2_2", "Listing 16.2.2", "Deaths", "Safety set", "closed/safety/listings/l_16_2_2.csv", "listing",
                   source="ADSL, ADAE"),
            Output("l_16_2_3", "Listing 16.2.3", "Adverse events of special interest", "Safety set",
                   "closed/safety/listings/l_16_2_3.csv", "listing", source="ADAE"),
            Output("l_16_2_4", "Listing 16.2.4", "Discontinuations, with reason", "Randomized",
                   "closed/flow/discontinued.csv", "listing", source="ADSL"),
        ]),
    ],
}


def monitoring_section(side: str) -> tuple[str, list[Output]]:
    """The DMC charter's stopping guidelines (rule monitoring), first in the closed and review reports."""
    base = f"{side}/monitoring"
    return ("Stopping guidelines", [
        Output("t_guidelines", "Table G.1", "Stopping guidelines of the DMC charter at this data cut",
               "As stated per rule", f"{base}/stopping_guidelines.csv",
               footnote="Efficacy: one-sided Lan-DeMets alpha spending; this look's boundary assumes the charter's "
               "planned earlier looks; information = evaluable patients (full analysis set, endpoint due) of the "
               "expected total. Conditional power: B-value method (Lan & Wittes 1988) under the current trend, the "
               "design assumption and no effect. Predictive probability: Beta priors per arm, every outcome of the "
               "remaining patients enumerated (beta-binomial), success = Fisher's exact p < 2 alpha with the active "
               "arm ahead. Safety: posterior probability (Beta prior) that the rate of subjects with the event "
               "exceeds p0. Guidelines inform the DMC's judgement; they do not decide. Inputs of every number: "
               "monitoring ARDs.", source="ADSL, ADAE, ADEFF"),
        Output("f_guidelines", "Figure G.1", "Safety stopping rules: subjects with the event against the boundary",
               "Safety set", f"{base}/safety_boundaries.png", "figure", source="ADSL, ADAE"),
    ])


def review_sections() -> list:
    """The single-arm safety review: the closed safety outputs read from review/ and open/."""
    swap = lambda o: Output(o.id, o.number, o.title.replace(" by arm", ""), o.population,  # noqa: E731
                            o.path.replace("closed/safety/", "review/safety/"), o.kind,
                            o.footnote.replace("p: Fisher's exact test.", "CI: Clopper-Pearson 95%.")
                            .replace(" (placebo: 0)", "").replace("10^6 cells/kg", "the protocol's dose unit"), o.source)
    subjects = [o for o in SECTIONS["open"][1][1]] + [o for o in SECTIONS["open"][2][1] if o.id == "o_baseline"]
    safety = [swap(o) for o in SECTIONS["closed"][2][1] if o.id != "f_14_3_7"]
    listings = [swap(o) for o in SECTIONS["closed"][3][1] if o.id != "l_16_2_4"]
    exposure = swap(SECTIONS["closed"][0][1][4])
    exploratory = Output("t_14_2_e1", "Table 14.2.E1", "Exploratory glycaemic outcomes: paired change from baseline "
                         "and back to normal glucose tolerance", "Full analysis set", "review/safety/tables/t_14_2_e1.csv",
                         footnote="Mean change with t-based 95% CI and paired t-test; back to normal: 2-hour OGTT "
                         "glucose < 7.8 mmol/L with Clopper-Pearson 95% CI. HOMA-IR: insulin form.", source="ADEFF")
    return [("Subjects", subjects + [exposure]), ("Safety", safety), ("Exploratory efficacy", [exploratory]),
            ("Listings", listings)]
