"""Binary-endpoint intervals against published numbers, each source named beside its numbers."""
import pytest

from trialstats.stats.binary import diff_ci

# Newcombe (1998), Stat Med 17:873-890, Table II (as encoded in the tests of
# GSK-Biostatistics/cicalc and petelaud/ratesci; ../shared/reference/README.md). 95% intervals.
NEWCOMBE_TABLE_II = [
    ((56, 70, 48, 80), "wald", (0.0575, 0.3425)),
    ((56, 70, 48, 80), "mn", (0.0528, 0.3382)),
    ((56, 70, 48, 80), "newcombe", (0.0524, 0.3339)),
    ((9, 10, 3, 10), "wald", (0.2605, 0.9395)),
    ((9, 10, 3, 10), "mn", (0.1700, 0.8406)),
    ((9, 10, 3, 10), "newcombe", (0.1705, 0.8090)),
]


@pytest.mark.parametrize("counts, method, expected", NEWCOMBE_TABLE_II)
def test_newcombe_table_ii(counts, method, expected):
    ci = diff_ci(*counts, method=method)
    assert (round(ci.lower, 4), round(ci.upper, 4)) == expected


def test_published_primary_interval_of_nct02302599():
    # Zang et al., Stem Cell Res Ther 2022: 20.00% vs 4.55%, 95% CI of the difference 2.25% to
    # 28.66%, reproduced by a Wald interval for 9/45 vs 2/44 (STUDIES.md)
    ci = diff_ci(9, 45, 2, 44, method="wald")
    assert round(100 * ci.estimate, 2) == 15.45
    assert (round(100 * ci.lower, 2), round(100 * ci.upper, 2)) == (2.25, 28.66)
