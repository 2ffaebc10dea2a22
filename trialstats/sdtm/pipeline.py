"""Ingest of one study and cut: load, validate (stop on any finding), type, cut."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .cut import apply_cut
from .ingest import Study, load_study
from .queries import QUERY_COLUMNS, apply_rule, consent_dates, fatal_not_serious, fill_consent, \
    not_administered_queries, query_records
from .spec import empty_domain, permissible, spec_name
from .suppqual import merge_all_supp
from .validate import ValidationFailed, check_study, format_report, typed

# domains the analysis datasets read whether or not the protocol uses them: absent, they have no records
ALWAYS_READ = ("LB", "VS")


@dataclass(frozen=True)
class Ingested:
    domains: dict[str, pd.DataFrame]
    cut_listing: pd.DataFrame
    reconciliation: pd.DataFrame
    report: str
    synthetic: bool
    supp_orphans: pd.DataFrame | None = None     # SUPP-- records without their parent record
    data_queries: pd.DataFrame | None = None     # imperfect records kept or changed by a stated rule

    @property
    def summary(self) -> str:
        r = self.reconciliation
        lines = [f"{d}: {i} in, {k} kept, {x} removed by the cut, {c} with end unknown at the cut"
                 for d, i, k, x, c in r.itertuples(index=False)]
        return "\n".join(lines) + "\n"


def ingest_study(folder: str | Path, cut: str, report_path: str | Path | None = None,
                 strict: bool = False) -> Ingested:
    """Validate a study folder and cut it; raise ValidationFailed (report written) on any finding
    that stops the run. Without `strict`, findings a stated rule resolves become data queries
    (sdtm/queries.py); with it, they stop the run too."""
    study = load_study(folder)
    found = check_study(study)
    stops = found if strict else found[found["rule"] == ""].reset_index(drop=True)
    report = format_report(stops, folder)
    frames, queries = resolve_queries(study, found[found["rule"] != ""] if not strict else found.iloc[0:0])
    if len(queries) and not len(stops):
        report += (f"{len(queries)} data queries (records kept or changed by a stated rule): "
                   "sdtm/data_queries.csv\n")
    if report_path is not None:
        Path(report_path).parent.mkdir(parents=True, exist_ok=True)
        Path(report_path).write_text(report)
    if len(stops):
        raise ValidationFailed(stops, str(report_path) if report_path else None)
    frames = {d: typed(d, df) for d, df in frames.items()}
    domains, listing, recon = apply_cut(frames, cut)
    domains, orphans = merge_all_supp(domains)      # QNAM columns on the parents, after the cut
    return Ingested(domains, listing, recon, report, bool(study.protocol["study"].get("synthetic")), orphans,
                    queries)


def resolve_queries(study: Study, findings: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The study's frames with each data query's rule applied (and a blank consent date filled
    by its fallback, absent Permissible variables as blank columns, an unused LB/VS without
    records), with the data queries listed."""
    frames = dict(study.frames)
    by_file = {str(path): domain for domain, path in study.files.items()}
    queries = []
    if "DM" in frames and len(frames["DM"]):
        consent, fallback = consent_dates(frames)
        queries.append(fallback)
        if len(fallback):
            frames["DM"] = fill_consent(frames["DM"], consent)
    for f in findings.itertuples(index=False):
        domain = by_file[f.file]
        queries.append(query_records(domain, frames[domain], f.rows, f.column, f.problem, f.rule))
        frames[domain] = apply_rule(frames[domain], f.rows, f.column, f.rule)
    if "AE" in frames and len(frames["AE"]):
        queries.append(fatal_not_serious(frames["AE"]))
    if "EX" in frames and len(frames["EX"]):
        queries.append(not_administered_queries(frames["EX"], "randomization" in study.protocol))
    for domain, df in frames.items():
        absent = [c for c in permissible(spec_name(domain)) if c not in df]
        if absent:
            frames[domain] = df.assign(**{c: pd.Series(pd.NA, index=df.index, dtype="string") for c in absent})
    for domain in ALWAYS_READ:
        frames.setdefault(domain, empty_domain(domain))
    queries = [q for q in queries if len(q)]
    return frames, (pd.concat(queries, ignore_index=True) if queries else pd.DataFrame(columns=QUERY_COLUMNS))
