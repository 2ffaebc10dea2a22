"""The primary-endpoint analyses on the embedded study: the published counts and interval."""
import pytest

from tests.support.primary import ard_mi, ard_tipping_point
from tests.unit.test_adam_study import study1  # noqa: F401 (fixture)
from trialstats.protocol import analysis_visits
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
    heads = [f"{labels[0]} (N=45)", f"{labels[1]} (N=44)"]               # N = the full analysis set
    assert (first[heads[0]], first[heads[1]]) == ("9/45 (20.0%)", "2/44 (4.5%)")
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
    grid, sentence = ard_tipping_point(status, labels)
    corner = grid[(grid.group1_level == "0") & (grid.group2_level == "0")].set_index("stat_name").stat
    mn = diff_ci(9, 45, 2, 44, "mn")
    assert (corner["estimate"], corner["lower"], corner["upper"]) == pytest.approx((mn.estimate, mn.lower, mn.upper))
    missing = status[(status.FASFL == "Y") & (status.STATUS == "missing")].groupby("ARM").size()
    assert len(grid) == 4 * (missing[labels[0]] + 1) * (missing[labels[1]] + 1)
    # 9/45 vs 3/44 has Fisher p > 0.05: one responder among the missing placebo patients tips it
    assert fisher_exact(9, 45, 3, 44) > 0.05 and "once 1 of the" in sentence


def test_estimand_covers_ich_e9_attributes(primary):
    rows = P.estimand_rows(primary[3])
    assert {"Population", "Variable", "Population-level summary"} <= set(rows.Attribute)
    assert rows.Attribute.str.startswith("Intercurrent event").sum() == 2


@pytest.mark.parametrize("shards", [2, 3, 7])
def test_split_heavy_analyses_equal_the_unsplit_ones(primary, study1, shards):  # noqa: F811
    # what a cluster computes in `shards` jobs (rule primary_shard) and pools (rule primary)
    import pandas as pd
    status, labels, _, protocol = primary
    adeff = study1[3]["adeff"]
    whole = P.ard_tipping_grid(status, labels)
    rows = P.tipping_counts(status, labels)[labels[0]]["missing"] + 1
    parts = pd.concat([P.ard_tipping_grid(status, labels, P.shard_range(rows, k, shards)) for k in range(shards)],
                      ignore_index=True)
    pd.testing.assert_frame_equal(parts, whole)
    spec, visits = protocol["responder"], analysis_visits(protocol)
    wide = P.mi_wide(adeff, status, spec, visits)
    one = P.mi_estimates(wide, spec, visits, labels, range(10), seed=5)
    split = pd.concat([P.mi_estimates(wide, spec, visits, labels, P.shard_range(10, k, shards), seed=5)
                       for k in range(shards)], ignore_index=True)
    pd.testing.assert_frame_equal(split, one)
    pd.testing.assert_frame_equal(P.ard_mi_pooled(split, wide, labels, 10), ard_mi(wide, spec, visits, labels, 10, 5))


def test_pooling_refuses_a_missing_or_doubled_shard(primary, study1):  # noqa: F811
    status, labels, _, protocol = primary
    spec, visits = protocol["responder"], analysis_visits(protocol)
    wide = P.mi_wide(study1[3]["adeff"], status, spec, visits)
    part = P.mi_estimates(wide, spec, visits, labels, range(4), seed=5)
    with pytest.raises(ValueError, match="imputations 0..5 once each"):
        P.ard_mi_pooled(part, wide, labels, 6)
    grid = P.ard_tipping_grid(status, labels, range(2))
    with pytest.raises(ValueError, match="distinct cells"):
        P.tipping_statement(grid, status, labels)
    assert [len(P.shard_range(10, k, 3)) for k in range(3)] == [3, 3, 4]
