"""Ingest of one study and cut: load, validate (stop on any finding), type, cut."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .cut import apply_cut
from .ingest import load_study
from .suppqual import merge_all_supp
from .validate import ValidationFailed, format_report, typed, validate_study


@dataclass(frozen=True)
class Ingested:
    domains: dict[str, pd.DataFrame]
    cut_listing: pd.DataFrame
    reconciliation: pd.DataFrame
    report: str
    synthetic: bool
    supp_orphans: pd.DataFrame | None = None     # SUPP-- records without their parent record

    @property
    def summary(self) -> str:
        r = self.reconciliation
        lines = [f"{d}: {i} in, {k} kept, {x} removed by the cut, {c} with end unknown at the cut"
                 for d, i, k, x, c in r.itertuples(index=False)]
        return "\n".join(lines) + "\n"


def ingest_study(folder: str | Path, cut: str, report_path: str | Path | None = None) -> Ingested:
    """Validate a study folder and cut it; raise ValidationFailed (report written) on any finding."""
    study = load_study(folder)
    issues = validate_study(study)
    report = format_report(issues, folder)
    if report_path is not None:
        Path(report_path).parent.mkdir(parents=True, exist_ok=True)
        Path(report_path).write_text(report)
    if len(issues):
        raise ValidationFailed(issues, str(report_path) if report_path else None)
    frames = {d: typed(d, df) for d, df in study.frames.items()}
    domains, listing, recon = apply_cut(frames, cut)
    domains, orphans = merge_all_supp(domains)      # QNAM columns on the parents, after the cut
    return Ingested(domains, listing, recon, report, bool(study.protocol["study"].get("synthetic")), orphans)
