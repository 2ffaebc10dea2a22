"""The report of a study given as an ADaM folder (config adam_studies): the same typst
machinery as the DMC reports (title page, outline, numbered outputs with population, footnotes
and source, Page X of Y, provenance), its outputs read from results/<study>/analysis/.

Its outputs are registry entries (trialstats/outputs/registry.py, keys adam:*), planned from what the
analysis rule wrote (adam_facts): one summary table, one figure and one shift table per laboratory
category (PARCAT1) with tabulated analytes; parameters not tabulated are listed with the reason in
an appendix.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..adam.lab_window import range_text, window_text
from ..listings.safety import lab_figure_parts


BASE = "analysis"


def _listing(root: Path, name: str) -> pd.DataFrame | None:
    path = root / BASE / "listings" / f"{name}.csv"
    return pd.read_csv(path, dtype=str, keep_default_na=False) if path.exists() else None


def adam_facts(root: Path) -> dict:
    """What the analysis rule wrote that decides the report's outputs (outputs.plan.adam_plan): the
    datasets used, the laboratory categories (with or without tabulated analytes), the figures of
    each category's analytes, whether any subject has liver-test peaks and the wording of the
    laboratory shift window and normal range (listings/lab_settings; the defaults without one)."""
    files, params, peaks = (_listing(root, n) for n in ("input_files", "l_lab_parameters", "l_hys_law_peaks"))
    datasets = set(files.loc[files["Used"] == "yes", "Dataset"]) if files is not None else set()
    categories = [] if params is None else [
        (c, bool((params.loc[params["CATEGORY"] == c, "TABULATED"] == "yes").any()))
        for c in dict.fromkeys(params["CATEGORY"])]
    parts = {} if params is None else {c: len(lab_figure_parts(list(g.loc[g["TABULATED"] == "yes", "PARAMCD"])))
                                       for c, g in params.groupby("CATEGORY")}
    settings = _listing(root, "lab_settings")
    wording = dict(lab_shift_window=window_text(), lab_range=range_text()) if settings is None else \
        dict(zip(settings["FIELD"], settings["TEXT"]))
    return dict(datasets=datasets, categories=categories, figure_parts=parts,
                liver_peaks=peaks is not None and len(peaks) > 0, **wording)


def appendices(root: Path) -> list[tuple[str, pd.DataFrame]]:
    """Input files (used or not), record accounting, and the laboratory parameters with the reason
    any is not tabulated."""
    read = lambda name: _listing(root, name)  # noqa: E731
    out = [("Files of the ADaM folder: used and not used", read("input_files")),
           ("Record accounting: records in = used + excluded, by dataset", read("accounting"))]
    params = read("l_lab_parameters")
    if params is not None:
        out.append(("Laboratory parameters: tabulated or not, and why", params.rename(columns=str.capitalize)))
    return [(t, f) for t, f in out if f is not None]
