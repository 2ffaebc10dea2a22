"""Rule rtf_tables: the tables and listings of one report (open, closed or review) as RTF."""
from pathlib import Path

from trialstats.report.catalog import SECTIONS, monitoring_section, review_sections
from trialstats.report.rtf import write_rtf_tables

sm = snakemake  # noqa: F821 (injected by snakemake)
side = sm.wildcards.side
sections = review_sections() if side == "review" else SECTIONS[side]
if side != "open":        # the stopping guidelines, where the charter has them (written if present)
    sections = [monitoring_section(side), *sections]
root = Path("results") / sm.wildcards.study / sm.wildcards.cut
written = write_rtf_tables(sections, root, Path(sm.output[0]))
Path(sm.log[0]).write_text(f"{side} report RTF: {', '.join(written)}\n")
