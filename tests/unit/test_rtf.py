"""The RTF writer (trialstats/report/rtf.py): page, header and footer, escapes, indentation,
column widths from the content, figures, long listings."""
import re
import struct
import zlib

import pandas as pd
import pytest
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from tests.conftest import ROOT
from tests.support.rtf import table_cells
from trialstats.outputs.plan import Output
from trialstats.report.build import MissingOutput
from trialstats.report.rtf import (BANNER, TOKEN, RtfPage, char_twips, column_widths, longest_token, rtf_document,
                                   write_rtf_tables)

PAGE = RtfPage(study="NCT00000001", report="DMC closed report (by arm)", cut="2026-03-31", closed=True,
               synthetic=True, version="trialstats report version 1.0")
OUT = Output("l_16_2_3", "Listing 16.2.3", "Adverse events of special interest", "Safety set", "x.csv",
             "listing", footnote="Fever within 48 h of an infusion: Pyrexia", source="ADAE")


def listing(n):
    return pd.DataFrame({"Arm": ["A", "B"] * (n // 2), "USUBJID": [f"NCT00000001-01-{i:05d}" for i in range(n)],
                         "ASTDT": ["2025-07-29"] * n, "AEDECOD": ["Hypoglycaemia", "Naus\u00e9e {x}\\y"] * (n // 2)})


def balanced(text: str) -> bool:
    unescaped = re.sub(r"\\[{}\\]", "", text)
    depth = 0
    for ch in unescaped:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def test_a4_landscape_header_footer_banner_and_escapes():
    text = rtf_document(OUT, PAGE, OUT.footnote, frame=listing(4))
    assert text.startswith("{\\rtf1") and text.endswith("}\n") and balanced(text) and text.isascii()
    assert "\\paperw16838\\paperh11906\\landscape" in text
    header = re.search(r"\{\\header (.*?)\}\n\{\\footer", text, re.S).group(1)
    footer = re.search(r"\{\\footer (.*?)\}\n\\trowd", text, re.S).group(1)
    for part in ("NCT00000001: DMC closed report (by arm)", "Data cut 2026-03-31", BANNER,
                 "Listing 16.2.3 Adverse events of special interest", "Population: Safety set"):
        assert part in header, part
    assert "\\fldinst PAGE}" in footer and "\\fldinst NUMPAGES}" in footer and "SYNTHETIC DATA" in footer
    assert "Source: ADAE" in footer and "Fever within 48 h" in footer
    assert "Naus\\u233?e \\{x\\}\\\\y" in text                       # escaped, not lost
    assert "\\qc" not in text.split("\\trowd", 1)[1]                  # every cell left-aligned


def test_letter_paper_and_no_banner_when_open():
    text = rtf_document(OUT, RtfPage("S", "DMC open report (pooled)", "2026-03-31", paper="letter"), "",
                        frame=listing(2))
    assert "\\paperw15840\\paperh12240\\landscape" in text and "\\pgwsxn15840\\pghsxn12240" in text
    assert BANNER not in text and "SYNTHETIC" not in text
    assert max(sum(c["width"] for c in row) for row in table_cells(text)) == 15840 - 2 * 1080


def test_leading_spaces_become_an_indent_of_the_first_column():
    frame = pd.DataFrame({"Category": ["Any TEAE", "Infections", "    Nasopharyngitis"], "A (N=4)": ["1", "1", "1"]})
    rows = table_cells(rtf_document(OUT, PAGE, "", frame=frame))
    first = {r[0]["text"]: r[0] for r in rows}
    assert first["Infections"]["indent"] == 0 and first["Nasopharyngitis"]["indent"] == round(4 * char_twips(8))
    assert all(c["align"] == "ql" for r in rows for c in r)


def test_no_column_narrower_than_its_longest_token_and_the_page_is_filled():
    wide = listing(40).assign(AETERM="UPPER RESPIRATORY TRACT INFECTION WITH A VERY LONG VERBATIM TERM " * 3,
                              AEOUT="RECOVERED/RESOLVED", LONGTOKEN="X" * 40)
    rows = table_cells(rtf_document(OUT, PAGE, "", frame=wide))
    for row in rows:
        assert sum(c["width"] for c in row) == PAGE.text_width
        for c in row:
            need = (longest_token(c["text"]) * char_twips(c["size"]) + c["indent"])
            assert c["width"] - 120 >= need, c
    assert longest_token("X" * 40) == TOKEN and longest_token("发热 a") == 4        # CJK: two columns a character


def test_too_many_columns_for_the_tokens_return_none():
    frame = pd.DataFrame({f"C{i}": ["2025-07-29"] for i in range(40)})
    assert column_widths(frame, 14678, 8) is None


def png(width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\xff" * width * 3 for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_figures_are_embedded_as_png_within_the_page(tmp_path):
    (tmp_path / "f.png").write_bytes(png(300, 150))
    (tmp_path / "t.csv").write_text("Category,A\n  Indented,1\n")
    outs = [Output("f_1", "Figure 1", "A figure", "Safety set", "f.png", "figure"),
            Output("t_1", "Table 1", "A table", "Safety set", "t.csv")]
    assert write_rtf_tables([("s", outs)], tmp_path, tmp_path / "rtf", PAGE) == ["f_1", "t_1"]
    text = (tmp_path / "rtf" / "f_1.rtf").read_text()
    assert "\\pngblip\\picw300\\pich150" in text and balanced(text)
    goal = re.search(r"\\picwgoal(\d+)\\pichgoal(\d+)", text)
    assert int(goal[1]) <= PAGE.text_width and int(goal[1]) == 2 * int(goal[2])
    assert png(300, 150).hex()[:64] in text.replace("\n", "")


def test_a_planned_output_missing_fails_naming_it(tmp_path):
    (tmp_path / "t.csv").write_text("Category,A\n  Indented,1\n")
    outs = [Output("t_1", "Table 1", "A table", "Safety set", "t.csv"),
            Output("t_2", "Table 2", "Not produced", "Safety set", "missing.csv")]
    with pytest.raises(MissingOutput, match=r"1 planned output\(s\) missing .*: t_2 \(missing.csv\)"):
        write_rtf_tables([("s", outs)], tmp_path, tmp_path / "rtf", PAGE)
    assert not (tmp_path / "rtf").exists()


def test_long_listing_holds_every_row_once_with_the_column_header_in_the_page_header(tmp_path):
    frame = listing(1200)
    text = rtf_document(OUT, PAGE, OUT.footnote, frame=frame)
    header = text[text.index("{\\header"):text.index("{\\footer")]
    assert text.count("\\row") == len(frame) + 1 and header.count("\\row") == 1 and "{\\b USUBJID}" in header
    assert all(f"NCT00000001-01-{i:05d}" in text for i in range(len(frame)))
    assert rtf_document(OUT, PAGE, OUT.footnote, frame=frame) == text        # deterministic


def test_config_paper_is_a4_by_default_letter_allowed_and_nothing_else():
    schema = str(ROOT / "workflow/schemas/config.schema.yaml")
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    del config["report"]["paper"]
    validate(config, schema)
    assert config["report"]["paper"] == "a4"
    config["report"]["paper"] = "letter"
    validate(config, schema)
    config["report"]["paper"] = "a3"
    with pytest.raises(WorkflowError, match="a3"):
        validate(config, schema)


def test_open_session_marking_in_the_open_reports_header():
    from trialstats.report.rtf import OPEN_BANNER
    text = rtf_document(OUT, RtfPage("S", "DMC open report (pooled)", "2026-03-31", open_session=True), "",
                        frame=listing(2))
    header = re.search(r"\{\\header (.*?)\}\n\{\\footer", text, re.S).group(1)
    assert OPEN_BANNER in header and BANNER not in text
