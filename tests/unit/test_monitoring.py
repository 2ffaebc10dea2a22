"""Monitoring arithmetic cross-checked two independent ways (closed form vs simulation, exact
enumeration vs Monte Carlo)."""
import math

import numpy as np
import pytest
from scipy import stats

from trialstats.stats.monitoring import (alpha_spent, bayesian_count_boundary, beta_binomial_pmf,
                                         conditional_power, crossing_probabilities, posterior_exceedance,
                                         predictive_probability, spending_boundary)


def test_spending_functions_spend_all_alpha_at_the_end_and_nothing_at_the_start():
    for kind in ("obrien-fleming", "pocock"):
        assert alpha_spent([0.0, 1.0], 0.025, kind) == pytest.approx([0.0, 0.025])
        assert np.all(np.diff(alpha_spent(np.linspace(0, 1, 11), 0.025, kind)) > 0)
    # Pocock-type spending at half the information: alpha ln(1 + (e - 1) / 2)
    assert alpha_spent(0.5, 0.05, "pocock") == pytest.approx(0.05 * math.log(1 + (math.e - 1) / 2))


def test_boundary_crossing_probability_equals_a_brownian_motion_simulation():
    rng = np.random.default_rng(11)
    fractions = np.array([0.3, 0.6, 1.0])
    bounds = spending_boundary(fractions, 0.025, "pocock")
    theta = 2.5                                   # drift: E[Z(1)] = 2.5
    up, _ = crossing_probabilities(fractions, bounds, theta=theta)
    steps = rng.normal(theta * np.diff(np.r_[0, fractions]), np.sqrt(np.diff(np.r_[0, fractions])), (400_000, 3))
    z = np.cumsum(steps, axis=1) / np.sqrt(fractions)
    crossed = np.cumsum(z >= bounds, axis=1) > 0
    first = np.diff(np.c_[np.zeros(len(z), bool), crossed].astype(int), axis=1)
    np.testing.assert_allclose(up, first.mean(axis=0), atol=3e-3)


def test_conditional_power_closed_form_equals_simulation():
    rng = np.random.default_rng(5)
    z, t, critical, design = 1.2, 0.4, 1.96, 2.8
    cp = conditional_power(z, t, critical, design)
    b_now = z * math.sqrt(t)
    for drift, value in ((z / math.sqrt(t), cp.current_trend), (design, cp.design), (0.0, cp.null)):
        final = b_now + rng.normal(drift * (1 - t), math.sqrt(1 - t), 400_000)
        assert value == pytest.approx(np.mean(final >= critical), abs=3e-3)
    assert cp.null < cp.current_trend < cp.design


def test_beta_binomial_pmf_sums_to_one_and_has_the_beta_binomial_mean():
    pmf = beta_binomial_pmf(25, 3.0, 9.0)
    assert pmf.sum() == pytest.approx(1.0)
    assert (np.arange(26) * pmf).sum() == pytest.approx(25 * 3 / 12)
    assert pmf == pytest.approx(stats.betabinom.pmf(np.arange(26), 25, 3.0, 9.0))


def fisher_success(x1, n1, x2, n2):
    return x1 / n1 > x2 / n2 and stats.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]])[1] < 0.05


def test_predictive_probability_equals_monte_carlo():
    rng = np.random.default_rng(3)
    x, n, planned = (5, 2), (22, 21), (30, 30)
    pp = predictive_probability(x, n, planned, fisher_success)
    draws = 60_000
    p1 = rng.beta(1 + x[0], 1 + n[0] - x[0], draws)
    p2 = rng.beta(1 + x[1], 1 + n[1] - x[1], draws)
    y1, y2 = rng.binomial(planned[0] - n[0], p1), rng.binomial(planned[1] - n[1], p2)
    cache = {}
    wins = [cache.setdefault((a, b), fisher_success(x[0] + a, 30, x[1] + b, 30)) for a, b in zip(y1, y2)]
    assert pp == pytest.approx(np.mean(wins), abs=0.01)
    # complete data: the predictive probability is 1 or 0
    assert predictive_probability((9, 2), (45, 44), (45, 44), fisher_success) in (0.0, 1.0)


def test_posterior_exceedance_equals_numerical_integration():
    x, n, p0 = 4, 12, 0.2
    grid = np.linspace(0, 1, 200_001)
    dens = grid ** x * (1 - grid) ** (n - x)
    assert posterior_exceedance(x, n, p0) == pytest.approx(dens[grid > p0].sum() / dens.sum(), abs=1e-4)


def test_count_boundary_is_where_the_posterior_rule_first_triggers():
    boundary = bayesian_count_boundary(30, 0.2, 0.9)
    for n in (5, 17, 30):
        b = boundary[n - 1]
        assert posterior_exceedance(b, n, 0.2) > 0.9 >= posterior_exceedance(b - 1, n, 0.2)
    assert np.all(np.diff(boundary) >= 0)
