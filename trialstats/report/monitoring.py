"""The DMC charter's stopping guidelines at one cut, written by the job that reads the ADaM for them (rule
monitoring on the closed side, by arm; review_safety for a single-arm study): the efficacy look and
the design (Table/Figure G.2) where the charter monitors the primary endpoint, the safety rules with their
paths and first crossings (Figure G.3), and the guidelines table (Table G.1) with its footnote."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..adam.unblind import control_of, received_arm
from ..figures.common import formats, save_figure
from ..figures.monitoring import g_gs_boundaries, g_safety_boundaries
from ..io import write_csv
from ..tables.monitoring import (POOLED, ard_change_monitoring, ard_efficacy_monitoring, ard_safety_rules,
                                 ard_tte_monitoring, event_label, final_test_words, guidelines_note, is_final_look,
                                 look_history, monitored_pair, planned_by_arm, safety_characteristics, study_complete,
                                 t_gs_design, t_guidelines)
from ..tables.primary import arm_labels, responder_status

EFFICACY_DATASETS = {"score": {"adeff"}, "logrank": {"adtte"}, "mean_difference": {"adeff"}}


def monitoring_datasets(protocol: dict, arm: str | None) -> set[str]:
    """The ADaM datasets the guidelines read: ADSL and ADAE, and the primary's dataset where efficacy is monitored."""
    plan = protocol["monitoring"]
    extra = EFFICACY_DATASETS.get(plan.get("final_test", {}).get("statistic"), set())
    return {"adsl", "adae"} | (extra if arm is not None and "efficacy" in plan else set())


def _efficacy_look(adam: dict, protocol: dict, arm: str, earlier: list[str], cut: str):
    """(the efficacy look's ARD, the arm labels, planned patients by arm) at this cut."""
    plan, adsl = protocol["monitoring"], adam["adsl"]
    statistic = plan.get("final_test", {}).get("statistic")
    if statistic == "score":
        status = responder_status(adsl, adam["adeff"], protocol["responder"], arm, protocol["visits"], cut)
        labels = arm_labels(status, protocol["randomization"]["control"])
        planned = planned_by_arm(status, labels, plan)
        return (ard_efficacy_monitoring(status, labels, plan, planned, look_history(earlier),
                                        is_final_look(status, adsl)), labels, planned)
    pair = monitored_pair(adsl, arm, protocol)
    history, final = look_history(earlier), study_complete(adsl)
    if statistic == "logrank":
        return ard_tte_monitoring(adsl, adam["adtte"], protocol["time_to_event"], arm, pair, plan, history,
                                  final), (), None
    codes = adsl[[arm, "ARMCD"]].drop_duplicates().set_index(arm)["ARMCD"]
    per_arm = tuple(int(plan["information"]["planned"][codes[label]]) for label in pair)
    return ard_change_monitoring(adsl, adam["adeff"], protocol["continuous_primary"], arm, pair, per_arm, plan,
                                 history, final), (), None


def write_monitoring(out: Path, adam: dict[str, pd.DataFrame], adam_folder: Path, protocol: dict, arm: str | None,
                     earlier: list[str], cut: str, exts=("png",)) -> pd.DataFrame:
    """Write the guidelines' files into `out` (by arm where `arm` names the arm column, the safety rules by the
    arm received; pooled for a single-arm study; figures in the formats `exts`); the guidelines table."""
    plan, aesi = protocol["monitoring"], protocol.get("aesi", [])
    statistic = plan.get("final_test", {}).get("statistic")
    efficacy, labels, planned, adsl = None, (), None, adam["adsl"]
    if arm is not None and "efficacy" in plan:
        efficacy, labels, planned = _efficacy_look(adam, protocol, arm, earlier, cut)
    if arm is not None and not labels:
        labels = tuple(sorted(adsl.loc[adsl["SAFFL"] == "Y", arm].dropna().unique()))
    rules = plan.get("safety", [])
    by_received, control = adsl, None    # the safety rules by the arm received (TRT01A), as the safety tables
    if arm is not None:
        coding = json.loads(Path(adam_folder, "arms.json").read_text())
        by_received = by_received.assign(**{arm: received_arm(by_received, arm, coding)})
        control = control_of(coding, arm)
    safety, paths, crossings = ard_safety_rules(by_received, adam["adae"], rules, aesi, arm, list(labels), control,
                                                planned)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(safety, out / "safety_rules_ard.csv")
    if efficacy is not None:
        write_csv(efficacy, out / "efficacy_look_ard.csv")
        write_csv(t_gs_design(efficacy, plan, cut), out / "gs_design.csv")
        save_figure(g_gs_boundaries(efficacy, statistic), formats(out / "gs_boundaries", exts), "gs_boundaries")
    write_csv(paths, out / "safety_paths.csv")
    write_csv(crossings, out / "safety_first_crossings.csv")
    test = final_test_words(plan, protocol.get("time_to_event", {}).get("strata")) if efficacy is not None else None
    guidelines = t_guidelines(safety, efficacy, rules, aesi, plan, crossings, test)
    write_csv(guidelines, out / "stopping_guidelines.csv")
    (out / "guidelines_footnote.txt").write_text(
        guidelines_note(efficacy, plan, safety_characteristics(safety, rules, aesi), test) + "\n")
    if len(paths):
        names = {r["event"]: event_label(r["event"], aesi) for r in rules}
        save_figure(g_safety_boundaries(paths, names, POOLED, control), formats(out / "safety_boundaries", exts),
                    "safety_boundaries")
    return guidelines
