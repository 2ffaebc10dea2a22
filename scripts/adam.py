"""Rule adam: blinded analysis datasets from the cut SDTM (never reads the randomization key)."""
import yaml

from trialstats.adam import derive_adam
from trialstats.io import read_datasets, write_datasets

sm = snakemake  # noqa: F821 (injected by snakemake)
sdtm = {name.upper(): df for name, df in read_datasets(sm.input.sdtm).items()}
protocol = yaml.safe_load(open(sm.input.protocol))
adam = derive_adam(sdtm, protocol, sm.wildcards.cut)
write_datasets(adam, sm.output.adam)
with open(sm.log[0], "w") as log:
    for name, df in adam.items():
        print(f"{name}: {len(df)} records, {df['USUBJID'].nunique()} subjects", file=log)
