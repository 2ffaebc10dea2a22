"""Rule unblind: join the randomization key to the blinded analysis datasets."""
import json
from pathlib import Path

import pandas as pd

from trialstats.adam.unblind import arm_coding, check_key, filter_key_at_cut, unblind
from trialstats.io import read_datasets, write_datasets
from trialstats.joblog import log_errors
from trialstats.provenance import build_manifest, manifest_json

sm = snakemake  # noqa: F821 (injected by snakemake)
with log_errors(sm.log[0]):   # the traceback of a failure into the rule's log
    adam = read_datasets(sm.input.adam)
    full_key = pd.read_csv(sm.input.key, dtype=str, keep_default_na=False)
    key = filter_key_at_cut(full_key, sm.wildcards.cut)
    check_key(key, adam["adsl"], source=sm.input.key, randomization=sm.params.randomization)
    closed = unblind(adam, key, sm.params.placebo)
    write_datasets(closed, sm.output.adam)
    key_manifest = build_manifest(sm.wildcards.study, sm.wildcards.cut, [sm.input.key], {}, {}, {}, False)
    Path(sm.output.adam, "key_manifest.json").write_text(manifest_json(
        {"inputs": key_manifest["inputs"], "key_entries": len(full_key), "randomized_by_cut": len(key)}))
    coding = arm_coding(key, sm.params.control)        # read by every closed rule
    Path(sm.output.adam, "arms.json").write_text(json.dumps(coding, indent=1) + "\n")
    with open(sm.log[0], "w") as log:
        print(f"key: {len(full_key)} entries, {len(key)} randomized on or before the cut", file=log)
        print(closed["adsl"].groupby("TRTCODE", dropna=False).size().to_string(), file=log)
