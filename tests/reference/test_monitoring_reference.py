"""Group-sequential boundaries against published values.

- Jennison & Turnbull (2000), Group Sequential Methods with Applications to Clinical Trials,
  Table 2.1 (Pocock constants C_P(K, 0.05), two-sided) and Table 2.3 (O'Brien-Fleming C_B(K, 0.05)).
- Jennison & Turnbull Table 1.1 / gsDesign's unit test "test.Deming.gsProb" (K. Anderson, 2008):
  probability of crossing +1.96 at K repeated looks without adjustment (one side): 0.042 (K = 2),
  0.063 (4), 0.097 (10), 0.124 (20).
- gsDesign's unit test "test.Deming.OFbound": O'Brien-Fleming K = 4, two-sided 0.05: 4.05, 2.86,
  2.34, 2.02.
- gsDesign, gsDesign(k = 3, test.type = 1, sfu = sfLDOF): Lan-DeMets O'Brien-Fleming spending,
  one-sided 0.025, equally spaced: 3.7103, 2.5114, 1.9930.
"""
import numpy as np
import pytest

from trialstats.stats.monitoring import alpha_spent, classical_constant, crossing_probabilities, spending_boundary

JT_POCOCK = {1: 1.960, 2: 2.178, 3: 2.289, 4: 2.361, 5: 2.413}
JT_OBF = {1: 1.960, 2: 1.977, 3: 2.004, 4: 2.024, 5: 2.040}


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_pocock_and_obrien_fleming_constants_of_jennison_turnbull(k):
    assert round(classical_constant(k, 0.05, "pocock"), 3) == JT_POCOCK[k]
    assert round(classical_constant(k, 0.05, "obrien-fleming"), 3) == JT_OBF[k]


@pytest.mark.parametrize("k, prob", [(2, 0.042), (4, 0.063), (10, 0.097), (20, 0.124)])
def test_repeated_unadjusted_testing_inflates_alpha_as_published(k, prob):
    c = np.full(k, 1.959964)
    up, _ = crossing_probabilities(np.arange(1, k + 1), c, -c)
    assert round(up.sum(), 3) == prob


def test_obrien_fleming_four_looks_as_gsdesign():
    c = classical_constant(4, 0.05, "obrien-fleming")
    bounds = c * np.sqrt(4 / np.arange(1, 5))
    assert list(np.round(bounds, 2)) == [4.05, 2.86, 2.34, 2.02]


def test_lan_demets_obrien_fleming_spending_boundary_as_gsdesign():
    bounds = spending_boundary([1 / 3, 2 / 3, 1], 0.025, "obrien-fleming")
    assert list(np.round(bounds, 4)) == [3.7103, 2.5114, 1.9930]
    # each look spends exactly the alpha the function allots (first-crossing probabilities)
    up, _ = crossing_probabilities([1 / 3, 2 / 3, 1], bounds)
    np.testing.assert_allclose(np.cumsum(up), alpha_spent([1 / 3, 2 / 3, 1], 0.025, "obrien-fleming"), atol=1e-8)


# Wassmer & Brannath (2016), Group Sequential and Confirmatory Adaptive Designs in Clinical Trials,
# sec. 4.1, pp. 87-88: a four-stage two-sided design (alpha 0.05, sigma 1), stopped at stage 2 with
# z = 3 at information 44 (22 per stage); boundaries O'Brien-Fleming 4.049 / sqrt(k), Pocock 2.361.
# Printed: stagewise-ordering p-value, median-unbiased estimate, 95% CI (the book's numbers, also
# in the unit tests of the R package DelayedGSD, tests/testthat/test-pvalueCI.R).
@pytest.mark.parametrize("first, p, mue, ci", [(4.049, 0.0014, 0.452, (0.157, 0.748)),
                                               (2.361, 0.0098, 0.419, (0.074, 0.729))])
def test_stagewise_p_median_unbiased_estimate_and_ci_as_wassmer_brannath(first, p, mue, ci):
    from trialstats.stats.monitoring import adjusted_inference
    adj = adjusted_inference(3.0, [22, 44], [first], 0.025, earlier_lower=[-first])
    assert round(adj.p_value, 4) == p
    assert round(adj.median_unbiased, 3) == mue
    assert (round(adj.lower, 3), round(adj.upper, 3)) == ci
