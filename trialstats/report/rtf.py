"""RTF tables (rtflite), the format of clinical study reports: one file per displayed table."""
from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pandas as pd

from .catalog import Output


def write_rtf(frame: pd.DataFrame, path: str | Path, out: Output, footnote: str = "") -> None:
    import polars as pl
    import rtflite as rtf

    if frame.empty:
        frame = pd.DataFrame({"": ["No records at this data cut."]})
    widths = [min(max(len(str(c)), *(len(str(v)) for v in frame[c].head(400))), 46) + 2 for c in frame.columns]
    doc = rtf.RTFDocument(
        df=pl.from_pandas(frame.astype(str)), rtf_page=rtf.RTFPage(orientation="landscape"),
        rtf_title=rtf.RTFTitle(text=[f"{out.number} {out.title}", f"Population: {out.population}"]),
        rtf_body=rtf.RTFBody(col_rel_width=widths),
        rtf_footnote=rtf.RTFFootnote(text=[footnote]) if footnote else None,
        rtf_source=rtf.RTFSource(text=[f"Source: {out.source}"]) if out.source else None)
    with contextlib.redirect_stdout(io.StringIO()):   # rtflite prints the path it writes
        doc.write_rtf(str(path))


def write_rtf_tables(sections: list, root: Path, folder: Path) -> list[str]:
    """RTF of every table and listing of a report; returns the ids written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for _, outputs in sections:
        for out in outputs:
            path = root / out.path
            if out.kind == "figure" or not path.exists():
                continue
            footnote = out.footnote
            if footnote.startswith("@"):
                note = root / footnote[1:]
                footnote = note.read_text().strip() if note.exists() else ""
            write_rtf(pd.read_csv(path, dtype=str, keep_default_na=False), folder / f"{out.id}.rtf", out, footnote)
            written.append(out.id)
    return written
