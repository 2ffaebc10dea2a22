"""Rule adam_report: the PDF report (typst) and RTF tables of a study given as an ADaM folder."""
import json
from pathlib import Path

from trialstats.adam.efficacy_config import efficacy_stems
from trialstats.adam.inputs import adam_roles, data_date
from trialstats.joblog import log_errors
from trialstats.io import read_table
from trialstats.provenance import build_manifest, git_state, manifest_json, package_versions
from trialstats.outputs.plan import adam_fields, adam_plan
from trialstats.outputs.registry import REPORT_TITLES
from trialstats.report.adam import adam_facts, appendices
from trialstats.report.build import compile_report, report_source
from trialstats.report.rtf import RtfPage, write_rtf_tables
from trialstats.tables.adam_route import demographics_population
from trialstats.tables.subjects import TESTS

sm = snakemake  # noqa: F821 (injected by snakemake)
with log_errors(sm.log[0]):   # the traceback of a failure into the rule's log
    cfg, study = sm.params.study, sm.wildcards.adam_study
    roles, unused = adam_roles(cfg["folder"], cfg.get("datasets"), efficacy_stems(cfg))
    adsl = read_table(roles["adsl"][0])
    latest, column = data_date(adsl)
    cut = cfg.get("data_cut") or latest
    files = sorted([p for paths in roles.values() for p in paths])
    manifest = build_manifest(study, cut, files, cfg, {**git_state(), "library": sm.params.library},
                              package_versions(), False)
    manifest["manifest_paths"] = [sm.output.manifest]
    manifest["config_files"] = sm.params.config_files
    Path(sm.output.manifest).write_text(manifest_json(manifest))
    tests = {k: TESTS[k][v] for k, v in cfg.get("baseline_tests", {}).items()}
    root = Path(sm.input.analysis).parent
    population = demographics_population(adsl, cfg)
    numbers = cfg.get("table_numbers")
    try:
        sections = adam_plan({**adam_facts(root), **adam_fields(cfg, tests, f"Subjects with {population} = Y"),
                              "table_numbers": numbers})
    except ValueError as err:                  # a table_numbers key that is not an output of the report
        raise ValueError(f"{sm.params.where}: {err}") from None
    currency = (f"Data cut {cut} (data_cut in the study's configuration)." if cfg.get("data_cut")
                else f"Data cut: not specified in the configuration; latest date in ADSL: {column} {latest}.")
    study_id = str(adsl["STUDYID"].iloc[0]) if "STUDYID" in adsl else study
    currency_cfg = cfg.get("data_currency", {})
    meta = dict(study_id=study_id, study_title=cfg.get("title", study_id), cut=cut,
                cut_label="Data cut" if cfg.get("data_cut") else f"Latest date in ADSL ({column})",
                extracted=currency_cfg.get("extracted"), meeting=currency_cfg.get("meeting"),
                currency_key="data_currency in the study's configuration",
                report_title=REPORT_TITLES["adam"], version=sm.params.version,
                audience=f"For DMC members only: by treatment arm. {currency} ADaM files not used: "
                         f"{', '.join(unused) or 'none'}.",
                version_text=f"trialstats report version {sm.params.version}", synthetic=False, synthetic_note="")
    source = report_source("closed", meta, sections, root, manifest, appendices(root, sections, numbers))
    Path(sm.output.typ).write_text(source)
    Path(sm.output.pdf).write_bytes(compile_report(source, root, cut))
    page = RtfPage(study=meta["study_id"], report=meta["report_title"], cut=cut, closed=True,
                   version=meta["version_text"], paper=sm.params.paper)
    written = write_rtf_tables(sections, root, Path(sm.output.rtf), page)
    Path(sm.log[0]).write_text(f"ADaM report: {sum(len(o) for _, o in sections)} outputs; RTF: {', '.join(written)}\n"
                               + json.dumps({"not used": unused}) + "\n")
