"""Rule rtf_tables: the tables and listings of one report (open, closed or review) as RTF."""
from pathlib import Path

import yaml

from trialstats.report.catalog import sections as report_sections
from trialstats.report.rtf import write_rtf_tables
from trialstats.joblog import log_errors

sm = snakemake  # noqa: F821 (injected by snakemake)
with log_errors(sm.log[0]):   # the traceback of a failure into the rule's log
    side = sm.wildcards.side
    sections = report_sections(side, yaml.safe_load(open(sm.input.protocol)))
    root = Path("results") / sm.wildcards.study / sm.wildcards.cut
    written = write_rtf_tables(sections, root, Path(sm.output[0]))
    Path(sm.log[0]).write_text(f"{side} report RTF: {', '.join(written)}\n")
