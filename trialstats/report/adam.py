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
from ..outputs.plan import number_crosswalk
from ..tables.format import VARIABLE_LABELS

BASE = "analysis"


def _listing(root: Path, name: str) -> pd.DataFrame | None:
    path = root / BASE / "listings" / f"{name}.csv"
    return pd.read_csv(path, dtype=str, keep_default_na=False) if path.exists() else None


def adam_facts(root: Path) -> dict:
    """What the analysis rule wrote that decides the report's outputs (outputs.plan.adam_plan): the
    datasets used, the laboratory categories (with or without tabulated analytes), the figures of
    each category's analytes, whether any subject has liver-test peaks, the wording of the laboratory
    shift window and normal range (listings/lab_settings; the defaults without one) and the configured
    efficacy analyses (listings/efficacy_analyses)."""
    files, params, peaks, efficacy = (_listing(root, n) for n in ("input_files", "l_lab_parameters",
                                                                    "l_hys_law_peaks", "efficacy_analyses"))
    datasets = set(files.loc[files["Used"] == "yes", "Dataset"]) if files is not None else set()
    folder = set() if files is None else {f.split(".")[0].upper() for f in files["File"]}
    categories = [] if params is None else [
        (c, bool((params.loc[params["CATEGORY"] == c, "TABULATED"] == "yes").any()))
        for c in dict.fromkeys(params["CATEGORY"])]
    analyses = [] if efficacy is None else [
        dict(k=r["K"], eid=r["ID"], efficacy_title=r["TITLE"], efficacy_population=r["POPULATION"],
             efficacy_source=r["SOURCE"], figure=r["FIGURE"] == "yes", ref_table=f"Table 14.2.{r['K']}")
        for r in efficacy.to_dict("records")]
    parts = {} if params is None else {c: len(lab_figure_parts(list(g.loc[g["TABULATED"] == "yes", "PARAMCD"])))
                                       for c, g in params.groupby("CATEGORY")}
    settings = _listing(root, "lab_settings")
    wording = dict(lab_shift_window=window_text(), lab_range=range_text()) if settings is None else \
        dict(zip(settings["FIELD"], settings["TEXT"]))
    return dict(datasets=datasets, folder=folder, categories=categories, figure_parts=parts,
                liver_peaks=peaks is not None and len(peaks) > 0, efficacy=analyses, **wording)


def appendices(root: Path, sections: list | None = None,
               study_numbers: dict[str, str] | None = None) -> list[tuple[str, pd.DataFrame]]:
    """The report's outputs with their files and (where the config gives them) the study's own numbers,
    input files (used or not), record accounting (of the datasets and of the efficacy analyses), the
    data queries, and the laboratory parameters with the reason any is not tabulated."""
    read = lambda name: _listing(root, name)  # noqa: E731
    numbers = [] if sections is None else [
        ("Output numbers: this report's, its files" + (" and the study's own" if study_numbers else ""),
         number_crosswalk(sections, study_numbers))]
    out = [*numbers, ("Files of the ADaM folder: used and not used", read("input_files")),
           ("Record accounting: records in = used + excluded, by dataset", read("accounting")),
           ("Record accounting of the efficacy analyses: records in = used + excluded, by analysis",
            read("efficacy_accounting")),
           ("Data queries: records kept as recorded, with the rule applied", read("data_queries"))]
    params = read("l_lab_parameters")
    if params is not None:
        out.append(("Laboratory parameters: tabulated or not, and why",
                    params.rename(columns=lambda c: VARIABLE_LABELS.get(c, c.capitalize()))))
    return [(t, f) for t, f in out if f is not None]
