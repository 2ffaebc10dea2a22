"""Rule primary_change: a continuous primary endpoint (change from baseline at the key visit, MMRM)
with its estimand and sensitivity analyses (closed, by arm)."""
from pathlib import Path

import pandas as pd
import yaml

from trialstats.figures.common import formats, save_figure
from trialstats.figures.primary import g_change_forest
from trialstats.figures.secondary import g_lsmeans_over_visits
from trialstats.arms import arm_sizes, label_arm_columns
from trialstats.tables.format import readable_visits
from trialstats.io import write_csv
from trialstats.tables import primary_change as C
from trialstats.tables.monitoring import decision_row, with_decision
from trialstats.joblog import log_errors
from trialstats.protocol import analysis_visits, better_direction, parameter_names

from trialstats.outputs.registry import figure_caption

sm = snakemake  # noqa: F821 (injected by snakemake)
with log_errors(sm.log[0]):   # the traceback of a failure into the rule's log
    protocol = yaml.safe_load(open(sm.input.protocol))
    spec = protocol["continuous_primary"]
    adsl, adeff = (pd.read_parquet(f"{sm.input.adam}/{name}.parquet") for name in ("adsl", "adeff"))
    arm = sm.params.arm_column
    labels = C.change_labels(adsl, arm, protocol["randomization"]["control"], protocol["randomization"].get("arms"))
    visits = analysis_visits(protocol)
    result, notes = C.ard_change_primary(adsl, adeff, spec, arm, visits, labels, sm.params.mi)
    name = parameter_names(protocol).get(spec["paramcd"], spec["paramcd"])
    unit = protocol.get("labs", {}).get(spec["paramcd"], {}).get("unit", "")
    out = Path(sm.output.folder)
    for sub in ("ard", "tables", "figures"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    write_csv(result, out / "ard" / "t_14_2_1_primary.csv")
    fas_n = arm_sizes(adsl, arm, "FASFL")       # headers "A (N=45)"
    table = C.t_change_primary(result, labels, spec["visit"], unit)
    if sm.input.monitoring:     # the charter's final test (ANCOVA z) at this look
        look = pd.read_csv(Path(sm.input.monitoring[0], "efficacy_look_ard.csv"), keep_default_na=False)
        table = with_decision(table, decision_row(look, "mean_difference"), table.columns[2], "p")
    write_csv(readable_visits(label_arm_columns(table, fas_n)), out / "tables" / "t_14_2_1.csv")
    write_csv(C.estimand_rows_change(protocol), out / "tables" / "t_14_2_2.csv")
    write_csv(readable_visits(label_arm_columns(C.t_change_sensitivity(result, labels, spec["visit"], notes), fas_n)),
              out / "tables" / "t_14_2_3.csv")
    primary = result[result["variable"] == "primary"]
    save_figure(g_lsmeans_over_visits(primary, labels, visits, f"Change in {name}",
                                      figure_caption("f_14_2_1:change",
                                                     f"LS-mean change from baseline in {name} (MMRM, FAS)"),
                                      control=labels[-1]),
                formats(out / "figures" / "f_14_2_1", sm.params.figure_formats), "f_14_2_1")
    save_figure(g_change_forest(result, labels, spec["visit"], f"Difference in change in {name}",
                                figure_caption("f_14_2_3:change", "Difference at the key visit across analyses"),
                                better_direction(protocol, spec["paramcd"])),
                formats(out / "figures" / "f_14_2_3", sm.params.figure_formats), "f_14_2_3")
    Path(sm.log[0]).write_text(C.t_change_primary(result, labels, spec["visit"], unit).to_string(index=False) + "\n"
                               + "".join(f"{k}: {v}\n" for k, v in notes.items()))
