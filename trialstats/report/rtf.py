"""RTF tables, the format of clinical study reports: one file per displayed table.

rtflite writes them; it validates every cell's attributes (about 3 ms a row), so a listing of
thousands of rows (10,000 subjects: 9,437 AESI records, 30 s) is written by write_rtf_long
instead: the same page, title, population, header row (repeated on every page), footnote and
source, as plain RTF rows."""
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


LONG = 500          # rows above which write_rtf_long is used


def _rtf_text(value) -> str:
    """Text escaped for RTF: backslash and braces; non-ASCII as \\uN? per UTF-16 code unit, N
    signed 16-bit (RTF 1.9: CJK as one unit, a character beyond U+FFFF as its surrogate pair)."""
    text = str(value).replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}")
    return "".join(c if ord(c) < 128 else "".join(f"\\u{u if u < 32768 else u - 65536}?" for u in _utf16(c))
                   for c in text)


def _utf16(c: str) -> list[int]:
    data = c.encode("utf-16-le")
    return [int.from_bytes(data[i:i + 2], "little") for i in range(0, len(data), 2)]


def astral(frame: pd.DataFrame) -> bool:
    """Whether any cell holds a character beyond U+FFFF (rtflite escapes those wrongly)."""
    return any(ord(ch) > 0xFFFF for col in frame.columns for v in frame[col].astype(str) for ch in v
               if ord(ch) > 0x7F)


def write_rtf_long(frame: pd.DataFrame, path: str | Path, out: Output, footnote: str = "") -> None:
    """A long listing as RTF: landscape letter, title and population in the page header,
    footnote and source in the page footer, the column header repeated on every page."""
    widths = [min(max(len(str(c)), *(len(str(v)) for v in frame[c].head(400))), 46) + 2 for c in frame.columns]
    edges = [int(12960 * sum(widths[: i + 1]) / sum(widths)) for i in range(len(widths))]

    def row(cells, header: bool) -> str:
        border = "\\clbrdrt\\brdrs\\brdrw15\\clbrdrb\\brdrs\\brdrw15" if header else ""
        start = "\\trowd\\trgaph108\\trleft0" + ("\\trhdr" if header else "")
        bounds = "".join(f"{border}\\cellx{e}" for e in edges)
        text = "".join(f"\\pard\\intbl\\ql\\fs18 {_rtf_text(c)}\\cell" for c in cells)
        return f"{start}{bounds}\n{text}\\row\n"

    notes = [footnote] if footnote else []
    notes += [f"Source: {out.source}"] if out.source else []
    footer = "\\line ".join(_rtf_text(n) for n in notes)
    title, population = _rtf_text(f"{out.number} {out.title}"), _rtf_text(f"Population: {out.population}")
    parts = ["{\\rtf1\\ansi\\deff0\\deflang1033{\\fonttbl{\\f0\\froman\\fcharset0 Times New Roman;}}\n",
             "\\paperw15840\\paperh12240\\landscape\\margl1440\\margr1440\\margt2160\\margb1440"
             "\\headery720\\footery720\n",
             f"{{\\header\\pard\\qc\\fs24 {title}\\line {population}\\par}}\n",
             f"{{\\footer\\pard\\ql\\fs16 {footer}\\par}}\n",
             row(frame.columns, True)]
    parts += [row(values, False) for values in frame.astype(str).itertuples(index=False, name=None)]
    parts.append("\\pard\\par}\n")
    Path(path).write_text("".join(parts), encoding="ascii")


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
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            writer = write_rtf_long if len(frame) > LONG or astral(frame) else write_rtf
            writer(frame, folder / f"{out.id}.rtf", out, footnote)
            written.append(out.id)
    return written
