"""Rule primary: the primary endpoint, its estimand and sensitivity analyses (closed, by arm);
pools the MI and tipping-point pieces of rule primary_shard."""
from pathlib import Path

import pandas as pd
import yaml

from trialstats.figures.common import save_figure
from trialstats.figures.primary import g_difference_forest, g_tipping_heatmap
from trialstats.io import write_csv
from trialstats.joblog import log_errors
from trialstats.protocol import analysis_visits, parameter_names
from trialstats.tables import primary as P
from trialstats.tables.monitoring import decision_row

from trialstats.outputs.registry import figure_caption

sm = snakemake  # noqa: F821 (injected by snakemake)
with log_errors(sm.log[0]):   # the traceback of a failure into the rule's log
    protocol = yaml.safe_load(open(sm.input.protocol))
    spec = protocol["responder"]
    adsl, adeff = (pd.read_parquet(f"{sm.input.adam}/{name}.parquet") for name in ("adsl", "adeff"))
    status, labels = P.primary_status(adsl, adeff, protocol, sm.params.arm_column, sm.wildcards.cut)
    main = P.ard_primary(status, adsl, labels, sm.params.covariates)
    wide = P.mi_wide(adeff, status, spec, analysis_visits(protocol))
    pieces = {a: [pd.read_parquet(f) for f in sm.input[a]]   # the primary_shard jobs' pieces, else one here
              or [P.shard_part(a, adeff, status, labels, protocol, sm.params.mi)] for a in ("mi", "tipping")}
    mi = P.ard_mi_pooled(pd.concat(pieces["mi"], ignore_index=True), wide, labels, sm.params.mi["imputations"])
    grid = pd.concat(pieces["tipping"], ignore_index=True)
    tipping = P.tipping_statement(grid, status, labels, sm.params.alpha)
    ard = pd.concat([main, mi], ignore_index=True)
    decision = decision_row(pd.read_csv(Path(sm.input.monitoring[0], "efficacy_look_ard.csv"),
                                        keep_default_na=False)) if sm.input.monitoring else None
    out = sm.output
    write_csv(ard, out.ard)
    write_csv(grid, out.tipping_ard)
    write_csv(P.t_primary(ard, labels, decision), out.t_primary)
    write_csv(P.estimand_rows(protocol), out.t_estimand)
    write_csv(P.t_sensitivity(ard, labels, spec, parameter_names(protocol)), out.t_sensitivity)
    write_csv(P.t_tipping_point(grid, labels), out.t_tipping)
    Path(out.tipping_statement).write_text(tipping + "\n")
    write_csv(status, out.listing)
    save_figure(g_difference_forest(ard, labels, figure_caption("f_14_2_3", "Difference in response across analyses"),
                                    spec, parameter_names(protocol)), out.f_forest, "f_14_2_3")
    save_figure(g_tipping_heatmap(grid, labels, figure_caption("f_14_2_4", "Tipping point: Fisher p"), sm.params.alpha),
                out.f_tipping, "f_14_2_4")
    Path(sm.log[0]).write_text(P.t_primary(ard, labels, decision).to_string(index=False) + "\n" + tipping + "\n")
