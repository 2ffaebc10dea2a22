"""Rule primary_shard: one piece of the MI analysis (a range of imputations) or of the
tipping-point grid (a range of rows); rule primary pools the pieces (a single piece: computed in the
primary job itself, no job of its own)."""
import pandas as pd
import yaml

from trialstats.io import write_parquet
from trialstats.joblog import log_errors
from trialstats.tables import primary as P

sm = snakemake  # noqa: F821 (injected by snakemake)
with log_errors(sm.log[0]):   # the traceback of a failure into the rule's log
    protocol = yaml.safe_load(open(sm.input.protocol))
    adsl, adeff = (pd.read_parquet(f"{sm.input.adam}/{name}.parquet") for name in ("adsl", "adeff"))
    status, labels = P.primary_status(adsl, adeff, protocol, sm.params.arm_column, sm.wildcards.cut)
    shard, shards = int(sm.wildcards.shard), sm.params.shards
    part = P.shard_part(sm.wildcards.analysis, adeff, status, labels, protocol, sm.params.mi, shard, shards)
    write_parquet(part, sm.output[0])
    with open(sm.log[0], "w") as log:
        print(f"{sm.wildcards.analysis} shard {shard + 1} of {shards}: {len(part)} rows", file=log)
