"""Binary statistics cross-checked two independent ways where no published number exists."""
import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from trialstats.stats.binary import (_restricted_mle, clopper_pearson_ci, cmh_2x2, cmh_general_association,
                                     diff_ci, fisher_exact, fit_logistic, mn_score, pearson_chi2,
                                     stratified_diff_ci, wilson_ci)


@pytest.mark.parametrize("x, n", [(0, 10), (3, 10), (10, 10), (9, 45), (1, 1)])
def test_one_proportion_intervals_match_scipy(x, n):
    ref = stats.binomtest(x, n)
    for ours, method in ((clopper_pearson_ci(x, n), "exact"), (wilson_ci(x, n), "wilson")):
        theirs = ref.proportion_ci(0.95, method=method)
        assert ours.lower == pytest.approx(theirs.low, abs=1e-10)
        assert ours.upper == pytest.approx(theirs.high, abs=1e-10)


@pytest.mark.parametrize("counts", [(9, 45, 2, 44), (56, 70, 48, 80), (3, 7, 11, 12), (0, 15, 4, 12)])
def test_restricted_mle_closed_form_equals_numerical_maximum(counts):
    x1, n1, x2, n2 = counts
    for delta in (-0.4, -0.1, 0.0, 0.2, 0.5):
        lo, hi = max(0, delta), min(1, 1 + delta)
        if hi - lo < 1e-6:
            continue
        ll = lambda p1: -(stats.binom.logpmf(x1, n1, p1) + stats.binom.logpmf(x2, n2, p1 - delta))  # noqa: E731
        num = optimize.minimize_scalar(ll, bounds=(lo + 1e-12, hi - 1e-12), method="bounded",
                                       options={"xatol": 1e-12}).x
        assert _restricted_mle(x1, n1, x2, n2, delta)[0] == pytest.approx(num, abs=1e-6)


@pytest.mark.parametrize("counts", [(9, 45, 2, 44), (0, 10, 0, 10), (10, 10, 0, 10), (0, 20, 5, 20),
                                    (1, 3, 2, 2), (45, 45, 44, 44)])
def test_mn_interval_equals_the_set_of_accepted_differences(counts):
    """Grid scan of {delta: score(delta)^2 <= z^2}: an independent way to the same interval,
    edges 0/n and n/n included."""
    ci = diff_ci(*counts, method="mn")
    grid = np.linspace(-0.99999, 0.99999, 4001)
    accepted = [d for d in grid if mn_score(*counts, d) ** 2 <= stats.norm.ppf(0.975) ** 2]
    assert ci.lower == pytest.approx(min(accepted), abs=6e-4)
    assert ci.upper == pytest.approx(max(accepted), abs=6e-4)
    assert -1 <= ci.lower <= ci.estimate <= ci.upper <= 1


def test_intervals_at_zero_and_full_counts_stay_in_range():
    for method in ("wald", "newcombe", "mn"):
        for counts in ((0, 10, 0, 10), (10, 10, 10, 10), (10, 10, 0, 10), (0, 10, 10, 10)):
            ci = diff_ci(*counts, method=method)
            assert -1 <= ci.lower <= ci.estimate <= ci.upper <= 1
    assert diff_ci(10, 10, 0, 10, "mn").upper == 1.0 and diff_ci(0, 10, 10, 10, "mn").lower == -1.0


def test_bad_counts_are_refused():
    with pytest.raises(ValueError, match="0 <= x <= n"):
        diff_ci(5, 4, 1, 4)
    with pytest.raises(ValueError, match="method must be"):
        diff_ci(1, 4, 1, 4, method="exact")


def test_fisher_and_pearson_on_a_hand_computed_table():
    # 2x2 [[3, 1], [1, 3]]: hypergeometric probabilities 1/70, 16/70, 36/70, 16/70, 1/70;
    # two-sided p sums the tables no more likely than the observed (16/70): (1+16+16+1)/70
    assert fisher_exact(3, 4, 1, 4) == pytest.approx(34 / 70)
    # Pearson chi-square = N (ad - bc)^2 / (r1 r2 c1 c2) = 8 * 64 / 256 = 2
    stat, df, p = pearson_chi2([[3, 1], [1, 3]])
    assert (stat, df) == (pytest.approx(2.0), 1) and p == pytest.approx(stats.chi2.sf(2, 1))


def test_cmh_2x2_matches_statsmodels():
    from statsmodels.stats.contingency_tables import StratifiedTable
    tables = [np.array([[9, 36], [2, 42]]), np.array([[5, 10], [3, 12]]), np.array([[2, 2], [1, 5]])]
    ref = StratifiedTable(tables)
    for cc in (False, True):
        stat, df, p = cmh_2x2(tables, continuity_correction=cc)
        r = ref.test_null_odds(correction=cc)
        assert stat == pytest.approx(r.statistic) and p == pytest.approx(r.pvalue)


def test_cmh_general_association_identities():
    tables = [np.array([[9, 36], [2, 42]]), np.array([[5, 10], [3, 12]])]
    # 2 x 2 x K: the general association statistic is the uncorrected Mantel-Haenszel chi-square
    assert cmh_general_association(tables)[0] == pytest.approx(cmh_2x2(tables, False)[0])
    # one R x C table: Q = (n - 1) / n * Pearson chi-square
    t = np.array([[10, 5, 3], [4, 8, 9], [2, 3, 12]])
    q, df, _ = cmh_general_association([t])
    assert df == 4 and q == pytest.approx((t.sum() - 1) / t.sum() * pearson_chi2(t)[0])


def test_stratified_mn_reduces_to_mn_with_one_stratum():
    one = stratified_diff_ci([(9, 45, 2, 44)])
    mn = diff_ci(9, 45, 2, 44, "mn")
    assert (one.estimate, one.lower, one.upper) == pytest.approx((mn.estimate, mn.lower, mn.upper), abs=1e-9)
    # CMH-weighted estimate over strata
    strata = [(5, 20, 1, 20), (4, 25, 1, 24)]
    two = stratified_diff_ci(strata)
    w = [1 / (1 / 20 + 1 / 20), 1 / (1 / 25 + 1 / 24)]
    d = [5 / 20 - 1 / 20, 4 / 25 - 1 / 24]
    assert two.estimate == pytest.approx(sum(a * b for a, b in zip(w, d)) / sum(w))
    assert two.lower < two.estimate < two.upper


def test_firth_with_one_binary_covariate_adds_half_to_each_cell():
    # closed form: Firth's estimate for a single binary covariate is the log odds ratio of the
    # 2x2 table with 0.5 added to every cell
    d = pd.DataFrame({"y": [1] * 9 + [0] * 36 + [1] * 2 + [0] * 42, "g": [1] * 45 + [0] * 44})
    fit = fit_logistic(d, "y", ["g"], method="firth")
    assert fit.coef.set_index("term").loc["g", "estimate"] == pytest.approx(math.log(9.5 * 42.5 / (36.5 * 2.5)))


def test_separation_switches_to_firth_and_ml_agrees_otherwise():
    separated = pd.DataFrame({"y": [1] * 5 + [0] * 15, "g": [1] * 5 + [0] * 15, "x": np.arange(20.0)})
    fit = fit_logistic(separated, "y", ["g"])
    assert fit.separation and fit.method == "firth" and fit.converged
    assert fit.coef.set_index("term").loc["g", "estimate"] == pytest.approx(math.log(5.5 * 15.5 / (0.5 * 0.5)))
    rng = np.random.default_rng(1)
    x = rng.normal(size=200)
    ok = pd.DataFrame({"x": x, "y": (rng.uniform(size=200) < 1 / (1 + np.exp(-0.5 - x))).astype(float)})
    ml = fit_logistic(ok, "y", ["x"])
    assert ml.method == "ml" and not ml.separation
    # Firth and ML nearly agree in a large sample without separation
    firth = fit_logistic(ok, "y", ["x"], method="firth")
    assert firth.coef.estimate.to_numpy() == pytest.approx(ml.coef.estimate.to_numpy(), rel=0.05)


def test_firth_profile_interval_is_where_the_penalized_likelihood_drops_by_half_chi2():
    from trialstats.stats.binary import design_matrix, firth_fit
    d = pd.DataFrame({"y": [1] * 5 + [0] * 15, "g": [1] * 5 + [0] * 15})
    fit = fit_logistic(d, "y", ["g"], method="firth").coef.set_index("term").loc["g"]
    x, y, _ = design_matrix(d, "y", ["g"])
    best = firth_fit(x, y)[1]
    for bound in (fit.lower, fit.upper):
        assert best - firth_fit(x, y, (1, bound))[1] == pytest.approx(stats.chi2.ppf(0.95, 1) / 2, abs=1e-6)


def test_firth_with_several_fixed_coefficients_never_beats_the_free_fit():
    from trialstats.stats.binary import design_matrix, firth_fit
    d = pd.DataFrame({"y": [1] * 5 + [0] * 15, "g": [1] * 5 + [0] * 15, "h": [0, 1] * 10})
    x, y, _ = design_matrix(d, "y", ["g", "h"])
    free = firth_fit(x, y)[1]
    assert firth_fit(x, y, {1: 0.0, 2: 0.0})[1] <= free
    assert firth_fit(x, y, (2, 0.0))[1] == pytest.approx(firth_fit(x, y, {2: 0.0})[1])


@pytest.mark.parametrize("n1,n2", [(45, 44), (20, 20), (7, 30), (1, 3)])
def test_grid_functions_equal_the_one_table_functions(n1, n2):
    # two algorithms: bisection on arrays vs brentq per table; grouped hypergeometric tails vs scipy
    from trialstats.stats.binary import fisher_exact_grid, mn_ci_grid
    x1, x2 = (g.ravel() for g in np.meshgrid(np.arange(n1 + 1), np.arange(n2 + 1), indexing="ij"))
    lower, upper = mn_ci_grid(x1, n1, x2, n2)
    p = fisher_exact_grid(x1, n1, x2, n2)
    for i in range(len(x1)):
        ci = diff_ci(int(x1[i]), n1, int(x2[i]), n2, "mn")
        assert (lower[i], upper[i]) == pytest.approx((ci.lower, ci.upper), abs=1e-10)
        assert p[i] == pytest.approx(fisher_exact(int(x1[i]), n1, int(x2[i]), n2), abs=1e-12)


def test_logistic_ml_equals_statsmodels_glm():
    # two implementations: our Newton-Raphson vs statsmodels' IRLS (GLM Binomial)
    import statsmodels.api as sm
    from trialstats.stats.binary import logistic_ml
    rng = np.random.default_rng(7)
    x = np.column_stack([np.ones(300), rng.normal(size=300), rng.integers(0, 2, 300)])
    y = (rng.uniform(size=300) < 1 / (1 + np.exp(-(x @ [-0.5, 0.8, 1.1])))).astype(float)
    beta, cov, loglik, converged = logistic_ml(x, y)
    ref = sm.GLM(y, x, family=sm.families.Binomial()).fit()
    assert converged
    np.testing.assert_allclose(beta, ref.params, rtol=1e-8)
    np.testing.assert_allclose(np.sqrt(np.diag(cov)), ref.bse, rtol=1e-6)
    assert loglik == pytest.approx(ref.llf, rel=1e-10)


def test_nested_f_test_equals_statsmodels():
    import statsmodels.formula.api as smf
    from trialstats.tables.secondary import _nested_f_test
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"TRT": rng.choice(["A", "B"], 120), "SUB": rng.choice(["x", "y", "z"], 120),
                      "BASE": rng.normal(8, 1, 120)})
    d["CHG"] = -0.5 * (d.TRT == "A") + 0.3 * d.BASE + rng.normal(0, 1, 120)
    full, reduced = "CHG ~ C(TRT) * C(SUB) + BASE", "CHG ~ C(TRT) + C(SUB) + BASE"
    ref = smf.ols(full, data=d).fit().compare_f_test(smf.ols(reduced, data=d).fit())[1]
    assert _nested_f_test(d, full, reduced) == pytest.approx(ref, rel=1e-10)
