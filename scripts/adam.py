"""Rule adam: blinded analysis datasets from the cut SDTM (never reads the randomization key),
with the record accounting: every SDTM record used by them or listed as excluded, with why."""
from pathlib import Path

import pandas as pd
import yaml

from trialstats.adam import derive_adam
from trialstats.adam.accounting import add_note_counts, record_accounting, record_notes
from trialstats.io import read_datasets, write_csv, write_datasets
from trialstats.joblog import log_errors

sm = snakemake  # noqa: F821 (injected by snakemake)
with log_errors(sm.log[0]):   # the traceback of a failure into the rule's log
    sdtm = {name.upper(): df for name, df in read_datasets(sm.input.sdtm).items()}
    protocol = yaml.safe_load(open(sm.input.protocol))
    adam = derive_adam(sdtm, protocol, sm.wildcards.cut)
    write_datasets(adam, sm.output.adam)
    summary, excluded = record_accounting(sdtm, adam, pd.read_csv(Path(sm.input.sdtm) / "reconciliation.csv"),
                                          {"LB": set(protocol.get("labs", {})), "VS": set(protocol.get("vitals", {}))},
                                          protocol)
    notes = record_notes(adam)
    summary = add_note_counts(summary, notes, excluded)
    write_csv(summary, Path(sm.output.adam) / "accounting.csv")
    write_csv(notes, Path(sm.output.adam) / "record_notes.csv")
    write_csv(excluded, Path(sm.output.adam) / "excluded_records.csv")
    # the data queries of the door (records kept or changed by a stated rule), beside the accounting
    queries = pd.read_csv(Path(sm.input.sdtm) / "data_queries.csv", dtype=str, keep_default_na=False)
    write_csv(queries, Path(sm.output.adam) / "data_queries.csv")
    with open(sm.log[0], "w") as log:
        for name, df in adam.items():
            print(f"{name}: {len(df)} records, {df['USUBJID'].nunique()} subjects", file=log)
        print(summary.to_string(index=False), file=log)
