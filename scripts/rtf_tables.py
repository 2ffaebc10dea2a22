"""Rule rtf_tables: the tables, listings and figures of one report (open, closed or review) as RTF."""
from pathlib import Path

import yaml

from trialstats.outputs.plan import report_plan
from trialstats.outputs.registry import REPORT_TITLES
from trialstats.report.rtf import RtfPage, write_rtf_tables
from trialstats.joblog import log_errors

sm = snakemake  # noqa: F821 (injected by snakemake)
with log_errors(sm.log[0]):   # the traceback of a failure into the rule's log
    side = sm.wildcards.side
    protocol = yaml.safe_load(open(sm.input.protocol))
    page = RtfPage(study=protocol["study"]["id"], report=REPORT_TITLES[side], cut=sm.wildcards.cut,
                   closed=side == "closed", open_session=side == "open",
                   synthetic=bool(protocol["study"].get("synthetic")),
                   version=f"trialstats report version {sm.params.version}", paper=sm.params.paper)
    root = Path("results") / sm.wildcards.study / sm.wildcards.cut
    written = write_rtf_tables(report_plan(side, protocol), root, Path(sm.output[0]), page)
    Path(sm.log[0]).write_text(f"{side} report RTF ({sm.params.paper}): {', '.join(written)}\n")
