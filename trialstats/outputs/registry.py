"""The registry: one frozen entry per output (TLF.md), read by the rules' target lists, the scripts,
the reports, the executive summary and the RTF writer.

An entry's `key` is unique; its `id` names the output (the RTF file, the summary's sources). Paths are
relative to results/<study>/<cut>/ (ADaM route: results/<study>/); `{side}` is the folder of the
safety and monitoring outputs (closed, or review for a single-arm study). Titles and footnotes are
templates: `{field}` from `fields()` in plan.py (protocol wording), `{ref[<id>]}` the number of
another output in the same report, and `{note}` the text its rule writes at `note` (what only the
data can say: a tipping point, a model that fell back).
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Entry:
    key: str
    id: str
    number: str               # in the closed (and ADaM-route) report; the review numbers in reading order
    title: str
    population: str
    path: str
    rule: str                 # the rule whose output folder holds the file
    kind: str = "table"       # table (a display CSV) | figure (PNG) | listing (a CSV printed as is) |
    #                           statement (no file: the footnote says why the output is not there) |
    #                           profiles (the subjects' CSV, then a page per subject from the files beside it)
    footnote: str = ""
    source: str = ""
    ard: str = ""             # the ARD beside the display, where it has one
    note: str = ""            # the file of the rule's own footnote text ({note})
    needs: tuple[str, ...] = ()     # protocol features it needs (plan.NEEDS)
    review: dict = field(default_factory=dict)   # the single-arm review's wording, where it differs


INCIDENCE = ("n (%) [events]: subjects with at least one event (% {of_n}) [number of events]. {between}"
             "{as_received}")
VERBATIM = ("Verbatim terms as the investigator reported them, in the site's language; the preferred term is "
            "their MedDRA coding in English.")
TIME_AT_RISK = ("Day 1 = the first dose. Without the event: censored at the end of observation (the end-of-study "
                "date, else the last date of any record at the data cut). A subject who completed the study before "
                "the nominal day of the last week shown is censored then, so the number at risk in the last week "
                "falls below the completers. ")
CHANGE_MODEL = ("MMRM: arm, visit, arm x visit, baseline, baseline x visit{covariates}; unstructured covariance; "
                "REML; Kenward-Roger df. Each arm minus the arm listed last.")
DEATHS = ("A death: DM records it (DTHFL or DTHDTC), DS has a DEATH record, or a TEAE is fatal (AEOUT FATAL or "
          "AESDTH Y); date: DM, else DS, else the fatal AE's end; source: where the date comes from.")
GS_DESIGN = {   # Table G.2's footnote by the charter's final test (monitoring.final_test.statistic)
    "score": ("Boundaries on the one-sided score z of the charter's final test; on the difference: the boundary "
              "times the standard error under no difference (the design rates for the design's looks, the observed "
              "pooled rate for the looks analysed). Futility: non-binding, the z below which conditional power under "
              "the current trend falls below the charter's threshold. Power so far: the probability of crossing by "
              "that look under the design rates."),
    "logrank": ("Information: events. Boundaries on the one-sided log-rank z of the charter's final test; on the "
                "hazard ratio: exp(-z SE(log HR)) (exp(z SE) where more events favour the active arm), "
                "SE = 2 / sqrt(events) for the design's looks (Schoenfeld, 1:1), the Cox model's SE for the looks "
                "analysed. Futility: non-binding, the z below which conditional power under the current trend "
                "falls below the charter's threshold. Power so far: the probability of crossing by that look under "
                "the design hazard ratio."),
    "mean_difference": ("Boundaries on the one-sided z of the ANCOVA difference (the charter's final test); on the "
                        "difference: the boundary times the standard error (the design SD and planned patients for "
                        "the design's looks, the ANCOVA's SE for the looks analysed), signed so that crossing favours "
                        "the active arm. Futility: non-binding, the z below which conditional power under the "
                        "current trend falls below the charter's threshold. Power so far: the probability of "
                        "crossing by that look under the design difference and SD."),
}
HYS_LAW_DEFINITION = ("Potential Hy's law: peak ALT or AST >= 3 x ULN and peak bilirubin >= 2 x ULN after the first "
                      "dose, not necessarily on the same day, with peak ALP < 2 x ULN (or ALP not measured); with peak "
                      "ALP >= 2 x ULN: cholestatic pattern, not potential Hy's law.")
PROFILES = ("A profile for every subject with a serious adverse event, a death, an adverse event leading to "
            "withdrawal (action drug withdrawn or subject withdrawn, or the study left for an adverse event), an "
            "AESI the protocol marks for narratives (protocol narratives.aesi){narrative_aesi}, or a liver alert (ALT "
            "or AST >= 3 x ULN after the first {dose_word}; the Hy's-law screen adds bilirubin >= 2 x ULN); any AE "
            "record counts, treatment-emergent or not. The narrative is generated from the records only: each number, "
            "date and term in it is listed with its dataset, key and variable in {facts}.")
REACTION = ("{reaction_name}: a TEAE with preferred term {reaction_terms}, attributed to the latest dose on or "
            "before its onset and counted in a fixed window of days after it (day 0 = the day of the dose). ")
REACTION_COUNTS = ("n/N (%) [events]: subjects with a reaction within the window after dose k / subjects who "
                   "received dose k (any dose: the safety set); subjects counted once per row.")
SAFETY = "{side}/safety"
POOLED = ("n (%) [events]: subjects with at least one event (% of all subjects) [number of events]; CI: "
          "Clopper-Pearson 95%. All subjects together: no arm.")
OPEN = "open/tables"

E = Entry
ENTRIES: tuple[Entry, ...] = (
    # the DMC charter's stopping guidelines (rule monitoring)
    E("t_guidelines", "t_guidelines", "Table G.1", "Stopping guidelines of the DMC charter at this data cut",
      "As stated per rule", "{side}/monitoring/stopping_guidelines.csv", "monitoring", footnote="{note}",
      note="{side}/monitoring/guidelines_footnote.txt", source="{guideline_sources}", needs=("monitoring",)),
    E("f_guidelines", "f_guidelines", "Figure G.1", "Safety stopping rules: subjects with the event against the "
      "boundary", "Safety set", "{side}/monitoring/safety_boundaries.png", "monitoring", "figure",
      source="ADSL, ADAE", needs=("monitoring",)),
    E("t_gs_design", "t_gs_design", "Table G.2", "Group-sequential design and the looks analysed",
      "Full analysis set", "{side}/monitoring/gs_design.csv", "monitoring", footnote="{gs_design_note}",
      source="{efficacy_sources}", ard="{side}/monitoring/efficacy_look_ard.csv", needs=("monitoring.efficacy",)),
    E("f_gs_design", "f_gs_design", "Figure G.2", "Group-sequential boundaries and the observed z",
      "Full analysis set", "{side}/monitoring/gs_boundaries.png", "monitoring", "figure",
      source="{efficacy_sources}",
      needs=("monitoring.efficacy",)),
    # the closed report's benefit-risk page, written by the report job itself (report.benefit_risk)
    E("t_br", "t_br", "Table BR.1", "Benefit-risk effects table: favourable and unfavourable effects",
      "Full analysis set (efficacy); safety set (safety)", "closed/report/benefit_risk/t_br.csv", "closed_report",
      footnote="In the style of the FDA benefit-risk framework and the PrOACT-URL effects table. Differences: each "
      "arm minus the last arm, from the ARD of the source output (efficacy: its analysis, CI and p: Fisher's exact "
      "for responders, the MMRM t-test for changes; incidences: Miettinen-Nurminen 95% CI of the counts, Fisher's "
      "exact p, which may exceed 0.05 when the CI excludes 0). pp: percentage points. Better: the direction "
      "favourable to an arm. CI includes 0: no difference is compatible with the data. "
      "Effects: {br_effects}", source="ARDs of the outputs named", ard="closed/report/benefit_risk/effects.csv",
),
    E("f_br", "f_br", "Figure BR.1", "Benefit-risk: key efficacy and safety differences with 95% CI",
      "Full analysis set (efficacy); safety set (safety)", "closed/report/benefit_risk/f_br.png", "closed_report",
      "figure", "One row per effect of {ref[t_br]}, each on its own scale (percentage points or the endpoint's "
      "unit) centred on no difference (dashed); green half: favourable to the first arm named, red half: "
      "unfavourable. Square: difference; line: 95% CI.", "ARDs of the outputs named",
      ard="closed/report/benefit_risk/effects.csv"),
    # the open report (rule open_flow), also the review's trial conduct and subjects
    E("o_accrual", "o_accrual", "Figure 1", "Accrual over time against the target", "Screened",
      f"{OPEN}/accrual.png", "open_flow", "figure", source="ADSL"),
    E("o_accrual_table", "o_accrual_table", "Table 1", "Accrual by month", "Screened", f"{OPEN}/accrual.csv",
      "open_flow", source="ADSL", ard=f"{OPEN}/accrual_ard.csv"),
    E("o_completeness", "o_completeness", "Table 2", "Data completeness: expected vs available assessments by visit",
      "Full analysis set", f"{OPEN}/completeness.csv", "open_flow",
      footnote="Expected: on study when the visit window closed, by the data cut.", source="ADSL, ADEFF",
      ard=f"{OPEN}/completeness_ard.csv"),
    E("o_deviations", "o_deviations", "Table 3", "Protocol deviations by type", "Randomized",
      f"{OPEN}/deviations.csv", "open_flow", source="ADSL, ADEFF", review=dict(population="Enrolled")),
    E("o_consort", "o_consort", "Figure 2", "CONSORT flow, pooled", "Screened", "open/figures/consort.png",
      "open_flow", "figure", "Screen failures by the criterion recorded by the investigator (IE).", "ADSL",
      ard="open/ard/consort.csv", review=dict(title="Subject flow (CONSORT)")),
    E("o_disposition", "o_disposition", "Table 4", "Disposition, pooled", "Screened", f"{OPEN}/disposition.csv",
      "open_flow", source="ADSL", review=dict(title="Disposition")),
    E("o_populations", "o_populations", "Table 5", "Analysis populations, pooled", "Randomized",
      f"{OPEN}/populations.csv", "open_flow", source="ADSL",
      review=dict(title="Analysis populations", population="Enrolled")),
    E("o_eligibility", "o_eligibility", "Table 6", "Eligibility by criterion: data vs investigator", "Screened",
      f"{OPEN}/eligibility.csv", "open_flow", footnote="Criteria decided by data are evaluated on the screening "
      "values; the others are judged by the investigator.", source="Eligibility table (SDTM LB, VS, MH, CM, SU, QS, "
      "PR, IE)", ard="open/ard/eligibility.csv"),
    E("o_disagreements", "o_disagreements", "Listing 1", "Eligibility: data vs investigator disagreements",
      "Screened", "open/listings/eligibility_disagreements.csv", "open_flow", "listing", source="Eligibility table"),
    E("o_baseline", "o_baseline", "Table 7", "Demographics and baseline characteristics, pooled",
      "Full analysis set", f"{OPEN}/baseline.csv", "open_flow", source="ADSL",
      review=dict(title="Demographics and baseline characteristics", footnote="{bmi_note}")),
    E("o_ae_overview", "o_ae_overview", "Table 8", "Adverse event overview, pooled", "Safety set",
      f"{OPEN}/ae_overview.csv", "open_flow", footnote="n (%) [events]; CI: Clopper-Pearson 95%.", source="ADAE",
      ard=f"{OPEN}/ae_overview_ard.csv"),
    # the open session's safety, pooled over every subject (rule open_flow: the closed side's functions on the
    # blinded ADaM, one column "All subjects", no arm)
    E("o_ae_soc_pt", "o_ae_soc_pt", "Table 9", "TEAEs by SOC and PT, pooled", "Safety set",
      f"{OPEN}/ae_soc_pt.csv", "open_flow", footnote="Subjects counted once per SOC and once per PT. " + POOLED,
      source="ADAE", ard=f"{OPEN}/ae_soc_pt_ard.csv"),
    E("o_aesi", "o_aesi", "Table 10", "Adverse events of special interest, pooled", "Safety set",
      f"{OPEN}/aesi.csv", "open_flow", footnote="{aesi_definitions}" + POOLED, source="ADAE, ADLB",
      ard=f"{OPEN}/aesi_ard.csv"),
    E("o_lab_alerts", "o_lab_alerts", "Table 11", "Liver laboratory alerts (Hy's-law screen), pooled", "Safety set",
      f"{OPEN}/lab_alerts.csv", "open_flow", footnote="Subjects whose peak post-baseline value reached the multiple "
      "of the upper limit of normal (ULN). n (%) of all subjects; CI: Clopper-Pearson 95%.", source="ADLB",
      ard=f"{OPEN}/lab_alerts_ard.csv"),
    E("o_sae_listing", "o_sae_listing", "Listing 2", "Serious adverse events, without arm", "Safety set",
      f"{OPEN}/sae_listing.csv", "open_flow", "listing", "Every serious TEAE of every subject, by subject and onset; "
      "no arm. Onset day: study day (day 1 = first dose); {since_last_dose}" + VERBATIM, "ADAE, ADSL, ADEX"),
    E("o_profiles", "o_profiles", "Listing 3", "Patient profiles and narratives, without arm", "Safety set: the "
      "subjects the narrative rule selects", f"{OPEN}/profiles/subjects.csv", "open_flow", "profiles",
      PROFILES.replace("{facts}", f"{OPEN}/profiles/facts.csv") + " From the blinded ADaM: no arm, the dose as the "
      "blinded data record it; only the adverse events that select the subject, and no medications (the pattern of "
      "a subject's other events or medications could show the arm; the closed report has the full profiles).",
      "ADSL, ADAE, ADEX, ADLB; SDTM CM, MH", needs=("narratives.open",)),
    # 14.1 subjects (rules closed_flow, closed_safety)
    E("t_14_1_1", "t_14_1_1", "Table 14.1.1", "Analysis populations by arm", "Randomized",
      "closed/flow/populations.csv", "closed_flow", source="ADSL"),
    E("t_14_1_2", "t_14_1_2", "Table 14.1.2", "Disposition by arm", "Randomized", "closed/flow/disposition.csv",
      "closed_flow", source="ADSL"),
    E("f_14_1_3", "f_14_1_3", "Figure 14.1.3", "CONSORT flow by arm", "Screened", "closed/figures/consort.png",
      "closed_flow", "figure", source="ADSL", ard="closed/ard/consort.csv"),
    E("t_14_1_4", "t_14_1_4", "Table 14.1.4", "Demographics and baseline characteristics by arm",
      "Full analysis set", "closed/flow/baseline.csv", "closed_flow", footnote="{bmi_note}", source="ADSL"),
    E("t_14_1_5", "t_14_1_5", "Table 14.1.5", "Exposure", "Safety set", f"{SAFETY}/tables/t_14_1_5.csv",
      "safety", footnote="{note}", note=f"{SAFETY}/tables/t_14_1_5_footnote.txt", source="ADEX",
      ard=f"{SAFETY}/ard/t_14_1_5.csv",
      review=dict(title="Exposure: {exposure_what}{dose_unit_in_brackets}")),
    # 14.2 efficacy: a continuous primary endpoint (rule primary_change)
    E("t_14_2_1:change", "t_14_2_1", "Table 14.2.1", "Primary endpoint: {change_name}", "Full analysis set",
      "closed/primary_change/tables/t_14_2_1.csv", "primary_change",
      footnote="LS-mean change from baseline in {change_param} at {change_visit}. " + CHANGE_MODEL, source="ADEFF",
      ard="closed/primary_change/ard/t_14_2_1_primary.csv", needs=("continuous_primary",)),
    E("f_14_2_1:change", "f_14_2_1", "Figure 14.2.1", "LS-mean {change_param} change over visits",
      "Full analysis set", "closed/primary_change/figures/f_14_2_1.png", "primary_change", "figure",
      source="ADEFF", needs=("continuous_primary",)),
    E("t_14_2_2:change", "t_14_2_2", "Table 14.2.2", "Primary estimand", "-",
      "closed/primary_change/tables/t_14_2_2.csv", "primary_change", source="SAP", needs=("continuous_primary",)),
    E("t_14_2_3:change", "t_14_2_3", "Table 14.2.3", "Sensitivity and supportive analyses of the primary endpoint",
      "As stated", "closed/primary_change/tables/t_14_2_3.csv", "primary_change",
      footnote="Per-protocol: the primary MMRM on the per-protocol set; observed cases: ANCOVA of the change at "
      "{change_visit} on arm and baseline; multiple imputation: missing visits imputed under MAR within arm, the same "
      "ANCOVA pooled by Rubin's rules.", source="ADEFF", needs=("continuous_primary",)),
    E("f_14_2_3:change", "f_14_2_3", "Figure 14.2.3", "Difference in {change_param} change across analyses",
      "As stated", "closed/primary_change/figures/f_14_2_3.png", "primary_change", "figure", source="ADEFF",
      needs=("continuous_primary",)),
    # 14.2 efficacy: a time-to-event primary endpoint (rule primary_tte)
    E("t_14_2_1:tte", "t_14_2_1", "Table 14.2.1", "Primary endpoint: {tte_name}", "{tte_population}",
      "closed/primary_tte/tables/t_14_2_1.csv", "primary_tte", footnote="{tte_definition} {note}",
      note="closed/primary_tte/tables/t_14_2_1_footnote.txt", source="ADTTE", ard="closed/primary_tte/ard/t_14_2_1.csv",
      needs=("time_to_event",)),
    E("f_14_2_1:tte", "f_14_2_1", "Figure 14.2.1", "Kaplan-Meier estimate: {tte_name}", "{tte_population}",
      "closed/primary_tte/figures/f_14_2_1.png", "primary_tte", "figure",
      footnote="Probability event-free by arm; ticks: censored subjects; under the axis the number at risk (time "
      ">= t).", source="ADTTE", ard="closed/primary_tte/ard/f_14_2_1.csv", needs=("time_to_event",)),
    # 14.2 efficacy: a responder primary endpoint (rules primary, primary_pool)
    E("t_14_2_1", "t_14_2_1", "Table 14.2.1", "Primary endpoint: responders, difference, odds ratio",
      "Full analysis set", "closed/tables/t_14_2_1.csv", "primary",
      footnote="{responder_policy} Differences in percentage points.", source="ADEFF",
      ard="closed/ard/t_14_2_1_primary.csv", needs=("responder",)),
    E("t_14_2_2", "t_14_2_2", "Table 14.2.2", "Primary estimand", "-", "closed/tables/t_14_2_2.csv", "primary",
      source="SAP", needs=("responder",)),
    E("t_14_2_3", "t_14_2_3", "Table 14.2.3", "Sensitivity and supportive analyses of the primary endpoint",
      "As stated", "closed/tables/t_14_2_3.csv", "primary", footnote="Responders / N (%) per arm; differences in "
      "percentage points. Each component alone counts prohibited medication and a missing value as non-response, as "
      "the primary analysis does (so it may differ from the observed values of Table 14.2.8).", source="ADEFF",
      needs=("responder",)),
    E("f_14_2_3", "f_14_2_3", "Figure 14.2.3", "Difference in response across analyses", "As stated",
      "closed/figures/f_14_2_3.png", "primary", "figure", source="ADEFF", needs=("responder",)),
    E("t_14_2_4", "t_14_2_4", "Table 14.2.4", "Tipping point: responders among missing patients",
      "Full analysis set", "closed/tables/t_14_2_4.csv", "primary", footnote="{note}",
      note="closed/tables/t_14_2_4_tipping_point.txt", source="ADEFF", needs=("responder",)),
    E("f_14_2_4", "f_14_2_4", "Figure 14.2.4", "Tipping point: Fisher p", "Full analysis set",
      "closed/figures/f_14_2_4.png", "primary", "figure", source="ADEFF", needs=("responder",)),
    # 14.2 efficacy: secondary (rule secondary)
    *(e for k, name in ((5, "{mmrm_1}"), (6, "{mmrm_2}")) for e in (   # the first two MMRM parameters
        E(f"t_14_2_{k}", f"t_14_2_{k}", f"Table 14.2.{k}", f"{name} change from baseline: MMRM", "Full analysis set",
          f"closed/secondary/tables/t_14_2_{k}.csv", "secondary", footnote="{note}",
          note=f"closed/secondary/tables/t_14_2_{k}_footnote.txt", source="ADEFF", needs=("secondary",)),
        E(f"f_14_2_{k}", f"f_14_2_{k}", f"Figure 14.2.{k}", f"LS-mean {name} change over visits", "Full analysis set",
          f"closed/secondary/figures/f_14_2_{k}.png", "secondary", "figure", source="ADEFF", needs=("secondary",)))),
    E("t_14_2_7", "t_14_2_7", "Table 14.2.7", "{mmrm_other} at {key_visit}: MMRM", "Full analysis set",
      "closed/secondary/tables/t_14_2_7.csv", "secondary", footnote="{note}",
      note="closed/secondary/tables/t_14_2_7_footnote.txt", source="ADEFF", needs=("secondary.mmrm_other",)),
    E("t_14_2_8", "t_14_2_8", "Table 14.2.8", "{threshold_name} < {threshold_below} by visit", "Full analysis set",
      "closed/secondary/tables/t_14_2_8.csv", "secondary", footnote="Observed values; Miettinen-Nurminen 95% CI.",
      source="ADEFF", needs=("secondary",)),
    E("t_14_2_9", "t_14_2_9", "Table 14.2.9", "{ancova_log}: geometric means and ratio", "Full analysis set",
      "closed/secondary/tables/t_14_2_9.csv", "secondary",
      footnote="ANCOVA of log values on arm and log baseline at {key_visit}.{homa_note}", source="ADEFF",
      needs=("secondary.ancova_log",)),
    E("t_14_2_10", "t_14_2_10", "Table 14.2.10", "{ancova}: ANCOVA at {key_visit}", "Full analysis set",
      "closed/secondary/tables/t_14_2_10.csv", "secondary", footnote="ANCOVA of the value at the key visit on arm and "
      "baseline: per arm n and the adjusted (LS) mean with 95% CI; contrast = difference of adjusted means, the arm "
      "listed first minus the arm listed last, with 95% CI and p.", source="ADEFF", needs=("secondary.ancova",)),
    E("f_14_2_11", "f_14_2_11", "Figure 14.2.11", "Subgroups: primary endpoint and {key_visit} {mmrm_1} change",
      "Full analysis set", "closed/secondary/figures/f_14_2_11.png", "secondary", "figure", source="ADEFF, ADSL",
      needs=("secondary",)),
    # the single-arm review's exploratory outcomes (rule review_safety)
    E("t_14_2_e1", "t_14_2_e1", "Table 14.2.E1", "Exploratory outcomes: paired change from baseline and back to "
      "normal{normal_label}", "Full analysis set", "review/safety/tables/t_14_2_e1.csv", "safety",
      footnote="Mean change with t-based 95% CI and paired t-test.{normal_note}", source="ADEFF",
      ard="review/safety/ard/t_14_2_e1.csv", needs=("exploratory",)),
    # 14.3 safety (rules closed_safety, review_safety)
    E("t_14_3_1", "t_14_3_1", "Table 14.3.1", "Adverse event overview by arm", "Safety set",
      f"{SAFETY}/tables/t_14_3_1.csv", "safety", footnote=INCIDENCE, source="ADAE", ard=f"{SAFETY}/ard/t_14_3_1.csv",
      review=dict(title="Adverse event overview")),
    E("t_14_3_2", "t_14_3_2", "Table 14.3.2", "TEAEs by SOC and PT", "Safety set", f"{SAFETY}/tables/t_14_3_2.csv",
      "safety", footnote="Subjects counted once per SOC and once per PT. " + INCIDENCE, source="ADAE",
      ard=f"{SAFETY}/ard/t_14_3_2.csv"),
    E("t_14_3_3", "t_14_3_3", "Table 14.3.3", "TEAEs by maximum severity", "Safety set",
      f"{SAFETY}/tables/t_14_3_3.csv", "safety", footnote="Each subject counted once, at the most severe TEAE. n (%) "
      "{of_n}.", source="ADAE", ard=f"{SAFETY}/ard/t_14_3_3.csv",
      review=dict(footnote="CI: Clopper-Pearson 95%. Each subject counted once, at the most severe TEAE. n (%) "
                  "{of_n}.")),
    E("t_14_3_4", "t_14_3_4", "Table 14.3.4", "Treatment-related TEAEs", "Safety set",
      f"{SAFETY}/tables/t_14_3_4.csv", "safety",
      footnote="Related: as judged by the investigator. {related_terms} " + INCIDENCE,
      source="ADAE", ard=f"{SAFETY}/ard/t_14_3_4.csv"),
    E("t_14_3_5", "t_14_3_5", "Table 14.3.5", "Serious TEAEs", "Safety set", f"{SAFETY}/tables/t_14_3_5.csv",
      "safety", footnote=INCIDENCE, source="ADAE", ard=f"{SAFETY}/ard/t_14_3_5.csv"),
    E("t_14_3_6", "t_14_3_6", "Table 14.3.6", "Adverse events of special interest", "Safety set",
      f"{SAFETY}/tables/t_14_3_6.csv", "safety", footnote="{aesi_definitions}" + INCIDENCE, source="ADAE, ADLB",
      ard=f"{SAFETY}/ard/t_14_3_6.csv"),
    E("f_14_3_7", "f_14_3_7", "Figure 14.3.7", "AE dot plot: incidence and risk difference", "Safety set",
      "closed/safety/figures/f_14_3_7.png", "safety", "figure", source="ADAE", ard="closed/safety/ard/f_14_3_7.csv"),
    E("t_14_3_8", "t_14_3_8", "Table 14.3.8", "Laboratory values and change from baseline by visit", "Safety set",
      f"{SAFETY}/tables/t_14_3_8.csv", "safety", source="ADLB", ard=f"{SAFETY}/ard/t_14_3_8.csv"),
    E("t_14_3_9", "t_14_3_9", "Table 14.3.9", "Laboratory shifts: baseline vs worst post-baseline", "Safety set",
      f"{SAFETY}/tables/t_14_3_9.csv", "safety", footnote="n: subjects with a baseline and a post-baseline value; "
      "worst post-baseline: every value on or after the first dose, scheduled or not, low and high directions apart "
      "(the lowest and the highest category of each subject's values); normal range: the reference range indicator "
      "ANRIND; % of n. CMH general association across arms, stratified by baseline category, per direction; blank "
      "where it cannot be computed (one post-baseline category).", source="ADLB", ard=f"{SAFETY}/ard/t_14_3_9.csv",
      review=dict(footnote="Subjects by baseline category and their lowest and highest post-baseline category.")),
    E("t_14_3_10", "t_14_3_10", "Table 14.3.10", "Hy's-law screen", "Safety set", f"{SAFETY}/tables/t_14_3_10.csv",
      "safety", footnote="Peak post-baseline values as multiples of the upper limit of normal. " + HYS_LAW_DEFINITION,
      source="ADLB", ard=f"{SAFETY}/ard/t_14_3_10.csv",
      review=dict(footnote="n (%); CI: Clopper-Pearson 95%. Peak post-baseline values as multiples of the upper "
                           "limit of normal. " + HYS_LAW_DEFINITION)),
    E("f_14_3_10", "f_14_3_10", "Figure 14.3.10", "eDISH: peak ALT or AST vs peak bilirubin", "Safety set",
      f"{SAFETY}/figures/f_14_3_10.png", "safety", "figure", "One point per subject with a post-baseline ALT or AST "
      "and bilirubin value (n in the legend); x: the higher of peak ALT and peak AST, y: peak bilirubin, as multiples "
      "of the upper limit of normal, log scales; subjects at ALT or AST >= 3 x ULN labelled. Upper right: potential "
      "Hy's law; lower right (Temple's corollary): ALT or AST >= 3 x ULN without bilirubin >= 2 x ULN.", "ADLB"),
    E("t_14_3_11", "t_14_3_11", "Table 14.3.11", "Vital signs{vitals_after_dose}", "Safety set",
      f"{SAFETY}/tables/t_14_3_11.csv", "safety", source="ADVS", ard=f"{SAFETY}/ard/t_14_3_11.csv"),
    E("t_14_3_12", "t_14_3_12", "Table 14.3.12", "Time to first serious TEAE, first AESI and study discontinuation "
      "(Kaplan-Meier)", "Safety set", f"{SAFETY}/tables/t_14_3_12.csv", "safety", footnote=TIME_AT_RISK +
      "n: subjects with the event (first row of an endpoint), at risk at week w (followed to study day 7w + 1 or "
      "later); %: cumulative incidence = 100 x (1 - Kaplan-Meier estimate) with the 95% CI of the log(-log) "
      "transform, Greenwood variance (statsmodels).{logrank} AESI: a TEAE under any of the protocol's AESIs.",
      source="ADSL, ADAE, ADEX, ADLB, ADVS", ard=f"{SAFETY}/ard/t_14_3_12.csv"),
    E("f_14_3_12", "f_14_3_12", "Figure 14.3.12", "Time to first serious TEAE, first AESI and study discontinuation",
      "Safety set", f"{SAFETY}/figures/f_14_3_12.png", "safety", "figure", "Cumulative incidence = 1 - Kaplan-Meier "
      "estimate; ticks: censored subjects; confidence intervals in {ref[t_14_3_12]}.", "ADSL, ADAE, ADEX"),
    E("t_14_3_13", "t_14_3_13", "Table 14.3.13", "Exposure-adjusted incidence of TEAEs per 100 patient-years",
      "Safety set", f"{SAFETY}/tables/t_14_3_13.csv", "safety", footnote="n / PY: rate (95% CI): subjects with the "
      "event / patient-years at risk: rate per 100 patient-years with the exact Poisson (Garwood) 95% CI. At risk "
      "from the first dose to the first event of the row, else to the end of observation (as {ref[t_14_3_12]}); a "
      "year is 365.25 days. AESI rows as {ref[t_14_3_6]}, then SOC and PT.", source="ADSL, ADAE, ADEX",
      ard=f"{SAFETY}/ard/t_14_3_13.csv"),
    E("t_14_3_14", "t_14_3_14", "Table 14.3.14", "TEAEs by infusion number", "Safety set",
      f"{SAFETY}/tables/t_14_3_14.csv", "safety", footnote="Each TEAE is attributed to the latest infusion on or "
      "before its onset date and counted when its onset is within days {ae_window} of that infusion (day 0 = the day "
      "of the infusion), the same window for every infusion; later TEAEs are counted in a row of their own. n/N (%) "
      "[events]: subjects with a TEAE within the window of infusion k / subjects who received infusion k; the ten "
      "preferred terms with most subjects.",
      source="ADAE, ADEX", ard=f"{SAFETY}/ard/t_14_3_14.csv", needs=("infusions",)),
    E("t_14_3_17", "t_14_3_17", "Table 14.3.17", "{reaction_name}s by dose and fixed window after the dose",
      "Safety set", f"{SAFETY}/tables/t_14_3_17.csv", "safety", footnote=REACTION + REACTION_COUNTS,
      source="ADAE, ADEX", ard=f"{SAFETY}/ard/t_14_3_17.csv", needs=("reactions",),
      review=dict(footnote=REACTION + REACTION_COUNTS + " CI: Clopper-Pearson 95%.")),
    E("t_14_3_18", "t_14_3_18", "Table 14.3.18", "{reaction_name}s: re-challenge outcome", "Safety set",
      f"{SAFETY}/tables/t_14_3_18.csv", "safety", footnote=REACTION + "Window: days {reaction_widest}. Of the "
      "subjects with a reaction after dose k: those who received dose k+1, had a reaction again after it or none, "
      "and those who did not receive it; % of the subjects with a reaction after dose k; the recurrence also as % "
      "of those re-challenged.", source="ADAE, ADEX", ard=f"{SAFETY}/ard/t_14_3_18.csv", needs=("reactions",)),
    E("t_14_3_19", "t_14_3_19", "Table 14.3.19", "Temperature categories by dose and post-dose time point",
      "Safety set", f"{SAFETY}/tables/t_14_3_19.csv", "safety", footnote="n/measured (%): subjects whose highest "
      "temperature at the time point was at or above the category ({fever_thresholds} degrees C) / subjects "
      "measured then; dose k: the dose given at the record's visit; any post-dose time point: the highest value "
      "after the dose (time point number above 0). Categories are cumulative.", source="ADVS, ADEX",
      ard=f"{SAFETY}/ard/t_14_3_19.csv", needs=("reactions",)),
    E("t_14_3_20", "t_14_3_20", "Table 14.3.20", "Medications on study by class, and those started after a dose",
      "Safety set", f"{SAFETY}/tables/t_14_3_20.csv", "safety", footnote="Medications on study: not ended before the "
      "first dose, or no end date, whenever started up to the end of the study (the follow-up after the last dose "
      "included: e.g. a prohibited medication). Taking: subjects with a medication of the row; "
      "started after a dose: subjects who started one within days {medication_window} of the latest dose on or "
      "before its start (day 0 = the day of the dose). n (%) of the safety set of the arm.{medication_excluded}",
      source="ADCM, ADEX, ADSL", ard=f"{SAFETY}/ard/t_14_3_20.csv", needs=("reactions",)),
    E("f_14_3_15", "f_14_3_15", "Figure 14.3.15", "Liver and renal tests by visit: box plots", "Safety set",
      f"{SAFETY}/figures/f_14_3_15.png", "safety", "figure", "Scheduled visits. Box: quartiles and median; whiskers "
      "to 1.5 x IQR; dots beyond. Dashed: upper limit of normal (ULN); where it differs by sex (creatinine), dashed "
      "for men and dotted for women, each labelled.", "ADLB"),
    E("f_14_3_16", "f_14_3_16", "Figure 14.3.16", "ALT and AST over time, multiples of the upper limit of normal",
      "Safety set", f"{SAFETY}/figures/f_14_3_16.png", "safety", "figure", "One line per subject. Bold and labelled: "
      "subjects with ALT or AST >= 3 x ULN after the first dose ({ref[l_16_2_6]}).", "ADLB"),
    # 16.2 listings
    E("l_16_2_1", "l_16_2_1", "Listing 16.2.1", "Serious adverse events", "Safety set",
      f"{SAFETY}/listings/l_16_2_1.csv", "safety", "listing", "Onset day: study day (day 1 = first dose); "
      "{since_last_dose}" + VERBATIM, "ADAE, ADSL, ADEX"),
    E("l_teae", "l_teae", "Listing", "All treatment-emergent adverse events", "Safety set",
      "review/safety/listings/l_teae.csv", "safety", "listing", "Every TEAE record, by subject and onset. Onset day: "
      "study day of onset (day 1 = first {dose_word}). Imputed dates: appendix, records used with a note.", "ADAE"),
    E("l_16_2_2", "l_16_2_2", "Listing 16.2.2", "Deaths", "Safety set", f"{SAFETY}/listings/l_16_2_2.csv", "safety",
      "listing", DEATHS, "ADSL, ADAE"),
    E("l_16_2_3", "l_16_2_3", "Listing 16.2.3", "Adverse events of special interest", "Safety set",
      f"{SAFETY}/listings/l_16_2_3.csv", "safety", "listing", VERBATIM, "ADAE"),
    E("l_16_2_4", "l_16_2_4", "Listing 16.2.4", "Discontinuations, with reason", "Randomized",
      "closed/flow/discontinued.csv", "closed_flow", "listing", source="ADSL"),
    E("l_16_2_5", "l_16_2_5", "Listing 16.2.5", "Adverse events leading to withdrawal", "Safety set",
      f"{SAFETY}/listings/l_16_2_5.csv", "safety", "listing", "TEAEs with an action taken (study drug or other "
      "action) of withdrawal; a subject who left the study for an adverse event without such a record has all TEAEs "
      "listed. Onset day: study day (day 1 = first dose).", "ADAE, ADSL, ADEX"),
    E("l_16_2_6", "l_16_2_6", "Listing 16.2.6", "Subjects with ALT or AST >= 3 x ULN: ALT, AST and bilirubin over "
      "time", "Safety set", f"{SAFETY}/listings/l_16_2_6.csv", "safety", "listing", "Every analysed record of each "
      "subject whose ALT or AST reached 3 x ULN after the first dose; x ULN = value / upper limit of normal.",
      "ADLB, ADEX"),
    E("l_16_2_7", "l_16_2_7", "Listing 16.2.7", "Safety laboratory panel: tests by category and their records",
      "Safety set", f"{SAFETY}/listings/l_lab_panel.csv", "safety", "listing", "The panel is the protocol's safety "
      "laboratory panel; a test or category without records says so.", "ADLB"),
    # patient profiles and narratives (rules closed_safety, review_safety): the subjects, then a page each
    E("l_profiles", "l_profiles", "Listing 16.3.1", "Patient profiles and narratives", "Safety set: the subjects the "
      "narrative rule selects", f"{SAFETY}/profiles/subjects.csv", "safety", "profiles",
      PROFILES.replace("{facts}", f"{SAFETY}/profiles/facts.csv"), "ADSL, ADAE, ADEX, ADLB; SDTM CM, MH"),
    # files the summary and the figures read that are not printed as outputs of their own
    E("l_hys_law_peaks", "l_hys_law_peaks", "", "Peak ALT, AST and bilirubin per subject", "Safety set",
      f"{SAFETY}/listings/l_hys_law_peaks.csv", "safety", "listing", source="ADLB"),
)

# The report of a study given as an ADaM folder (rules adam_study, adam_report), under results/<study>/:
# `{k}` and `{category}` expand per laboratory category (PARCAT1) with tabulated analytes.
ADAM_SAFETY = "Safety (SAFFL = Y), by actual arm"
ADAM_LAB_SHIFT = ("Shifts from baseline to the worst value in {lab_shift_window}; normal range: {lab_range}. Low and "
                  "high directions apart: the lowest and the highest category of each subject's values in that window "
                  "(a subject high throughout is lowest: high). Subjects with a baseline and a post-baseline category. "
                  "CMH general association across arms, stratified by baseline, per direction.")
A = "analysis"
ADAM_LIVER_RECORDS = ("Every ALT, AST, bilirubin and ALP record of these subjects after the first dose (ADY >= 1): "
                      "scheduled, unscheduled and retests, and their baseline records (ABLFL = Y, else before the "
                      "first dose: ADY < 1; Period: Baseline); peaks after the first dose; x ULN = value / upper "
                      "limit of normal (ANRHI, else A1HI).")


def absent(key: str, number: str, title: str, dataset: str, what: str) -> Entry:
    """The place of an output whose optional input is not in the folder: a statement naming it."""
    return E(key, key.split(":")[1], number, title, ADAM_SAFETY, "", "adam_study", "statement",
             f"{dataset} was not in the folder: {what}.", needs=(f"no_{dataset.lower()}",))


# `{eid}`, `{k}` and the efficacy_ fields expand per configured efficacy analysis (config efficacy); the footnote is
# the method as run, written by the analysis rule (notes/e_<id>.txt)
ADAM_EFFICACY = (
    E("adam:t_14_2_k", "{eid}", "Table 14.2.{k}", "{efficacy_title}", "{efficacy_population}",
      f"{A}/tables/{{eid}}.csv", "adam_study", footnote="{note}", source="{efficacy_source}",
      ard=f"{A}/ard/{{eid}}.csv", note=f"{A}/notes/{{eid}}.txt", needs=("efficacy",)),
    E("adam:f_14_2_k", "f_{eid}", "Figure 14.2.{k}", "{efficacy_title}: Kaplan-Meier estimate by arm",
      "{efficacy_population}", f"{A}/figures/f_{{eid}}.png", "adam_study", "figure", "Kaplan-Meier estimate of the "
      "event-free probability by arm; ticks: censored subjects; under the axis: the number at risk. Estimates and "
      "tests in {ref_table}.", "{efficacy_source}", ard=f"{A}/ard/{{eid}}_km.csv", needs=("efficacy", "km_figure")),
)
ADAM_ENTRIES: tuple[Entry, ...] = ADAM_EFFICACY + (
    E("adam:t_14_1_1", "t_14_1_1", "Table 14.1.1", "Analysis populations by planned arm", "All subjects with a planned "
      "arm", f"{A}/tables/t_14_1_1.csv", "adam_study", footnote="n (%) of the subjects of each arm; flags as recorded "
      "in ADSL.", source="ADSL", ard=f"{A}/ard/t_14_1_1.csv"),
    E("adam:t_14_1_2", "t_14_1_2", "Table 14.1.2", "Disposition by planned arm", "All subjects with a planned arm",
      f"{A}/tables/t_14_1_2.csv", "adam_study", footnote="End-of-study status (EOSSTT) and reason for "
      "discontinuation.", source="ADSL", ard=f"{A}/ard/t_14_1_2.csv"),
    E("adam:t_14_1_4", "t_14_1_4", "Table 14.1.4", "Demographics and baseline characteristics by planned arm",
      "{demographics_population}", f"{A}/tables/t_14_1_4.csv", "adam_study",
      footnote="Between-arm tests over all arms ({baseline_tests}).", source="ADSL", ard=f"{A}/ard/t_14_1_4.csv"),
    E("adam:t_14_1_5", "t_14_1_5", "Table 14.1.5", "Exposure by actual arm", ADAM_SAFETY, f"{A}/tables/t_14_1_5.csv",
      "adam_study", footnote="{note}", note=f"{A}/tables/t_14_1_5_footnote.txt", source="ADSL",
      ard=f"{A}/ard/t_14_1_5.csv"),
    E("adam:t_14_1_6", "t_14_1_6", "Table 14.1.6", "Exposure: the subject-level parameters of ADEX", ADAM_SAFETY,
      f"{A}/tables/t_14_1_6.csv", "adam_study", footnote="{note}", note=f"{A}/tables/t_14_1_6_footnote.txt",
      source="ADEX", ard=f"{A}/ard/t_14_1_6.csv", needs=("adex",)),
    absent("adam:t_14_1_6:absent", "Table 14.1.6", "Exposure: the subject-level parameters of ADEX", "ADEX",
           "no exposure by ADEX parameter (Table 14.1.5 is the exposure ADSL records)"),
    E("adam:t_14_1_7", "t_14_1_7", "Table 14.1.7", "Prior medications by class and name", ADAM_SAFETY,
      f"{A}/tables/t_14_1_7.csv", "adam_study", footnote="{note}", note=f"{A}/tables/t_14_1_7_footnote.txt",
      source="ADCM, ADSL", ard=f"{A}/ard/t_14_1_7.csv", needs=("adcm",)),
    E("adam:t_14_1_8", "t_14_1_8", "Table 14.1.8", "Concomitant medications by class and name", ADAM_SAFETY,
      f"{A}/tables/t_14_1_8.csv", "adam_study", footnote="{note}", note=f"{A}/tables/t_14_1_8_footnote.txt",
      source="ADCM, ADSL", ard=f"{A}/ard/t_14_1_8.csv", needs=("adcm",)),
    absent("adam:t_14_1_7:absent", "Table 14.1.7", "Prior and concomitant medications", "ADCM",
           "no prior or concomitant medication tables"),
    absent("adam:t_14_2_1:absent", "Table 14.2.1", "Time-to-event analyses", "ADTTE",
           "no Kaplan-Meier, log-rank or Cox analyses"),
    E("adam:t_14_3_1", "t_14_3_1", "Table 14.3.1", "Adverse event overview by actual arm", ADAM_SAFETY,
      f"{A}/tables/t_14_3_1.csv", "adam_study", footnote="n (%) [events]. {note} {fisher}", source="ADAE, ADSL",
      ard=f"{A}/ard/t_14_3_1.csv", note=f"{A}/tables/t_14_3_1_footnote.txt"),
    E("adam:t_14_3_2", "t_14_3_2", "Table 14.3.2", "TEAEs by SOC and PT", ADAM_SAFETY, f"{A}/tables/t_14_3_2.csv",
      "adam_study", footnote="Subjects counted once per SOC and PT; events per record. {fisher}", source="ADAE",
      ard=f"{A}/ard/t_14_3_2.csv"),
    E("adam:t_14_3_3", "t_14_3_3", "Table 14.3.3", "TEAEs by maximum severity", ADAM_SAFETY,
      f"{A}/tables/t_14_3_3.csv", "adam_study", footnote="Each subject counted once, at the most severe of their "
      "TEAEs.", source="ADAE", ard=f"{A}/ard/t_14_3_3.csv"),
    E("adam:t_14_3_4", "t_14_3_4", "Table 14.3.4", "Treatment-related TEAEs", ADAM_SAFETY, f"{A}/tables/t_14_3_4.csv",
      "adam_study", footnote="{note} {fisher}", note=f"{A}/tables/t_14_3_4_footnote.txt", source="ADAE",
      ard=f"{A}/ard/t_14_3_4.csv"),
    E("adam:t_14_3_5", "t_14_3_5", "Table 14.3.5", "Serious TEAEs", ADAM_SAFETY, f"{A}/tables/t_14_3_5.csv",
      "adam_study", footnote="{note} {fisher}", note=f"{A}/tables/t_14_3_5_footnote.txt", source="ADAE",
      ard=f"{A}/ard/t_14_3_5.csv"),
    E("adam:t_14_3_6", "t_14_3_6", "Table 14.3.6", "Adverse events of special interest (ADAE customised queries)",
      ADAM_SAFETY, f"{A}/tables/t_14_3_6.csv", "adam_study", footnote="Categories as named in ADAE CQnnNAM. {fisher}",
      source="ADAE", ard=f"{A}/ard/t_14_3_6.csv"),
    E("adam:f_14_3_7", "f_14_3_7", "Figure 14.3.7", "AE dot plot: incidence and risk difference", ADAM_SAFETY,
      f"{A}/figures/f_14_3_7.png", "adam_study", "figure", "The 20 most frequent PTs; Miettinen-Nurminen 95% CI.",
      "ADAE", ard=f"{A}/ard/f_14_3_7.csv"),
    E("adam:t_14_3_8_k", "t_14_3_8_{k}", "Table 14.3.8.{k}", "Laboratory values and change from baseline by visit: "
      "{category}", ADAM_SAFETY, f"{A}/tables/t_14_3_8_{{k}}.csv", "adam_study", footnote="Records with an analysis "
      "visit (AVISIT), visits in the order of AVISITN. Min and max at the decimals of the data (at most 2; values "
      "converted to SI units at the decimals of their reference limits); mean and median at one more, SD at two more.",
      source="ADLB", ard=f"{A}/ard/t_14_3_8.csv", needs=("lab_category",)),
    E("adam:f_14_3_8_k", "f_14_3_8_{k}{part}", "Figure 14.3.8.{k}{part}", "Laboratory values over time: "
      "{category}{part_title}", ADAM_SAFETY, f"{A}/figures/f_14_3_8_{{k}}{{part}}.png", "adam_study", "figure",
      "Mean and SD by visit and arm on a time axis in weeks (day 1 = week 0): planned visits at the week of their "
      "name, joined; End of Treatment and unscheduled records on or after the first dose (open markers, labelled) at "
      "the median week of their records. At most 8 analytes a figure.", "ADLB", ard=f"{A}/ard/f_14_3_8.csv",
      needs=("lab_category", "analytes")),
    E("adam:t_14_3_9_k", "t_14_3_9_{k}", "Table 14.3.9.{k}", "Laboratory shifts, baseline vs worst post-baseline: "
      "{category}", ADAM_SAFETY, f"{A}/tables/t_14_3_9_{{k}}.csv", "adam_study", footnote=ADAM_LAB_SHIFT,
      source="ADLB", ard=f"{A}/ard/t_14_3_9.csv", needs=("lab_category",)),
    E("adam:t_14_3_8", "t_14_3_8", "Table 14.3.8", "Laboratory values by visit", ADAM_SAFETY,
      f"{A}/tables/t_14_3_8.csv", "adam_study", source="ADLB", needs=("adlb", "no_lab_category")),
    absent("adam:t_14_3_8:absent", "Table 14.3.8", "Laboratory values by visit", "ADLB",
           "no laboratory tables, shifts, Hy's-law screen, eDISH or liver listings"),
    E("adam:t_14_3_10", "t_14_3_10", "Table 14.3.10", "Hy's-law screen", ADAM_SAFETY, f"{A}/tables/t_14_3_10.csv",
      "adam_study", footnote="Peak post-baseline values as multiples of the upper limit of normal (ANRHI or A1HI), "
      "scheduled and unscheduled. " + HYS_LAW_DEFINITION + " {fisher}", source="ADLB", ard=f"{A}/ard/t_14_3_10.csv",
      needs=("adlb",)),
    E("adam:f_14_3_10", "f_14_3_10", "Figure 14.3.10", "eDISH: peak ALT or AST vs peak bilirubin", ADAM_SAFETY,
      f"{A}/figures/f_14_3_10.png", "adam_study", "figure", source="ADLB", needs=("liver_peaks",)),
    E("adam:t_14_3_11", "t_14_3_11", "Table 14.3.11", "Vital signs by visit", ADAM_SAFETY,
      f"{A}/tables/t_14_3_11.csv", "adam_study", source="ADVS", needs=("advs",)),
    absent("adam:t_14_3_11:absent", "Table 14.3.11", "Vital signs by visit", "ADVS", "no vital-sign tables"),
    E("adam:t_14_3_13", "t_14_3_13", "Table 14.3.13", "Exposure-adjusted incidence of TEAEs per 100 patient-years",
      ADAM_SAFETY, f"{A}/tables/t_14_3_13.csv", "adam_study", footnote="{note}",
      note=f"{A}/tables/t_14_3_13_footnote.txt", source="ADSL, ADAE", ard=f"{A}/ard/t_14_3_13.csv"),
    E("adam:l_16_2_1", "l_16_2_1", "Listing 16.2.1", "Serious adverse events", ADAM_SAFETY,
      f"{A}/listings/l_16_2_1.csv", "adam_study", "listing", source="ADAE"),
    E("adam:l_16_2_2", "l_16_2_2", "Listing 16.2.2", "Deaths", ADAM_SAFETY, f"{A}/listings/l_16_2_2.csv",
      "adam_study", "listing", "Subjects with ADSL DTHFL = Y; date, cause and source as ADSL records them (DTHDT, "
      "DTHCAUS, DTHSRC), else the fatal TEAE's end (else onset) date and its preferred term (Source: ADAE (fatal "
      "adverse event)), else not recorded; their fatal TEAE if any; a fatal TEAE not flagged serious is commented "
      "and listed as a data query (appendix). Arms in the tables' order.", "ADSL, ADAE"),
    E("adam:l_16_2_3", "l_16_2_3", "Listing 16.2.3", "Potential Hy's law cases: liver tests over time", ADAM_SAFETY,
      f"{A}/listings/l_16_2_3.csv", "adam_study", "listing", "Subjects with peak ALT or AST >= 3 x ULN and peak "
      "bilirubin >= 2 x ULN (Table 14.3.10, labelled in the eDISH), each assessed (Assessment). " + HYS_LAW_DEFINITION
      + " A screen, not a diagnosis: other causes are to be reviewed. " + ADAM_LIVER_RECORDS, "ADLB",
      needs=("adlb",)),
    E("adam:l_16_2_4", "l_16_2_4", "Listing 16.2.4", "Subjects with ALT or AST >= 3 x ULN: liver tests over time",
      ADAM_SAFETY, f"{A}/listings/l_16_2_4.csv", "adam_study", "listing", "Subjects whose peak ALT or AST after the "
      "first dose reached 3 x ULN (as Table 14.3.10). " + ADAM_LIVER_RECORDS, "ADLB", needs=("adlb",)),
)

REGISTRY: dict[str, Entry] = {e.key: e for e in ENTRIES + ADAM_ENTRIES}
assert len(REGISTRY) == len(ENTRIES) + len(ADAM_ENTRIES), "registry keys must be unique"

# The output folder of each rule that writes a directory (its files cannot be job inputs one by one); a
# rule not named here declares each file. `{side}` as in the paths.
RULE_FOLDERS = {"open_flow": "open/tables", "closed_flow": "closed/flow", "safety": "{side}/safety",
                "secondary": "closed/secondary", "primary_change": "closed/primary_change",
                "primary_tte": "closed/primary_tte",
                "monitoring": "{side}/monitoring", "adam_study": "analysis"}

REPORT_TITLES = {"open": "DMC open report (pooled)", "closed": "DMC closed report (by arm)",
                 "review": "Safety review report", "adam": "DMC report (by arm) from ADaM datasets"}

# The rule of the outputs a report job writes itself (not job inputs)
REPORT_RULES = ("closed_report",)

# Each report: its sections in reading order, as registry keys (an entry whose needs the protocol does not
# meet is left out, and a section left empty with it)
LAYOUT = {
    "open": [
        ("Trial conduct", ["o_accrual", "o_accrual_table", "o_completeness", "o_deviations"]),
        ("Subject flow", ["o_consort", "o_disposition", "o_populations", "o_eligibility", "o_disagreements"]),
        ("Baseline and safety, pooled", ["o_baseline", "o_ae_overview", "o_ae_soc_pt", "o_aesi", "o_lab_alerts",
                                         "o_sae_listing", "o_profiles"]),
    ],
    "closed": [
        ("Benefit-risk", ["t_br", "f_br"]),
        ("Stopping guidelines", ["t_guidelines", "f_guidelines", "t_gs_design", "f_gs_design"]),
        ("14.1 Subjects", ["t_14_1_1", "t_14_1_2", "f_14_1_3", "t_14_1_4", "t_14_1_5"]),
        ("14.2 Efficacy", ["t_14_2_1:tte", "f_14_2_1:tte",
                           "t_14_2_1:change", "f_14_2_1:change", "t_14_2_2:change", "t_14_2_3:change",
                           "f_14_2_3:change", "t_14_2_1", "t_14_2_2", "t_14_2_3", "f_14_2_3", "t_14_2_4", "f_14_2_4",
                           "t_14_2_5", "f_14_2_5", "t_14_2_6", "f_14_2_6", "t_14_2_7", "t_14_2_8", "t_14_2_9",
                           "t_14_2_10", "f_14_2_11"]),
        ("14.3 Safety", ["t_14_3_1", "t_14_3_2", "t_14_3_3", "t_14_3_4", "t_14_3_5", "t_14_3_6", "f_14_3_7",
                         "t_14_3_8", "t_14_3_9", "t_14_3_10", "f_14_3_10", "t_14_3_11", "t_14_3_12", "f_14_3_12",
                         "t_14_3_13", "t_14_3_14", "t_14_3_17", "t_14_3_18", "t_14_3_19", "t_14_3_20", "f_14_3_15",
                         "f_14_3_16"]),
        ("16.2 Listings", ["l_16_2_1", "l_16_2_2", "l_16_2_3", "l_16_2_4", "l_16_2_5", "l_16_2_6", "l_16_2_7"]),
        ("16.3 Patient profiles and narratives", ["l_profiles"]),
    ],
    "review": [
        ("Stopping guidelines", ["t_guidelines", "f_guidelines"]),
        ("Trial conduct", ["o_accrual", "o_accrual_table", "o_completeness", "o_deviations"]),
        ("Subjects", ["o_consort", "o_disposition", "o_populations", "o_eligibility", "o_disagreements", "o_baseline",
                      "t_14_1_5"]),
        ("Safety", ["t_14_3_1", "t_14_3_2", "t_14_3_3", "t_14_3_4", "t_14_3_5", "t_14_3_6", "t_14_3_8", "t_14_3_9",
                    "t_14_3_10", "f_14_3_10", "t_14_3_11", "t_14_3_12", "f_14_3_12", "t_14_3_13", "t_14_3_14",
                    "t_14_3_17", "t_14_3_18", "t_14_3_19", "t_14_3_20",
                    "f_14_3_15", "f_14_3_16"]),
        ("Exploratory efficacy", ["t_14_2_e1"]),
        ("Listings", ["l_16_2_1", "l_teae", "l_16_2_2", "l_16_2_3", "l_16_2_5", "l_16_2_6", "l_16_2_7"]),
        ("Patient profiles and narratives", ["l_profiles"]),
    ],
    "adam": [
        ("14.1 Subjects", ["adam:t_14_1_1", "adam:t_14_1_2", "adam:t_14_1_4", "adam:t_14_1_5", "adam:t_14_1_6",
                           "adam:t_14_1_6:absent", "adam:t_14_1_7", "adam:t_14_1_8", "adam:t_14_1_7:absent"]),
        ("14.2 Efficacy", ["adam:t_14_2_k", "adam:f_14_2_k", "adam:t_14_2_1:absent"]),
        ("14.3 Safety: adverse events", ["adam:t_14_3_1", "adam:t_14_3_2", "adam:t_14_3_3", "adam:t_14_3_4",
                                         "adam:t_14_3_5", "adam:t_14_3_6", "adam:f_14_3_7"]),
        ("14.3 Safety: laboratory{and_vitals}", ["adam:t_14_3_8_k", "adam:f_14_3_8_k", "adam:t_14_3_9_k",
                                                 "adam:t_14_3_8", "adam:t_14_3_8:absent", "adam:t_14_3_10",
                                                 "adam:f_14_3_10", "adam:t_14_3_11", "adam:t_14_3_11:absent"]),
        ("14.3 Safety: exposure-adjusted incidence", ["adam:t_14_3_13"]),
        ("16.2 Listings", ["adam:l_16_2_1", "adam:l_16_2_2", "adam:l_16_2_3", "adam:l_16_2_4"]),
    ],
}


def entry(key: str) -> Entry:
    """The registry entry of a key (an output id, or id:variant)."""
    try:
        return REGISTRY[key]
    except KeyError:
        raise KeyError(f"{key!r} is not an output of the registry (trialstats/outputs/registry.py)") from None


def figures_of(rule: str, report: str) -> dict[str, str]:
    """Figure id -> the number its image carries, of the figures a rule draws for a report (the
    single-arm review numbers its outputs in reading order, so its images carry none)."""
    return {e.id: "" if report == "review" else e.number for _, keys in LAYOUT[report]
            for e in map(entry, keys) if e.kind == "figure" and e.rule == rule}


def figure_caption(key: str, title: str) -> str:
    """The title a figure's file carries in its metadata (its number in the closed report and a title); the
    caption is the report's, outside the image."""
    return f"{entry(key).number} {title}"
