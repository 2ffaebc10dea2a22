"""Rules open_report, closed_report and review_report: compile a DMC report PDF with typst, and write
its tables, listings and figures as RTF."""
import json
from pathlib import Path

import pandas as pd
import yaml

from trialstats.report.build import compile_report, record_appendices, report_meta, report_source
from trialstats.io import write_csv
from trialstats.report.summary import cite_sources, executive_summary, report_arms
from trialstats.outputs.plan import report_plan
from trialstats.outputs.registry import REPORT_TITLES
from trialstats.report.rtf import RtfPage, write_rtf_tables
from trialstats.tables.since_last import t_since_last
from trialstats.joblog import log_errors

sm = snakemake  # noqa: F821 (injected by snakemake)
with log_errors(sm.log[0]):   # the traceback of a failure into the rule's log
    kind = sm.params.kind
    protocol = yaml.safe_load(open(sm.input.protocol))
    manifest = json.loads(Path(sm.input.manifest).read_text())
    manifest["manifest_paths"] = [sm.input.manifest]
    if kind == "closed":                     # the key: recorded on the closed side only
        key_manifest = Path(sm.input.current) / "key_manifest.json"
        manifest["closed_inputs"] = json.loads(key_manifest.read_text())["inputs"]
        manifest["manifest_paths"].append(str(key_manifest))
    root = Path(sm.input.manifest).parent
    meta = report_meta(kind, REPORT_TITLES[kind], protocol, sm.wildcards.cut, sm.params.version, sm.params.currency)
    sections = report_plan(kind, protocol)
    preface = None
    if sm.params.previous_cut:   # changes since the last cut (ARDs of the flow rules; open and review: pooled)
        folder = root / ("closed/flow" if kind == "closed" else "open/tables")
        preface = (f"Changes since the last data cut ({sm.params.previous_cut})",
                   t_since_last(pd.read_csv(folder / "since_last_ard.csv", keep_default_na=False),
                                pd.read_csv(folder / "since_last_new.csv", dtype=str, keep_default_na=False),
                                sm.params.previous_cut))
    appendices = record_appendices(root / "adam")
    numbers = {o.id: o.number for _, outputs in sections for o in outputs}
    if any(o.id == "t_br" for _, outputs in sections for o in outputs):   # the benefit-risk page, from the ARDs
        from trialstats.report.benefit_risk import write_benefit_risk   # (scipy, matplotlib: the closed report only)
        write_benefit_risk(root, protocol, report_arms(root, kind, sm.params.arm_column), numbers)
    summary = executive_summary(root, kind, sm.params.previous_cut, numbers.get("t_guidelines", "Table G.1"), protocol,
                                sm.params.arm_column)
    summary = cite_sources(summary, numbers)
    write_csv(summary, sm.output.summary)
    source = report_source(kind, meta, sections, root, manifest, appendices, preface, summary)
    Path(sm.output.typ).write_text(source)
    Path(sm.output.pdf).write_bytes(compile_report(source, root, sm.wildcards.cut))
    page = RtfPage(study=protocol["study"]["id"], report=REPORT_TITLES[kind], cut=sm.wildcards.cut,
                   closed=kind == "closed", open_session=kind == "open",
                   synthetic=bool(protocol["study"].get("synthetic")), version=meta["version_text"],
                   paper=sm.params.paper)
    written = write_rtf_tables(sections, root, Path(sm.output.rtf), page)
    Path(sm.log[0]).write_text(f"{kind} report: {sum(len(o) for _, o in sections)} outputs; RTF ({sm.params.paper}): "
                               f"{', '.join(written)}\n")
