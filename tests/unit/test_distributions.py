"""trialstats.stats.distributions against scipy.stats itself (the reference it replaces in the methods):
equal element by element, on random arguments and at the edges of the support, for arrays and scalars."""
import numpy as np
import pytest
from scipy import stats

from trialstats.stats import distributions as D

rng = np.random.default_rng(20261207)
Q = np.concatenate([rng.random(3000), [0.0, 1.0, 0.5, 1e-300, 1 - 1e-16, 0.025, 0.975]])
X = np.concatenate([rng.normal(0, 4, 3000), [0.0, np.inf, -np.inf, 40.0, -40.0, 1.96, -1.96]])
DF = np.concatenate([rng.random(3000) * 150 + 0.3, [1.0, 2.0, 3.0, 1e6, 0.7, 86.0, 12.5]])
A, B = DF / 7 + 0.05, DF[::-1] / 7 + 0.05
U = np.concatenate([rng.random(3000), [0.0, 1.0, 0.5, 1e-12, 1 - 1e-12, -0.5, 1.5]])

CASES = [
    ("norm_cdf", lambda: (D.norm_cdf(X), stats.norm.cdf(X))),
    ("norm_sf", lambda: (D.norm_sf(X), stats.norm.sf(X))),
    ("norm_ppf", lambda: (D.norm_ppf(Q), stats.norm.ppf(Q))),
    ("norm_pdf", lambda: (D.norm_pdf(X), stats.norm.pdf(X))),
    ("t_sf", lambda: (D.t_sf(X, DF), stats.t.sf(X, DF))),
    ("t_ppf", lambda: (D.t_ppf(Q, DF), stats.t.ppf(Q, DF))),
    ("chi2_sf", lambda: (D.chi2_sf(np.abs(X), DF), stats.chi2.sf(np.abs(X), DF))),
    ("chi2_ppf", lambda: (D.chi2_ppf(Q, DF), stats.chi2.ppf(Q, DF))),
    ("f_sf", lambda: (D.f_sf(np.abs(X), DF, DF[::-1]), stats.f.sf(np.abs(X), DF, DF[::-1]))),
    ("beta_sf", lambda: (D.beta_sf(U, A, B), stats.beta.sf(U, A, B))),
    ("beta_ppf", lambda: (D.beta_ppf(Q, A, B), stats.beta.ppf(Q, A, B))),
]


@pytest.mark.parametrize("name, pair", CASES, ids=[c[0] for c in CASES])
def test_equal_to_scipy_stats_element_by_element(name, pair):
    ours, theirs = pair()
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("ours, theirs", [
    (lambda: D.norm_ppf(0.975), lambda: stats.norm.ppf(0.975)),
    (lambda: D.norm_sf(1.96), lambda: stats.norm.sf(1.96)),
    (lambda: D.norm_pdf(0.3), lambda: stats.norm.pdf(0.3)),
    (lambda: D.t_ppf(0.975, 86.0), lambda: stats.t.ppf(0.975, 86.0)),
    (lambda: D.t_sf(2.1, 40), lambda: stats.t.sf(2.1, 40)),
    (lambda: D.chi2_ppf(0.95, 1), lambda: stats.chi2.ppf(0.95, 1)),
    (lambda: D.beta_ppf(0.025, 3, 18), lambda: stats.beta.ppf(0.025, 3, 18)),
    (lambda: D.beta_sf(0.2, 3, 18), lambda: stats.beta.sf(0.2, 3, 18)),
])
def test_a_scalar_gives_a_scalar(ours, theirs):
    got, want = ours(), theirs()
    assert np.ndim(got) == 0 and isinstance(float(got), float)
    assert got == want
