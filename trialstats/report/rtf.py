"""RTF outputs, the format of clinical study reports: one file per table, listing and figure.

Written directly, not with rtflite: rtflite validates every cell (about 3 ms a row, 30 s for a
listing of 10,000 subjects), escapes characters beyond U+FFFF wrongly, and has no per-cell
indentation, content-driven column widths or page fields in a header and footer as used here.
RTF is plain text; this writer is small and tested (tests/unit/test_rtf.py, and the closed
report of the default run in tests/workflow/test_rtf_report.py).

Page: landscape A4 (or US Letter), a header on every page (study, report, data cut, the closed
banner, the output's number, title and population, and a table's column header: there it
repeats in every reader; LibreOffice ignores \\trhdr), a footer on every page (footnotes, source,
the synthetic-data label, "Page X of Y"). Tables: Courier New, so a text's width is known
exactly (0.6 em a character); every cell left-aligned; leading spaces of the first column become
a left indent; column widths from the content, never narrower than the longest unbreakable
token (up to TOKEN characters: subject ids, dates) needs. Figures: the PNG embedded (\\pngblip).
No timestamp anywhere: the same inputs give the same bytes.
"""
from __future__ import annotations

import struct
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..outputs.plan import Output
from .build import BANNER, OPEN_BANNER   # the PDFs' distribution markings
PAPER = {"a4": (11906, 16838), "letter": (12240, 15840)}   # portrait width, height (twips)
MARGIN = 1080                    # 0.75 inch on every side
GAP = 60                         # cell padding each side (\trgaph)
TOKEN = 20                       # a token up to this many characters is never broken
EM = 0.6                         # Courier New: every character 0.6 em wide
SIZES = (8, 7, 6)                # table font sizes (pt) tried, largest first, until the tokens fit
INDENT = "    "


@dataclass(frozen=True)
class RtfPage:
    """What every page of a report's RTF outputs carries."""
    study: str
    report: str
    cut: str
    closed: bool = False
    open_session: bool = False      # the open report: OPEN SESSION in the header
    synthetic: bool = False
    version: str = ""
    paper: str = "a4"

    @property
    def size(self) -> tuple[int, int]:
        """Landscape width, height (twips)."""
        width, height = PAPER[self.paper]
        return height, width

    @property
    def text_width(self) -> int:
        return self.size[0] - 2 * MARGIN


def rtf_text(value) -> str:
    """Text escaped for RTF: backslash and braces; non-ASCII as \\uN? per UTF-16 code unit, N
    signed 16-bit (RTF 1.9: CJK as one unit, a character beyond U+FFFF as its surrogate pair)."""
    text = str(value).replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}")
    return "".join(c if ord(c) < 128 else "".join(f"\\u{u if u < 32768 else u - 65536}?" for u in _utf16(c))
                   for c in text)


def _utf16(c: str) -> list[int]:
    data = c.encode("utf-16-le")
    return [int.from_bytes(data[i:i + 2], "little") for i in range(0, len(data), 2)]


def char_twips(size_pt: float) -> float:
    return EM * size_pt * 20


def text_len(text: str) -> int:
    """Width in Courier New characters: a wide (CJK) character counts as two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def longest_token(text: str) -> int:
    """Width (characters) of the longest run a line may not break (a longer one may break anywhere)."""
    return min(max((text_len(t) for t in str(text).split()), default=0), TOKEN)


def _indent(text: str) -> tuple[int, str]:
    """(leading spaces, the text without them)."""
    stripped = str(text).lstrip(" ")
    return len(str(text)) - len(stripped), stripped


def column_widths(frame: pd.DataFrame, available: int, size_pt: float) -> list[int] | None:
    """Cell widths (twips) summing to `available`: each at least its longest token (plus the first
    column's indent) and padding, the rest shared in proportion to the text each column holds;
    None when the tokens alone do not fit."""
    cw, pad = char_twips(size_pt), 2 * GAP + 20
    need, want = [], []
    for i, col in enumerate(frame.columns):
        values = [str(col)] + [str(v) for v in frame[col]]
        cells = [_indent(v) if i == 0 else (0, v) for v in values]
        need.append(int(max(n + longest_token(t) for n, t in cells) * cw + pad + 0.999))
        want.append(max(need[-1], int(min(max(n + text_len(t) for n, t in cells), 60) * cw + pad)))
    if sum(need) > available:
        return None
    if sum(want) <= available:       # room for every text on one line: share the rest by text
        widths = [int(w + (available - sum(want)) * w / sum(want)) for w in want]
    else:                            # wrap: every column keeps its tokens, the rest by text
        share = (available - sum(need)) / (sum(want) - sum(need))
        widths = [int(n + share * (w - n)) for n, w in zip(need, want)]
    widths[-1] += available - sum(widths)
    return widths


def _table(frame: pd.DataFrame, available: int) -> tuple[str, str]:
    """(the column-header row, the body rows) with the same cell edges."""
    size = next((s for s in SIZES if column_widths(frame, available, s)), SIZES[-1])
    widths = column_widths(frame, available, size) or [available // len(frame.columns)] * len(frame.columns)
    edges = [sum(widths[: i + 1]) for i in range(len(widths))]
    cw, fs = char_twips(size), f"\\fs{size * 2}"

    def row(cells, header: bool = False, last: bool = False) -> str:
        border = ("\\clbrdrt\\brdrs\\brdrw10\\clbrdrb\\brdrs\\brdrw10" if header
                  else "\\clbrdrb\\brdrs\\brdrw10" if last else "")
        bounds = "".join(f"{border}\\clvertalt\\cellx{e}" for e in edges)
        parts = []
        for i, value in enumerate(cells):
            spaces, text = _indent(value) if i == 0 else (0, str(value))
            indent = f"\\li{round(spaces * cw)}" if spaces else ""
            text = f"{{\\b {rtf_text(text)}}}" if header else rtf_text(text)
            parts.append(f"\\pard\\plain\\intbl\\ql{indent}\\f0{fs} {text}\\cell")
        start = "\\trowd\\trgaph60\\trleft0\\trkeep"
        return f"{start}{bounds}\n{''.join(parts)}\\row\n"

    values = frame.astype(str).itertuples(index=False, name=None)
    return row(frame.columns, header=True), "".join(row(v, last=i == len(frame) - 1) for i, v in enumerate(values))


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height (pixels) from the PNG header."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    return struct.unpack(">II", png[16:24])


def _figure(png: bytes, page: RtfPage) -> str:
    width, height = png_size(png)
    room_w, room_h = page.text_width, page.size[1] - 2 * MARGIN - 2600   # header and footer lines
    scale = min(room_w / width, room_h / height)
    data = png.hex()
    lines = "\n".join(data[i:i + 128] for i in range(0, len(data), 128))
    return (f"\\pard\\plain\\qc{{\\pict\\pngblip\\picw{width}\\pich{height}"
            f"\\picwgoal{round(width * scale)}\\pichgoal{round(height * scale)}\n{lines}\n}}\\par\n")


def _field(name: str) -> str:
    return f"{{\\field{{\\*\\fldinst {name}}}{{\\fldrslt 1}}}}"


def rtf_document(out: Output, page: RtfPage, footnote: str = "", frame: pd.DataFrame | None = None,
                 png: bytes | None = None) -> str:
    """One output as an RTF document: a table or listing (`frame`) or a figure (`png`)."""
    width, height = page.size
    right = f"\\tqr\\tx{page.text_width}"
    head = [f"\\pard\\plain\\ql{right}\\f0\\fs16 {rtf_text(page.study + ': ' + page.report)}\\tab "
            f"{rtf_text('Data cut ' + page.cut)}\\par"]
    if page.closed or page.open_session:
        head.append(f"\\pard\\plain\\qc\\f0\\fs18{{\\b\\cf2 {BANNER if page.closed else OPEN_BANNER}}}\\par")
    head += [f"\\pard\\plain\\ql\\sb120\\f0\\fs20{{\\b {rtf_text(out.number + ' ' + out.title)}}}\\par",
             f"\\pard\\plain\\ql\\sa120\\f0\\fs16 {rtf_text('Population: ' + out.population)}\\par"]
    if frame is not None and not frame.empty:   # the column header in the page header: on every page
        columns, rows = _table(frame, page.text_width)
        head.append(columns + "\\pard\\plain\\fs4\\par")
    notes = [n for n in (footnote, f"Source: {out.source}" if out.source else "") if n]
    label = ("SYNTHETIC DATA - not patient data. " if page.synthetic else "") + page.version
    foot = [f"\\pard\\plain\\ql\\f0\\fs14 {rtf_text(n)}\\par" for n in notes]
    foot.append(f"\\pard\\plain\\ql{right}\\brdrt\\brdrs\\brdrw10\\brsp40\\f0\\fs14 {rtf_text(label)}\\tab "
                f"Page {_field('PAGE')} of {_field('NUMPAGES')}\\par")
    if png is not None:
        body = _figure(png, page)
    elif frame is None or frame.empty:
        body = "\\pard\\plain\\ql\\f0\\fs16{\\i No records at this data cut.}\\par\n"
    else:
        body = rows + "\\pard\\plain\\par\n"
    return ("{\\rtf1\\ansi\\ansicpg1252\\deff0\\uc1\n"
            "{\\fonttbl{\\f0\\fmodern\\fcharset0 Courier New;}}\n"
            "{\\colortbl;\\red0\\green0\\blue0;\\red176\\green0\\blue0;}\n"
            f"\\paperw{width}\\paperh{height}\\landscape\\margl{MARGIN}\\margr{MARGIN}\\margt{MARGIN}"
            f"\\margb{MARGIN}\n"
            f"\\sectd\\lndscpsxn\\pgwsxn{width}\\pghsxn{height}\\headery500\\footery500\n"
            "{\\header " + "\n".join(head) + "}\n"
            "{\\footer " + "\n".join(foot) + "}\n"
            + body + "}\n")


def write_rtf_tables(sections: list, root: Path, folder: Path, page: RtfPage) -> list[str]:
    """RTF of every table, listing and figure of a report (each must be on disk); returns the ids written."""
    from .build import assert_planned_outputs, footnote_text
    assert_planned_outputs(sections, root)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for _, outputs in sections:
        for out in outputs:
            path = root / out.path
            footnote = footnote_text(out, root)
            if out.kind == "statement":        # no file: the statement is the body
                text = rtf_document(out, page, frame=pd.DataFrame({out.title: [footnote]}))
            elif out.kind == "figure":
                text = rtf_document(out, page, footnote, png=path.read_bytes())
            else:
                text = rtf_document(out, page, footnote, frame=pd.read_csv(path, dtype=str, keep_default_na=False))
            (folder / f"{out.id}.rtf").write_text(text, encoding="ascii", newline="\n")
            written.append(out.id)
    return written
