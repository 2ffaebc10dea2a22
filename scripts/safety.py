"""Rules closed_safety and review_safety: safety tables, listings and figures."""
import json
from pathlib import Path

from trialstats.adam.unblind import control_of, received_arm
from trialstats.ard.safety import compute_safety
from trialstats.figures.common import save_figure
from trialstats.figures.safety import safety_rule_figures
from trialstats.io import read_datasets, write_csv
from trialstats.tables.format import readable_visits
from trialstats.tables.safety import display_context, exposure_note, safety_files
from trialstats.joblog import log_errors
from trialstats.outputs.registry import figures_of
from trialstats.vocabulary import parameter_labels

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
    for sub in ("ard", "tables", "listings", "figures"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    for path, frame in safety_files(results, context, single_arm).items():
        write_csv(frame, out / path)
    (out / "tables" / "t_14_1_5_footnote.txt").write_text(exposure_note(sm.params.dose_label, sm.params.regimen) + "\n")
    lb = adam.get("adlb")
    lab_names = parameter_labels(lb)
    numbers = figures_of("safety", "review" if single_arm else "closed")
    for fid, make in safety_rule_figures(results, lab_names, control, numbers).items():
        for ext in ("png", "pdf"):
            save_figure(make(), out / "figures" / f"{fid}.{ext}", fid)
    if sm.params.exploratory:   # single-arm exploratory glycaemic outcomes (review side)
        from trialstats.tables.exploratory import ard_exploratory, t_exploratory
        ex = ard_exploratory(adam["adeff"], adam["adsl"], sm.params.exploratory)
        write_csv(ex, out / "ard" / "t_14_2_e1.csv")
        names = parameter_labels(adam["adeff"])
        write_csv(readable_visits(t_exploratory(ex, names)), out / "tables" / "t_14_2_e1.csv")
    Path(sm.log[0]).write_text("\n".join(f"{k}: {len(v)} rows" for k, v in results.items()
                                         if not k.startswith("data_")) + "\n")
