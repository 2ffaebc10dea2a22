"""The PDF reports: titles, closed banner on every page, no arm in the open report, two runs equal."""
import hashlib

import pandas as pd
import pypdf
import pytest

from tests.conftest import STUDY1
from tests.workflow.test_pipeline import project, snakemake  # noqa: F401 (fixture)
# `built`: the default pipeline run shared by the workflow tests (tests/workflow/conftest.py)
from trialstats.report.build import BANNER, OPEN_BANNER
from trialstats.outputs.plan import report_plan
from tests.conftest import STUDY2, protocol

pytestmark = pytest.mark.workflow
CUT1 = "results/nct02302599/2018-12-31"


def pdf_text(path) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in pypdf.PdfReader(path).pages]


def test_closed_report_titles_and_banner_on_every_page(built):
    pages = pdf_text(built / CUT1 / "closed/report/dmc_closed_report.pdf")
    assert len(pages) > 20 and all(BANNER in p for p in pages)
    text = " ".join(pages)
    for _, outputs in report_plan("closed", protocol(STUDY1)):
        for out in outputs:
            assert f"{out.number} {out.title}" in text, out.id
    assert "Page 1 of" in pages[0] and "Provenance" in text and "SYNTHETIC DATA" in text
    assert "9/45 (20.0%)" in text and "15.45 (2.25, 28.66)" in text


def test_section_headings_share_the_page_of_their_first_output(built):
    """No page holds a section heading alone: it sits above the section's first output."""
    pages = [p for p in pdf_text(built / CUT1 / "closed/report/dmc_closed_report.pdf") if "Contents" not in p]
    for section, outputs in report_plan("closed", protocol(STUDY1)):
        first = f"{outputs[0].number} {outputs[0].title}"
        assert any(section in p and first in p for p in pages), f"{section!r} not on the page of {first!r}"


def test_open_report_titles_and_no_arm_anywhere(built):
    pages = pdf_text(built / CUT1 / "open/report/dmc_open_report.pdf")
    text = " ".join(pages)
    for _, outputs in report_plan("open", protocol(STUDY1)):
        for out in outputs:
            assert f"{out.number} {out.title}" in text, out.id
    assert not any(BANNER in p for p in pages) and all(OPEN_BANNER in p for p in pages)
    key = pd.read_csv(STUDY1 / "randomization.csv", dtype=str)
    for secret in sorted(set(key.ARM) | set(key.ARMCD)):
        assert secret not in text, secret
    # the typst source of the open report reads no closed file
    assert "closed/" not in (built / CUT1 / "open/report/dmc_open_report.typ").read_text()


def test_review_report_of_the_single_arm_study(built):
    pages = pdf_text(built / "results/nct06495437/2026-03-31/review/report/safety_review_report.pdf")
    text = " ".join(pages)
    for _, outputs in report_plan("review", protocol(STUDY2)):
        for out in outputs:
            assert f"{out.number} {out.title}" in text, out.id
    assert not any(BANNER in p for p in pages)


def test_reports_are_byte_identical_on_a_rerun(built):
    pdfs = sorted((built / "results").rglob("*.pdf"))
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in pdfs if "/report/" in str(p)}
    assert len(before) == 3
    assert snakemake(built, "--forcerun", "open_report", "closed_report", "review_report").returncode == 0
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in before} == before


def test_tables_also_as_rtf_and_csv(built):
    folder = built / CUT1 / "closed/report/rtf"
    for out in [o for _, outputs in report_plan("closed", protocol(STUDY1)) for o in outputs if o.kind != "figure"]:
        rtf = folder / f"{out.id}.rtf"
        assert rtf.exists(), out.id
        text = rtf.read_text(errors="replace")
        assert text.startswith("{\\rtf1") and out.number in text
        assert (built / CUT1 / out.path).suffix == ".csv"


def test_html_audit_trail(built, tmp_path):
    run = snakemake(built, "--report", str(tmp_path / "audit.html"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert (tmp_path / "audit.html").stat().st_size > 10_000


@pytest.mark.parametrize("report", ["open/report/dmc_open_report.pdf", "closed/report/dmc_closed_report.pdf"])
def test_record_accounting_appendix(built, report):
    # every SDTM record: in the file = removed at the cut + used + excluded (tests/unit/test_bad_inputs.py
    # counts the same from the files); the report prints the accounting the adam job wrote
    text = " ".join(pdf_text(built / CUT1 / report))
    acc = pd.read_csv(built / CUT1 / "adam/accounting.csv")
    assert (acc.RECORDS_IN == acc.REMOVED_AT_CUT + acc.USED + acc.EXCLUDED).all()
    assert "Record accounting" in text and "Records excluded from the analysis datasets" in text
    for r in acc.itertuples():
        assert f"{r.DOMAIN} {r.RECORDS_IN} {r.REMOVED_AT_CUT} {r.AFTER_CUT} {r.USED} {r.EXCLUDED}" in text, r.DOMAIN
    excluded = pd.read_csv(built / CUT1 / "adam/excluded_records.csv")
    assert len(excluded) == acc.EXCLUDED.sum()
    # provenance: the manifests to check the inputs with (the key's only in the closed report)
    assert ("key_manifest.json" in text) == report.startswith("closed")


def test_manifests_confirm_the_inputs_of_a_report(built):
    from trialstats.cli import main
    manifests = [str(built / CUT1 / "manifest.json"), str(built / CUT1 / "closed/adam/key_manifest.json")]
    assert main(["verify", *manifests, "--base", str(built)]) == 0
    ae = built / "data/nct02302599/sdtm/ae.csv"
    original = ae.read_bytes()
    try:
        ae.write_bytes(original + b"\n")
        assert main(["verify", manifests[0], "--base", str(built)]) == 1
    finally:
        ae.write_bytes(original)


POOLED_TABLES = {"ae_soc_pt": "t_14_3_2", "aesi": "t_14_3_6", "lab_alerts": "t_14_3_10"}   # open -> closed


def test_open_safety_tables_are_pooled_and_name_no_arm(built):
    """The open session's TEAEs by SOC/PT, AESIs and liver alerts have one column, all subjects together:
    each count equals the sum over the arms of the closed side's ARD (every subject is in one arm), and
    no cell names an arm; the SAE listing is the closed one without its arm column."""
    key = pd.read_csv(STUDY1 / "randomization.csv", dtype=str)
    secrets = sorted(set(key.ARM) | set(key.ARMCD))
    tables = built / CUT1 / "open/tables"
    for name, closed_id in POOLED_TABLES.items():
        pooled = pd.read_csv(tables / f"{name}_ard.csv", keep_default_na=False)
        assert set(pooled.loc[pooled["group1"] == "ARM", "group1_level"]) == {"All subjects"}, name
        assert "CONTRAST" not in set(pooled["group1"]), name
        by_arm = pd.read_csv(built / CUT1 / f"closed/safety/ard/{closed_id}.csv", keep_default_na=False)
        by_arm = by_arm[(by_arm["group1"] == "ARM") & by_arm["stat_name"].isin(["n", "N", "events"])]
        summed = by_arm.groupby(["group2_level", "variable_level", "stat_name"])["stat"].sum()
        mine = pooled[pooled["stat_name"].isin(["n", "N", "events"])].set_index(
            ["group2_level", "variable_level", "stat_name"])["stat"]
        assert len(mine) > 5 and mine.sort_index().to_dict() == summed.sort_index().to_dict(), name
        display = pd.read_csv(tables / f"{name}.csv", dtype=str, keep_default_na=False)
        assert list(display.columns) == ["Category", "All subjects (N=90)"], name
        text = display.to_csv()
        assert not [s for s in secrets if s in text], name
    listing = pd.read_csv(tables / "sae_listing.csv", dtype=str, keep_default_na=False)
    closed = pd.read_csv(built / CUT1 / "closed/safety/listings/l_16_2_1.csv", dtype=str, keep_default_na=False)
    assert "Arm" not in listing and len(listing) == len(closed) > 0
    order = ["Subject", "Onset date", "Preferred term"]
    assert listing.sort_values(order).reset_index(drop=True).equals(
        closed.drop(columns="Arm").sort_values(order).reset_index(drop=True))
    assert not [s for s in secrets if s in listing.to_csv()]


def test_session_marking_in_every_page_header(built):
    """The distribution marking heads every page: OPEN SESSION in the open report, CLOSED SESSION in the
    closed one, none in the single-arm review."""
    for path, marking in (("open/report/dmc_open_report.pdf", OPEN_BANNER),
                          ("closed/report/dmc_closed_report.pdf", BANNER)):
        reader = pypdf.PdfReader(built / CUT1 / path)
        heads = [page.extract_text().split("\n")[:3] for page in reader.pages]
        assert all(any(marking in line for line in head) for head in heads), path


def test_reports_are_pdf_ua_1_and_pdf_a_2a(built):
    """Every report declares PDF/UA-1 and PDF/A-2a in its XMP metadata (typst checked them when it compiled:
    tests/unit/test_report_build.py), carries a title and alternative text on each figure."""
    pdfs = [built / CUT1 / "open/report/dmc_open_report.pdf", built / CUT1 / "closed/report/dmc_closed_report.pdf",
            built / "results/nct06495437/2026-03-31/review/report/safety_review_report.pdf"]
    for path in pdfs:
        reader = pypdf.PdfReader(path)
        xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
        assert "<pdfuaid:part>1</pdfuaid:part>" in xmp and "<pdfaid:part>2</pdfaid:part>" in xmp, path
        assert "<pdfaid:conformance>A</pdfaid:conformance>" in xmp and reader.metadata.title, path
        source = path.with_suffix(".typ").read_text()
        assert source.count("#image(") == source.count("alt: ") > 0, path
