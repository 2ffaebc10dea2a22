"""Rule monitoring: the DMC charter's stopping guidelines at this cut (closed side by arm, or a
single-arm study's review side)."""
import json
from pathlib import Path

import yaml

from trialstats.adam.unblind import control_of, received_arm
from trialstats.figures.common import save_figure
from trialstats.figures.monitoring import g_gs_boundaries, g_safety_boundaries
from trialstats.io import read_datasets, write_csv
from trialstats.tables.monitoring import (POOLED, ard_change_monitoring, ard_efficacy_monitoring, ard_safety_rules,
                                          ard_tte_monitoring, event_label, final_test_words, guidelines_note,
                                          is_final_look, look_history, monitored_pair, planned_by_arm,
                                          safety_characteristics, study_complete, t_gs_design, t_guidelines)
from trialstats.tables.primary import arm_labels, responder_status
from trialstats.joblog import log_errors

sm = snakemake  # noqa: F821 (injected by snakemake)
with log_errors(sm.log[0]):   # the traceback of a failure into the rule's log
    protocol = yaml.safe_load(open(sm.input.protocol))
    plan, aesi, arm = protocol["monitoring"], protocol.get("aesi", []), sm.params.arm_column
    statistic = plan.get("final_test", {}).get("statistic")
    efficacy_planned = arm is not None and "efficacy" in plan
    extra = {"score": {"adeff"}, "logrank": {"adtte"}, "mean_difference": {"adeff"}}.get(statistic, set())
    adam = read_datasets(sm.input.adam, {"adsl", "adae"} | (extra if efficacy_planned else set()))
    efficacy, labels, planned, adsl = None, (), None, adam["adsl"]
    if efficacy_planned and statistic == "score":
        status = responder_status(adsl, adam["adeff"], protocol["responder"], arm, protocol["visits"],
                                  sm.wildcards.cut)
        labels = arm_labels(status, protocol["randomization"]["control"])
        planned = planned_by_arm(status, labels, plan)
        efficacy = ard_efficacy_monitoring(status, labels, plan, planned, look_history(sm.input.earlier),
                                           is_final_look(status, adsl))
    elif efficacy_planned:
        pair = monitored_pair(adsl, arm, protocol)
        history, final = look_history(sm.input.earlier), study_complete(adsl)
        if statistic == "logrank":
            efficacy = ard_tte_monitoring(adsl, adam["adtte"], protocol["time_to_event"], arm, pair, plan, history,
                                          final)
        else:
            codes = adsl[[arm, "ARMCD"]].drop_duplicates().set_index(arm)["ARMCD"]
            per_arm = tuple(int(plan["information"]["planned"][codes[label]]) for label in pair)
            efficacy = ard_change_monitoring(adsl, adam["adeff"], protocol["continuous_primary"], arm, pair,
                                             per_arm, plan, history, final)
    if arm is not None and not labels:
        labels = tuple(sorted(adsl.loc[adsl["SAFFL"] == "Y", arm].dropna().unique()))
    rules = plan.get("safety", [])
    by_received, control = adam["adsl"], None   # the safety rules by the arm received (TRT01A), as the safety tables
    if arm is not None:
        coding = json.loads(Path(sm.input.adam, "arms.json").read_text())
        by_received = by_received.assign(**{arm: received_arm(by_received, arm, coding)})
        control = control_of(coding, arm)
    safety, paths, crossings = ard_safety_rules(by_received, adam["adae"], rules, aesi, arm, list(labels), control,
                                                planned)
    out = Path(sm.output.folder)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(safety, out / "safety_rules_ard.csv")
    if efficacy is not None:
        write_csv(efficacy, out / "efficacy_look_ard.csv")
        write_csv(t_gs_design(efficacy, plan, sm.wildcards.cut), out / "gs_design.csv")
        for ext in ("png", "pdf"):
            save_figure(g_gs_boundaries(efficacy, statistic), out / f"gs_boundaries.{ext}", "gs_boundaries")
    write_csv(paths, out / "safety_paths.csv")
    write_csv(crossings, out / "safety_first_crossings.csv")
    test = final_test_words(plan, protocol.get("time_to_event", {}).get("strata")) if efficacy is not None else None
    guidelines = t_guidelines(safety, efficacy, rules, aesi, plan, crossings, test)
    write_csv(guidelines, out / "stopping_guidelines.csv")
    (out / "guidelines_footnote.txt").write_text(
        guidelines_note(efficacy, plan, safety_characteristics(safety, rules, aesi), test) + "\n")
    if len(paths):
        names = {r["event"]: event_label(r["event"], aesi) for r in rules}
        for ext in ("png", "pdf"):
            save_figure(g_safety_boundaries(paths, names, POOLED, control), out / f"safety_boundaries.{ext}",
                        "safety_boundaries")
    Path(sm.log[0]).write_text(guidelines.to_string(index=False) + "\n")
