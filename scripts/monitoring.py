"""Rule monitoring: the DMC charter's stopping guidelines at this cut (closed side by arm, or a
single-arm study's review side)."""
import json
from pathlib import Path

import yaml

from trialstats.adam.unblind import control_of, received_arm
from trialstats.figures.common import save_figure
from trialstats.figures.monitoring import g_gs_boundaries, g_safety_boundaries
from trialstats.io import read_datasets, write_csv
from trialstats.tables.monitoring import (POOLED, ard_efficacy_monitoring, ard_safety_rules, event_label,
                                          guidelines_note, is_final_look, look_history, planned_by_arm,
                                          safety_characteristics, t_gs_design, t_guidelines)
from trialstats.tables.primary import arm_labels, responder_status
from trialstats.joblog import log_errors

sm = snakemake  # noqa: F821 (injected by snakemake)
with log_errors(sm.log[0]):   # the traceback of a failure into the rule's log
    protocol = yaml.safe_load(open(sm.input.protocol))
    plan, aesi, arm = protocol["monitoring"], protocol.get("aesi", []), sm.params.arm_column
    efficacy_planned = arm is not None and "responder" in protocol and "efficacy" in plan
    adam = read_datasets(sm.input.adam, {"adsl", "adae"} | ({"adeff"} if efficacy_planned else set()))
    efficacy, labels, planned = None, (), None
    if arm is not None:
        status = responder_status(adam["adsl"], adam["adeff"], protocol["responder"], arm, protocol["visits"],
                                  sm.wildcards.cut) if efficacy_planned else None
        labels = arm_labels(status, protocol["randomization"]["control"]) if efficacy_planned else \
            tuple(sorted(adam["adsl"].loc[adam["adsl"]["SAFFL"] == "Y", arm].dropna().unique()))
        if efficacy_planned:
            planned = planned_by_arm(status, labels, plan)
            efficacy = ard_efficacy_monitoring(status, labels, plan, planned, look_history(sm.input.earlier),
                                               is_final_look(status, adam["adsl"]))
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
            save_figure(g_gs_boundaries(efficacy), out / f"gs_boundaries.{ext}", "gs_boundaries")
    write_csv(paths, out / "safety_paths.csv")
    write_csv(crossings, out / "safety_first_crossings.csv")
    guidelines = t_guidelines(safety, efficacy, rules, aesi, plan, crossings)
    write_csv(guidelines, out / "stopping_guidelines.csv")
    (out / "guidelines_footnote.txt").write_text(
        guidelines_note(efficacy, plan, safety_characteristics(safety, rules, aesi)) + "\n")
    if len(paths):
        names = {r["event"]: event_label(r["event"], aesi) for r in rules}
        for ext in ("png", "pdf"):
            save_figure(g_safety_boundaries(paths, names, POOLED, control), out / f"safety_boundaries.{ext}",
                        "safety_boundaries")
    Path(sm.log[0]).write_text(guidelines.to_string(index=False) + "\n")
