"""Report assembly: PDF/UA-1 + PDF/A-2a compiled by typst (its own check refuses a figure without
alternative text or a document without a title), short outputs sharing a page, alt text of figures."""
import io

import matplotlib
import pandas as pd
import pypdf
import pytest

from trialstats.outputs.plan import Output
from trialstats.report.build import SHORT_ROWS, alt_text, compile_report, placed, table_markup

matplotlib.use("Agg")
TITLE = '#set document(title: "A report")\n#set text(lang: "en")\n= Section\n'


def pages(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture
def png(tmp_path):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    fig.savefig(tmp_path / "f.png")
    plt.close(fig)
    return "f.png"


def test_typst_refuses_a_figure_without_alt_text_or_a_title(tmp_path, png):
    assert pages(compile_report(TITLE + f'#image("{png}", alt: "Figure 1: a line")\n', tmp_path, "2020-01-01"))
    with pytest.raises(Exception, match="alt text"):
        compile_report(TITLE + f'#image("{png}")\n', tmp_path, "2020-01-01")
    with pytest.raises(Exception, match="document title"):
        compile_report('#set text(lang: "en")\nText\n', tmp_path, "2020-01-01")


def test_the_pdf_declares_both_standards(tmp_path):
    reader = pypdf.PdfReader(io.BytesIO(compile_report(TITLE + "Text\n", tmp_path, "2020-01-01")))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert "<pdfuaid:part>1</pdfuaid:part>" in xmp and "<pdfaid:part>2</pdfaid:part>" in xmp
    assert "<pdfaid:conformance>A</pdfaid:conformance>" in xmp


def frame(rows: int, tag: str) -> pd.DataFrame:
    return pd.DataFrame({"Category": [f"{tag} {i}" for i in range(rows)], "n": range(rows)})


def test_short_tables_share_a_page_and_a_long_one_starts_one(tmp_path):
    short = [placed(f"== Table {k}\n" + table_markup(frame(4, f"T{k}")), True) for k in (1, 2, 3)]
    long = placed("== Table 4\n" + table_markup(frame(SHORT_ROWS + 30, "L")), False)
    text = pages(compile_report(TITLE + "\n".join(short + [long]), tmp_path, "2020-01-01"))
    assert all(f"Table {k}" in text[0] for k in (1, 2, 3))      # three 4-row tables on one page
    assert "Table 4" not in text[0] and "Table 4" in text[1]    # the long table starts the next page
    full = [placed(f"== Table {k}\n" + table_markup(frame(SHORT_ROWS, f"F{k}")), True) for k in range(1, 5)]
    text = pages(compile_report(TITLE + "\n".join(full), tmp_path, "2020-01-01"))
    first = [k for k in range(1, 5) if f"Table {k}" in text[0]]
    assert 1 <= len(first) < 4 and f"F{first[-1]} {SHORT_ROWS - 1}" in text[0]     # a block is never split


def test_alt_text_is_the_figure_title_and_what_it_shows(tmp_path):
    out = Output(id="f", number="Figure 2", title="CONSORT flow, pooled", population="Screened", path="f.png",
                 kind="figure", footnote="Screen failures by criterion.", source="ADSL", note="")
    assert alt_text(out, tmp_path) == "Figure 2 CONSORT flow, pooled. Screen failures by criterion."


def test_uln_lines_per_sex_where_the_limits_differ():
    """Creatinine's ULN differs by sex (111 vs 81 umol/L in study 1's laboratory ranges): one line each;
    ALT's does not: one line."""
    from trialstats.figures.safety import upper_limits
    creat = pd.DataFrame({"SEX": ["M", "M", "F", "F"], "ANRHI": [111.0, 111.0, 81.0, 81.0]})
    assert upper_limits(creat) == [(111.0, " ULN men", "--"), (81.0, " ULN women", ":")]
    alt = pd.DataFrame({"SEX": ["M", "F"], "ANRHI": [40.0, 40.0]})
    assert upper_limits(alt) == [(40.0, " ULN", "--")]
    assert upper_limits(alt.drop(columns="SEX")) == [(40.0, " ULN", "--")]
    assert upper_limits(pd.DataFrame({"ANRHI": [float("nan")]})) == []


def test_abbreviations_found_in_plurals_and_before_a_word_never_inside_a_longer_one():
    from trialstats.report.build import abbreviations
    used = abbreviations("Newton-Raphson from the OLS-residual start; TEAEs; HOMA-IR; ADSL, DPP-4 inhibitors",
                         {"HOMA-IR": "homeostasis model assessment of insulin resistance"})
    assert used["Abbreviation"].tolist() == ["ADSL", "DPP-4", "HOMA-IR", "OLS", "TEAE"]
    assert "HOMA" not in used["Abbreviation"].tolist() and "DM" not in used["Abbreviation"].tolist()
