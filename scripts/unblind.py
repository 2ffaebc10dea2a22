"""Rule unblind: join the randomization key to the blinded analysis datasets."""
import json
from pathlib import Path

import pandas as pd

from trialstats.adam.unblind import arm_coding, assert_key_arms, check_key, compare_randomization, \
    filter_key_at_cut, read_key, unblind
from trialstats.io import read_datasets, write_csv, write_datasets
from trialstats.joblog import log_errors
from trialstats.provenance import build_manifest, manifest_json

sm = snakemake  # noqa: F821 (injected by snakemake)
with log_errors(sm.log[0]):   # the traceback of a failure into the rule's log
    adam = read_datasets(sm.input.adam)
    full_key = read_key(sm.input.key)
    key = filter_key_at_cut(full_key, sm.wildcards.cut, sm.input.key)
    check_key(key, adam["adsl"], source=sm.input.key, randomization=sm.params.randomization)
    disagreements = compare_randomization(adam["adsl"], key)      # DS milestones against the key
    doses = [sm.input.doses] if isinstance(sm.input.doses, str) else list(sm.input.doses)
    doses = pd.read_csv(doses[0], dtype={"USUBJID": str}) if doses else None     # key-side EX doses
    closed = unblind(adam, key, sm.params.placebo, sm.params.planned_dose, doses)
    assert_key_arms(closed["adsl"], key, source=sm.input.key)     # nothing silently lost
    write_datasets(closed, sm.output.adam)
    if len(disagreements):       # listed beside the closed ADaM (and in the log)
        write_csv(disagreements, Path(sm.output.adam, "randomization_check.csv"))
    key_manifest = build_manifest(sm.wildcards.study, sm.wildcards.cut, [sm.input.key], {}, {}, {}, False)
    Path(sm.output.adam, "key_manifest.json").write_text(manifest_json(
        {"inputs": key_manifest["inputs"], "key_entries": len(full_key), "randomized_by_cut": len(key)}))
    coding = arm_coding(key, sm.params.control)        # read by every closed rule
    Path(sm.output.adam, "arms.json").write_text(json.dumps(coding, indent=1) + "\n")
    with open(sm.log[0], "w") as log:
        print(f"key: {len(full_key)} entries, {len(key)} randomized on or before the cut", file=log)
        if "RANDDT" in adam["adsl"] and not adam["adsl"]["RANDDT"].notna().any():
            print("DS records no RANDOMIZED milestone: randomized = in the key, on the key's RANDDT", file=log)
        print(f"DS RANDOMIZED vs the key: {len(disagreements)} disagreement(s)", file=log)
        if len(disagreements):
            print(disagreements.to_string(index=False), file=log)
        print(closed["adsl"].groupby("TRTCODE", dropna=False).size().to_string(), file=log)
