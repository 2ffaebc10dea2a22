"""Rule primary_tte: a time-to-event primary endpoint (closed, by arm): Kaplan-Meier, log-rank, Cox
hazard ratio, median and RMST of each arm against the control, and the Kaplan-Meier figure."""
from pathlib import Path

import pandas as pd
import yaml

from trialstats.arms import arm_colours
from trialstats.figures.common import formats, save_figure
from trialstats.figures.survival import km_figure
from trialstats.io import write_csv
from trialstats.joblog import log_errors
from trialstats.outputs.registry import figure_caption
from trialstats.tables.primary_change import change_labels
from trialstats.tables.primary_tte import ard_primary_tte
from trialstats.tables.monitoring import decision_row, monitored_pair, with_decision
from trialstats.tables.time_to_event import t_tte_analysis, tte_footnote

sm = snakemake  # noqa: F821 (injected by snakemake)
with log_errors(sm.log[0]):   # the traceback of a failure into the rule's log
    protocol = yaml.safe_load(open(sm.input.protocol))
    spec = protocol["time_to_event"]
    adsl, adtte = (pd.read_parquet(f"{sm.input.adam}/{name}.parquet") for name in ("adsl", "adtte"))
    arm = sm.params.arm_column
    labels = change_labels(adsl, arm, protocol["randomization"]["control"], protocol["randomization"].get("arms"))
    result, steps = ard_primary_tte(adsl, adtte, spec, arm, labels)
    out = Path(sm.output.folder)
    for sub in ("ard", "tables", "figures"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    write_csv(result, out / "ard" / "t_14_2_1.csv")
    write_csv(steps, out / "ard" / "f_14_2_1.csv")
    table = t_tte_analysis(result, labels[-1], "days")
    if sm.input.monitoring:     # the charter's final test at this look, in the monitored arm's column
        look = pd.read_csv(Path(sm.input.monitoring[0], "efficacy_look_ard.csv"), keep_default_na=False)
        active = monitored_pair(adsl, arm, protocol)[0]
        table = with_decision(table, decision_row(look, "logrank"),
                              next(c for c in table.columns if c.split(" (N=")[0] == active))
    write_csv(table, out / "tables" / "t_14_2_1.csv")
    (out / "tables" / "t_14_2_1_footnote.txt").write_text(tte_footnote(result, labels[-1], "days") + "\n")
    save_figure(km_figure(steps, labels, arm_colours(labels, labels[-1]), "days",
                          figure_caption("f_14_2_1:tte", f"Kaplan-Meier estimate: {spec['name']}")),
                formats(out / "figures" / "f_14_2_1", sm.params.figure_formats), "f_14_2_1")
    Path(sm.log[0]).write_text(table.to_string(index=False) + "\n" + tte_footnote(result, labels[-1]) + "\n")
