"""The single-arm safety review report (NCT06495437): worded for one arm, one numbering sequence,
the protocol's dose unit, trial conduct, and a listing of every TEAE."""
import re

import pandas as pd
import pypdf
import pytest

from tests.conftest import STUDY2, protocol
from trialstats.outputs.plan import report_plan

pytestmark = pytest.mark.workflow
CUT2 = "results/nct06495437/2026-03-31"
WRONG_FOR_ONE_ARM = re.compile(r"randomi|pooled|cells/kg|placebo", re.I)


def review_outputs():
    return [o for _, outs in report_plan("review", protocol(STUDY2)) for o in outs]


def test_no_randomized_pooled_placebo_or_cells_per_kg_in_the_pdf_or_its_tables(built):
    pdf = built / CUT2 / "review/report/safety_review_report.pdf"
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
    assert not WRONG_FOR_ONE_ARM.findall(text)
    for out in review_outputs():
        assert not WRONG_FOR_ONE_ARM.search(f"{out.title} {out.population} {out.footnote}"), out.id
        if out.kind != "figure":
            printed = (built / CUT2 / out.path).read_text()
            assert not WRONG_FOR_ONE_ARM.search(printed), (out.id, WRONG_FOR_ONE_ARM.findall(printed))


def test_one_numbering_sequence_in_reading_order(built):
    typ = (built / CUT2 / "review/report/safety_review_report.typ").read_text()
    headings = re.findall(r'^== #"(Table|Figure|Listing) (\S+) ', typ, re.M)
    assert len(headings) == len(review_outputs())
    for kind in ("Table", "Figure", "Listing"):
        numbers = [n for k, n in headings if k == kind]
        assert numbers == [str(i) for i in range(1, len(numbers) + 1)], kind
    assert {k for k, _ in headings} == {"Table", "Figure", "Listing"}
    summary = pd.read_csv(built / CUT2 / "review/report/executive_summary.csv", keep_default_na=False)
    guidelines = next(o.number for o in review_outputs() if o.id == "t_guidelines")
    assert f"See {guidelines}." in summary.set_index("Topic").loc["Stopping guidelines", "Finding"]


def test_exposure_in_the_protocols_dose_unit_and_trial_conduct_present(built):
    unit = protocol(STUDY2)["treatment"]["dose_unit"]
    exposure = next(o for o in review_outputs() if o.id == "t_14_1_5")
    assert unit in exposure.title
    table = pd.read_csv(built / CUT2 / exposure.path, keep_default_na=False)
    assert f"Cumulative dose ({unit})" in set(table.iloc[:, 0])
    ids = {o.id for o in review_outputs()}
    assert {"o_accrual", "o_accrual_table", "o_completeness", "o_deviations"} <= ids
    deviations = pd.read_csv(built / CUT2 / "open/tables/deviations.csv", keep_default_na=False)
    assert "Never dosed after enrolment" in set(deviations.Deviation)


def test_full_ae_listing_has_every_teae_of_the_run(built):
    adae = pd.read_parquet(built / CUT2 / "adam/adae.parquet")
    adsl = pd.read_parquet(built / CUT2 / "adam/adsl.parquet")
    teae = adae[(adae.TRTEMFL == "Y") & adae.USUBJID.isin(adsl.loc[adsl.SAFFL == "Y", "USUBJID"])]
    listing = next(o for o in review_outputs() if o.id == "l_teae")
    frame = pd.read_csv(built / CUT2 / listing.path, keep_default_na=False)
    assert len(teae) > 0 and len(frame) == len(teae)
    assert sorted(frame["Subject"]) == sorted(teae.USUBJID) and "Arm" not in frame


def test_footnotes_define_only_what_is_shown(built):
    by_id = {o.id: o for o in review_outputs()}
    assert "hypoglycaemia" not in by_id["t_14_3_6"].footnote.lower()      # the study grades no hypoglycaemia
    assert "CMH" not in by_id["t_14_3_9"].footnote
    shifts = pd.read_csv(built / CUT2 / by_id["t_14_3_9"].path, keep_default_na=False)
    assert not any(c.startswith("CMH p") for c in shifts)
    severity = pd.read_csv(built / CUT2 / by_id["t_14_3_3"].path, keep_default_na=False)
    assert "[" not in "".join(severity.iloc[:, 1]) and "[events]" not in by_id["t_14_3_3"].footnote
