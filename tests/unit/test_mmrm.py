"""MMRM engine cross-checked two independent ways, and its errors."""
import math

import numpy as np
import pandas as pd
import pytest

from trialstats.stats.mmrm import MMRMError, fit_mmrm


def trial(n=60, visits=4, seed=3, dropout=True):
    rng = np.random.default_rng(seed)
    lag = np.abs(np.subtract.outer(np.arange(visits), np.arange(visits)))
    sigma = 2.0 * 0.6 ** lag + 0.5
    arm = np.repeat([0, 1], n // 2)
    y = rng.multivariate_normal(np.zeros(visits), sigma, n) - 0.5 * arm[:, None] * np.arange(visits)
    keep = np.ones((n, visits), bool)
    if dropout:
        for i in rng.choice(n, n // 4, replace=False):
            keep[i, rng.integers(1, visits):] = False
        keep[rng.integers(0, n), 1] = False                      # an intermittent gap
    rows = [(f"S{i}", f"V{v + 1}", "ACT" if arm[i] else "PBO", y[i, v]) for i in range(n) for v in range(visits)
            if keep[i, v]]
    d = pd.DataFrame(rows, columns=["ID", "VISIT", "ARM", "Y"])
    d["VISIT"] = pd.Categorical(d.VISIT, categories=[f"V{v + 1}" for v in range(visits)])
    return d


def dense_m2ll(d, formula, sigma, reml=True):
    """-2 log likelihood from the full N x N covariance matrix, no patterns, no shortcuts."""
    import patsy
    y, x = patsy.dmatrices(formula, d, return_type="dataframe")
    y, x = y.to_numpy().ravel(), x.to_numpy()
    v = np.zeros((len(y), len(y)))
    idx = d.VISIT.cat.codes.to_numpy()
    for s in d.ID.unique():
        rows = np.flatnonzero(d.ID.to_numpy() == s)
        v[np.ix_(rows, rows)] = sigma[np.ix_(idx[rows], idx[rows])]
    vi = np.linalg.inv(v)
    beta = np.linalg.solve(x.T @ vi @ x, x.T @ vi @ y)
    r = y - x @ beta
    out = np.linalg.slogdet(v)[1] + r @ vi @ r
    if reml:
        out += np.linalg.slogdet(x.T @ vi @ x)[1] + (len(y) - x.shape[1]) * math.log(2 * math.pi)
    else:
        out += len(y) * math.log(2 * math.pi)
    return out, beta


@pytest.mark.parametrize("cov", ["us", "cs", "ar1"])
@pytest.mark.parametrize("method", ["reml", "ml"])
def test_fitted_likelihood_equals_the_dense_computation(cov, method):
    d = trial()
    fit = fit_mmrm(d, "Y ~ ARM*VISIT", "ID", "VISIT", cov=cov, method=method, ddf="satterthwaite")
    m2ll, beta = dense_m2ll(d, "Y ~ ARM*VISIT", fit.sigma.to_numpy(), reml=method == "reml")
    assert fit.m2ll == pytest.approx(m2ll, abs=1e-8)
    np.testing.assert_allclose(fit.beta, beta, atol=1e-9)


def test_compound_symmetry_equals_a_random_intercept_model():
    """REML with compound symmetry (positive correlation) is the random-intercept model: statsmodels
    MixedLM is an independent implementation of it."""
    import statsmodels.formula.api as smf
    d = trial(n=80, dropout=True)
    fit = fit_mmrm(d, "Y ~ ARM*VISIT", "ID", "VISIT", cov="cs", ddf="satterthwaite")
    ref = smf.mixedlm("Y ~ ARM*VISIT", d, groups=d["ID"]).fit(reml=True)
    between = float(ref.cov_re.iloc[0, 0])
    sigma = fit.sigma.to_numpy()
    assert sigma[0, 1] == pytest.approx(between, rel=1e-4)
    assert sigma[0, 0] == pytest.approx(between + ref.scale, rel=1e-4)
    np.testing.assert_allclose(fit.beta, ref.fe_params.to_numpy(), rtol=1e-5, atol=1e-6)


def test_ml_and_reml_agree_on_complete_balanced_data_estimates():
    d = trial(dropout=False)
    reml = fit_mmrm(d, "Y ~ ARM*VISIT", "ID", "VISIT", method="reml", ddf="satterthwaite", convergence="exact")
    ml = fit_mmrm(d, "Y ~ ARM*VISIT", "ID", "VISIT", method="ml", ddf="satterthwaite", convergence="exact")
    # saturated means, complete data: GLS = OLS per visit for both; ML variances shrink by (n-2)/n
    np.testing.assert_allclose(reml.beta, ml.beta, atol=1e-6)
    np.testing.assert_allclose(ml.sigma.to_numpy(), reml.sigma.to_numpy() * (60 - 2) / 60, rtol=1e-5)


def test_subjects_with_one_observation_count():
    d = trial()
    singles = d.groupby("ID").size()
    assert (singles == 1).any()
    fit = fit_mmrm(d, "Y ~ ARM*VISIT", "ID", "VISIT")
    assert fit.n_subjects == d.ID.nunique() and fit.n_obs == len(d)


def test_lsmean_is_the_equally_weighted_cell_mean_in_a_saturated_model():
    d = trial(dropout=False)
    fit = fit_mmrm(d, "Y ~ ARM*VISIT", "ID", "VISIT")
    ls = fit.lsmeans(["VISIT", "ARM"]).set_index(["VISIT", "ARM"])
    observed = d.groupby(["VISIT", "ARM"], observed=True).Y.mean()
    for key, value in observed.items():
        assert ls.loc[key, "estimate"] == pytest.approx(value, abs=1e-8)


def test_errors_are_clear():
    d = trial()
    with pytest.raises(MMRMError, match="more than one record per ID and VISIT"):
        fit_mmrm(pd.concat([d, d.iloc[[0]]]), "Y ~ ARM*VISIT", "ID", "VISIT")
    with pytest.raises(MMRMError, match="rank deficient"):
        fit_mmrm(d.assign(ARM2=d.ARM), "Y ~ ARM + ARM2", "ID", "VISIT")
    with pytest.raises(MMRMError, match="cov must be one of"):
        fit_mmrm(d, "Y ~ ARM", "ID", "VISIT", cov="toeplitz")
    with pytest.raises(MMRMError, match="no complete records"):
        fit_mmrm(d.assign(Y=np.nan), "Y ~ ARM", "ID", "VISIT")
