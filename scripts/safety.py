"""Rules closed_safety and review_safety: safety tables, listings and figures, and the patient profiles; for a
single-arm study (review) also the charter's stopping guidelines."""
import json
from pathlib import Path

import yaml

from trialstats.adam.unblind import control_of, received_arm
from trialstats.ard.safety import compute_safety
from trialstats.io import read_datasets
from trialstats.tables.safety import display_context, exposure_note
from trialstats.joblog import log_errors
from trialstats.report.monitoring import write_monitoring
from trialstats.report.profiles import write_profiles
from trialstats.report.safety import write_exploratory, write_safety

sm = snakemake  # noqa: F821 (injected by snakemake)
with log_errors(sm.log[0]):   # the traceback of a failure into the rule's log
    adam = read_datasets(sm.input.adam, {"adsl", "adae", "adlb", "advs", "adex", "adcm"} | (
        {"adeff"} if sm.params.exploratory else set()))
    single_arm = sm.params.arm_column is None
    if single_arm:                            # the treatment is the one arm
        for name in ("adsl", "adae", "adlb", "advs", "adex", "adcm"):
            if name in adam:
                adam[name] = adam[name].assign(TRT01A=sm.params.treatment)
    arm = "TRT01A" if single_arm else sm.params.arm_column
    if not single_arm:                        # by the arm received (TRT01A: the key's actual arm)
        coding = json.loads(Path(sm.input.adam, "arms.json").read_text())
        adam["adsl"] = adam["adsl"].assign(**{arm: received_arm(adam["adsl"], arm, coding)})
    control = None if single_arm else control_of(coding, arm)
    results = compute_safety(adam["adsl"], adam["adae"], adam.get("adlb"), adam.get("advs"), adam.get("adex"), arm,
                             control, sm.params.dose_column, sm.params.aesi, sm.params.lab_panel,
                             dose_unit=sm.params.dose_unit, regimen=sm.params.regimen,
                             planned=sm.params.planned_dose,
                             ae_window=tuple(sm.params.ae_window) if sm.params.ae_window else None,
                             reactions=sm.params.reactions, adcm=adam.get("adcm"))
    context = display_context(adam["adsl"], arm, [adam.get("adlb"), adam.get("advs")], sm.params.dose_label)
    out = Path(sm.output.folder)
    write_safety(out, results, context, single_arm, adam.get("adlb"), control,
                 exposure_note(sm.params.dose_label, sm.params.regimen), sm.params.figure_formats)
    profiled = write_profiles(out, {**adam, "adsl": adam["adsl"].assign(ARM_=adam["adsl"][arm])},
                              read_datasets(sm.input.sdtm, {"cm", "mh"}), sm.params.narrative_aesi,
                              None if single_arm else arm, sm.wildcards.cut, sm.params.regimen_word)
    if single_arm:               # the charter's safety rules, pooled (a randomized study's: rule monitoring)
        protocol = yaml.safe_load(open(sm.input.protocol))
        Path(sm.output.monitoring).mkdir(parents=True, exist_ok=True)
        if "monitoring" in protocol:
            write_monitoring(Path(sm.output.monitoring), adam, Path(sm.input.adam), protocol, None, [],
                             sm.wildcards.cut, sm.params.figure_formats)
    if sm.params.exploratory:    # single-arm exploratory glycaemic outcomes (review side)
        write_exploratory(out, adam["adeff"], adam["adsl"], sm.params.exploratory)
    Path(sm.log[0]).write_text("\n".join(f"{k}: {len(v)} rows" for k, v in results.items()
                                         if not k.startswith("data_")) + f"\n{profiled} patient profiles\n")
