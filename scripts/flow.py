"""Rules open_flow and closed_flow: CONSORT and eligibility ARDs, disagreement listing, CONSORT figure; on the open
side trial conduct, the pooled safety tables and (narratives.open) the patient profiles without arm."""
import json
from pathlib import Path

import pandas as pd
import yaml

from trialstats.figures.common import save_figure
from trialstats.adam.unblind import control_of
from trialstats.figures.consort import g_consort
from trialstats.io import write_csv
from trialstats.tables.baseline import ard_baseline, t_baseline
from trialstats.tables.flow import (ard_consort, eligibility_outputs, listing_discontinued, t_disposition,
                                    t_populations, with_arm_n)
from trialstats.tables.format import dose_labels, humanize
from trialstats.ard.since_last import since_last_files
from trialstats.io import read_datasets
from trialstats.joblog import log_errors
from trialstats.protocol import dose_words
from trialstats.report.conduct import write_open_side

sm = snakemake  # noqa: F821 (injected by snakemake)
with log_errors(sm.log[0]):   # the traceback of a failure into the rule's log
    adam = Path(sm.input.adam)
    adsl = pd.read_parquet(adam / "adsl.parquet")
    protocol = yaml.safe_load(open(sm.input.protocol))
    arm = sm.params.arm_column
    consort = ard_consort(adsl, arm)
    write_csv(consort, sm.output.consort)
    title = f"{sm.params.study_id}: subject flow at the data cut {sm.wildcards.cut}" + (" by arm" if arm else "")
    control = control_of(json.loads((adam / "arms.json").read_text()), arm) if arm else None   # the unblind rule's
    save_figure(g_consort(consort, title, sm.params.enrolled_label, control), sm.output.figure, title)
    tables = Path(sm.output.tables)
    tables.mkdir(parents=True, exist_ok=True)
    randomized = sm.params.enrolled_label == "Randomized"   # a single-arm study enrols, it does not randomize
    enrolled = "Randomized / enrolled" if randomized else "Enrolled"
    words = dose_words(protocol)                            # the regimen's words: infusion, dose
    write_csv(with_arm_n(t_populations(consort, enrolled, words["dose_word"]), consort), tables / "populations.csv")
    write_csv(with_arm_n(t_disposition(consort, enrolled, words["dose_word"]), consort), tables / "disposition.csv")
    baseline = ard_baseline(adsl, arm, spec=protocol.get("baseline"))
    write_csv(baseline, tables / "baseline_ard.csv")
    write_csv(t_baseline(baseline, protocol.get("baseline")), tables / "baseline.csv")
    write_csv(humanize(listing_discontinued(adsl, arm), dose_labels(**words)), tables / "discontinued.csv")
    if arm is None:   # trial conduct, the pooled safety and the open profiles for the open side
        write_open_side(tables, adam, Path(sm.input.sdtm), adsl, protocol, sm.wildcards.cut, randomized, enrolled,
                        sm.params.figure_formats)
    if "eligibility" in sm.output.keys():
        ard_, disagreements, table = eligibility_outputs(pd.read_parquet(adam / "eligibility.parquet"))
        for frame, path in ((ard_, sm.output.eligibility), (disagreements, sm.output.disagreements),
                            (table, tables / "eligibility.csv")):
            write_csv(frame, path)
    if sm.input.previous:   # changes since the previous cut (o_since_last pooled, a_since_last by arm)
        prev, cur = (read_datasets(p, {"adsl", "adae"}) for p in (sm.input.previous[0], sm.input.adam))
        for name, frame in since_last_files(prev, cur, arm).items():
            write_csv(frame, tables / f"{name}.csv")
    Path(sm.log[0]).write_text(consort.to_string(index=False) + "\n")
