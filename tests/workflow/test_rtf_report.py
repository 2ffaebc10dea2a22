"""The RTF outputs of the closed report of the default run: A4 landscape, header with the banner and
footer with the page fields on every file, left-aligned cells, indented preferred terms, columns
wide enough for every token, every figure embedded, the same bytes on a rerun."""
import hashlib

import pandas as pd
import pytest

from tests.conftest import STUDY1, protocol
from tests.workflow.test_pipeline import snakemake
from trialstats.outputs.plan import report_plan
from tests.support.rtf import table_cells
from trialstats.report.rtf import BANNER, char_twips, longest_token

pytestmark = pytest.mark.workflow
CUT1 = "results/nct02302599/2018-12-31"


def outputs():
    return [o for _, outs in report_plan("closed", protocol(STUDY1)) for o in outs]


def rtf(built, out) -> str:
    return (built / CUT1 / "closed/report/rtf" / f"{out.id}.rtf").read_text(encoding="ascii")


def test_every_closed_output_on_a4_landscape_with_header_banner_and_page_footer(built):
    for out in outputs():
        text = rtf(built, out)
        assert "\\paperw16838\\paperh11906\\landscape" in text, out.id
        header = text[text.index("{\\header"):text.index("{\\footer")]
        footer = text[text.index("{\\footer"):]
        assert BANNER in header and "NCT02302599" in header and "Data cut 2018-12-31" in header, out.id
        assert f"{out.number} {out.title}" in header, out.id
        assert "{\\*\\fldinst PAGE}" in footer and "{\\*\\fldinst NUMPAGES}" in footer, out.id
        assert "SYNTHETIC DATA" in footer, out.id


def test_every_figure_of_the_catalog_is_embedded(built):
    figures = [o for o in outputs() if o.kind == "figure"]
    assert len(figures) >= 5
    for out in figures:
        text = rtf(built, out)
        assert "\\pngblip" in text, out.id
        assert (built / CUT1 / out.path).read_bytes()[:64].hex() in text.replace("\n", ""), out.id


def test_cells_left_aligned_pt_rows_indented_and_no_token_split(built):
    checked = 0
    for out in [o for o in outputs() if o.kind != "figure"]:
        for row in table_cells(rtf(built, out)):
            assert row[0]["align"] == "ql" and all(c["align"] == "ql" for c in row), out.id
            for cell in row:
                need = longest_token(cell["text"]) * char_twips(cell["size"]) + cell["indent"]
                assert cell["width"] - 120 >= need, (out.id, cell)
                checked += 1
    assert checked > 1000
    socpt = pd.read_csv(built / CUT1 / "closed/safety/tables/t_14_3_2.csv", dtype=str, keep_default_na=False)
    rows = table_cells(rtf(built, next(o for o in outputs() if o.id == "t_14_3_2")))[1:]
    assert len(rows) == len(socpt)
    for text, row in zip(socpt.iloc[:, 0], rows):
        spaces = len(text) - len(text.lstrip(" "))
        assert row[0]["text"] == text.strip() and row[0]["indent"] == round(spaces * char_twips(row[0]["size"]))
    assert any(r[0]["indent"] > 0 for r in rows)          # the preferred terms


def test_rtf_byte_identical_on_a_rerun(built):
    files = sorted((built / "results").rglob("report/rtf/*.rtf"))
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    assert snakemake(built, "--forcerun", "open_report", "closed_report", "review_report").returncode == 0
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in before} == before
