"""Rule secondary: MMRM, threshold by visit, ANCOVA (GIR, HOMA), subgroups (closed, by arm)."""
from pathlib import Path

import pandas as pd
import yaml

from trialstats.figures.common import formats, save_figure
from trialstats.figures.secondary import g_lsmeans_over_visits, g_subgroup_forest
from trialstats.arms import arm_sizes, label_arm_columns
from trialstats.tables.format import readable_visits
from trialstats.io import write_csv
from trialstats.tables.primary import arm_labels, responder_status
from trialstats.tables.secondary import run_secondary
from trialstats.joblog import log_errors
from trialstats.protocol import analysis_visits, better_direction

from trialstats.outputs.registry import figure_caption
from trialstats.vocabulary import parameter_labels

sm = snakemake  # noqa: F821 (injected by snakemake)
with log_errors(sm.log[0]):   # the traceback of a failure into the rule's log
    adam = Path(sm.input.adam)
    adsl, adeff = pd.read_parquet(adam / "adsl.parquet"), pd.read_parquet(adam / "adeff.parquet")
    protocol = yaml.safe_load(open(sm.input.protocol))
    arm = sm.params.arm_column
    status = responder_status(adsl, adeff, protocol["responder"], arm, protocol["visits"], sm.wildcards.cut)
    labels = arm_labels(status, protocol["randomization"]["control"])
    fas_n = arm_sizes(adsl, arm, "FASFL")       # headers "A (N=45)"
    visits = analysis_visits(protocol)
    names = parameter_labels(adeff)
    results = run_secondary(adsl, adeff, status, protocol["secondary"], labels, arm, visits, names)
    out = Path(sm.output.folder)
    for sub in ("ard", "tables", "figures"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    for tid, res in results.items():
        write_csv(res["ard"], out / "ard" / f"{tid}.csv")
        if "table" in res:
            write_csv(readable_visits(label_arm_columns(res["table"], fas_n)), out / "tables" / f"{tid}.csv")
        if "footnote" in res:        # the model and how its fit ended (convergence)
            (out / "tables" / f"{tid}_footnote.txt").write_text(res["footnote"] + "\n")
    for tid, fid in (("t_14_2_5", "f_14_2_5"), ("t_14_2_6", "f_14_2_6")):
        param = names.get(results[tid]["paramcd"], results[tid]["paramcd"])
        fig_title = figure_caption(fid, f"LS-mean change from baseline in {param} (MMRM, FAS)")
        save_figure(g_lsmeans_over_visits(results[tid]["ard"], labels, visits, f"Change in {param}", fig_title,
                                          control=labels[-1]),
                    formats(out / "figures" / fid, sm.params.figure_formats), fid)
    key = results["t_14_2_5"]["paramcd"]
    change = f"Difference in {protocol['secondary']['key_visit']} change in {names.get(key, key)}"
    save_figure(g_subgroup_forest(results["f_14_2_11"]["ard"], labels, figure_caption("f_14_2_11", "Subgroups (FAS)"),
                                  change, better_direction(protocol, key)),
                formats(out / "figures" / "f_14_2_11", sm.params.figure_formats), "f_14_2_11")
    Path(sm.log[0]).write_text("\n\n".join(f"{tid}\n{r['table'].to_string(index=False)}" for tid, r in results.items()
                                           if "table" in r) + "\n")
