"""The primary-endpoint analyses on the embedded study: the published counts and interval."""
import pytest

from tests.unit.test_adam_study import study1  # noqa: F401 (fixture)
from trialstats.stats.binary import diff_ci, fisher_exact
from trialstats.tables import primary as P


@pytest.fixture(scope="module")
def primary(study1):  # noqa: F811
    sdtm, protocol, _, closed, _ = study1
    status = P.responder_status(closed["adsl"], closed["adeff"], protocol["responder"], "TRT01P")
    labels = P.arm_labels(status, protocol["randomization"]["control"])
    return status, labels, P.ard_primary(status, closed["adsl"], labels, ["HBA1CBL", "INSDBL"]), protocol


def test_primary_table_shows_the_published_result(primary):
    status, labels, ard, _ = primary
    table = P.t_primary(ard, labels).set_index("Statistic")
    first = table.iloc[0]
    assert (first[labels[0]], first[labels[1]]) == ("9/45 (20.0%)", "2/44 (4.5%)")
    # Zang et al. 2022 printed 2.25% to 28.66%: the Wald interval
    assert table.loc["Difference, Wald 95% CI", "Estimate (95% CI)"] == "15.45 (2.25, 28.66)"
    assert first["p"] == f"{fisher_exact(9, 45, 2, 44):.4f} (Fisher)"


def test_statuses_and_reasons(primary):
    status = primary[0]
    fas = status[status.FASFL == "Y"]
    assert set(fas.STATUS) == {"Y", "N", "missing"}
    assert (fas.loc[fas.PROHIBFL == "Y", "STATUS"] == "N").all()
    assert fas.RSPREAS.notna().all()


def test_tipping_grid_corner_is_the_primary_analysis(primary):
    status, labels, ard, _ = primary
    grid, sentence = P.ard_tipping_point(status, labels)
    corner = grid[(grid.group1_level == "0") & (grid.group2_level == "0")].set_index("stat_name").stat
    mn = diff_ci(9, 45, 2, 44, "mn")
    assert (corner["estimate"], corner["lower"], corner["upper"]) == pytest.approx((mn.estimate, mn.lower, mn.upper))
    missing = status[(status.FASFL == "Y") & (status.STATUS == "missing")].groupby("ARM").size()
    assert len(grid) == 4 * (missing[labels[0]] + 1) * (missing[labels[1]] + 1)
    # 9/45 vs 3/44 has Fisher p > 0.05: one responder among the missing placebo patients tips it
    assert fisher_exact(9, 45, 3, 44) > 0.05 and "once 1 of the" in sentence


def test_estimand_covers_ich_e9_attributes(primary):
    rows = P.estimand_rows(primary[3])
    assert {"Population", "Variable", "Population-level summary"} <= set(rows.attribute)
    assert rows.attribute.str.startswith("Intercurrent event").sum() == 2
