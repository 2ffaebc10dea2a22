"""Rule ingest: validate the study's SDTM, apply the data cut, write cut SDTM and the manifest."""
import subprocess
from pathlib import Path

from trialstats.io import write_csv, write_parquet
from trialstats.joblog import log_errors
from trialstats.provenance import build_manifest, manifest_json, package_versions
from trialstats.sdtm.pipeline import ingest_study


def git_state() -> dict:
    def git(*args):
        return subprocess.run(["git", *args], capture_output=True, text=True).stdout.strip()
    commit = git("rev-parse", "HEAD") or "unknown (not a git checkout)"
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    return {"git_commit": commit, "git_dirty": dirty}


sm = snakemake  # noqa: F821 (injected by snakemake)
with log_errors(sm.log[0]):   # the traceback of a failure into the rule's log
    result = ingest_study(sm.params.folder, sm.wildcards.cut, report_path=sm.log.report, strict=sm.params.strict)
    out = Path(sm.output.sdtm)
    out.mkdir(parents=True, exist_ok=True)
    for domain, frame in result.domains.items():
        write_parquet(frame, out / f"{domain.lower()}.parquet")
    write_csv(result.cut_listing, out / "cut_listing.csv")
    write_csv(result.reconciliation, out / "reconciliation.csv")
    write_csv(result.supp_orphans, out / "supp_orphans.csv")
    write_csv(result.data_queries, out / "data_queries.csv")
    (out / "validation_report.txt").write_text(result.report)
    manifest = build_manifest(sm.wildcards.study, sm.wildcards.cut, sm.input, sm.params.config,
                              {**git_state(), "library": sm.params.library}, package_versions(), result.synthetic)
    Path(sm.output.manifest).write_text(manifest_json(manifest))
    Path(sm.log.log).write_text(result.summary)
