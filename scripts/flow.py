"""Rules open_flow and closed_flow: CONSORT and eligibility ARDs, disagreement listing, CONSORT figure."""
from pathlib import Path

import pandas as pd

from trialstats.figures.common import save_figure
from trialstats.figures.consort import g_consort
from trialstats.io import write_csv
from trialstats.adam.eligibility import filter_disagreements
from trialstats.tables.flow import ard_consort, ard_eligibility

sm = snakemake  # noqa: F821 (injected by snakemake)
adam = Path(sm.input.adam)
adsl = pd.read_parquet(adam / "adsl.parquet")
arm = sm.params.arm_column
consort = ard_consort(adsl, arm)
write_csv(consort, sm.output.consort)
title = f"{sm.params.study_id}: subject flow at the data cut {sm.wildcards.cut}" + (" by arm" if arm else "")
for path in sm.output.figure:
    save_figure(g_consort(consort, title, sm.params.enrolled_label), path, title)
if "eligibility" in sm.output.keys():
    elig = pd.read_parquet(adam / "eligibility.parquet")
    write_csv(ard_eligibility(elig), sm.output.eligibility)
    write_csv(filter_disagreements(elig), sm.output.disagreements)
Path(sm.log[0]).write_text(consort.to_string(index=False) + "\n")
