"""The output registry (trialstats/outputs): one entry per output, plans worded from the protocol."""
import pytest
import yaml

from tests.conftest import ROOT
from trialstats.outputs.plan import report_plan
from trialstats.outputs.registry import ENTRIES, LAYOUT, REGISTRY, entry

STUDY1, STUDY2 = (yaml.safe_load((ROOT / f"data/{s}/protocol.yaml").read_text())
                  for s in ("nct02302599", "nct06495437"))


def test_every_layout_key_is_an_entry_and_every_entry_is_placed_or_read():
    placed = {k for layout in LAYOUT.values() for _, keys in layout for k in keys}
    assert placed <= set(REGISTRY)
    unplaced = {e.key for e in ENTRIES} - placed
    assert unplaced == {"l_hys_law_peaks"}         # read by the summary and figures, not printed


def test_an_unknown_key_is_named():
    with pytest.raises(KeyError, match="'t_99' is not an output of the registry"):
        entry("t_99")


def test_review_numbers_run_in_reading_order_and_footnotes_cite_them():
    outs = [o for _, outputs in report_plan("review", STUDY2) for o in outputs]
    tables = [o.number for o in outs if o.kind == "table"]
    assert tables == [f"Table {i}" for i in range(1, len(tables) + 1)]
    number = {o.id: o.number for o in outs}
    f16 = next(o for o in outs if o.id == "f_14_3_16")
    assert f"({number['l_16_2_6']})" in f16.footnote and "16.2.6" not in f16.footnote
    assert all("{" not in o.title and "{" not in o.footnote.replace("{note}", "") for o in outs)


def test_closed_plan_follows_the_protocol():
    closed = {o.id: o for _, outs in report_plan("closed", STUDY1) for o in outs}
    assert closed["t_14_2_1"].path == "closed/tables/t_14_2_1.csv"          # responder route
    assert closed["t_guidelines"].number == "Table G.1"
    no_monitoring = {k: v for k, v in STUDY1.items() if k != "monitoring"}
    assert "t_guidelines" not in {o.id for _, outs in report_plan("closed", no_monitoring) for o in outs}
