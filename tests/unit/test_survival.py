"""stats.survival against printed R output and deliberately simple hand implementations.

Data: R survival's `aml` (acute myelogenous leukaemia; Miller 1981), time in weeks, status 1 = relapse.
R 4.x, survival 3.x printed output used below:
  survfit(Surv(time, status) ~ x, aml): medians Maintained 31, Nonmaintained 23
  survdiff(Surv(time, status) ~ x, aml): Chisq = 3.4 on 1 degrees of freedom, p = 0.07
  coxph(Surv(time, status) ~ x, aml): coef 0.9155, se(coef) 0.5119, p 0.0737 (x = Nonmaintained; Efron ties)
"""
import numpy as np
import pytest
from scipy import optimize, stats

from trialstats.stats.survival import compute_logrank, fit_cox, fit_km, km_quantile, rmst

MAINTAINED = [(9, 1), (13, 1), (13, 0), (18, 1), (23, 1), (28, 0), (31, 1), (34, 1), (45, 0), (48, 1), (161, 0)]
NONMAINTAINED = [(5, 1), (5, 1), (8, 1), (8, 1), (12, 1), (16, 0), (23, 1), (27, 1), (30, 1), (33, 1), (43, 1),
                 (45, 1)]
TIME = np.array([t for t, _ in MAINTAINED + NONMAINTAINED], float)
EVENT = np.array([e for _, e in MAINTAINED + NONMAINTAINED])
GROUP = np.array([0] * len(MAINTAINED) + [1] * len(NONMAINTAINED))     # 1 = Nonmaintained
STRATUM = np.array([i % 2 for i in range(len(TIME))])                   # an arbitrary second factor


def hand_km(time, event):
    """Product-limit loop: at each distinct event time S *= 1 - d/n; Greenwood's sum d / (n (n - d))."""
    s, g, out = 1.0, 0.0, {}
    for t in sorted(set(time[event == 1])):
        n, d = (time >= t).sum(), ((time == t) & (event == 1)).sum()
        s *= 1 - d / n
        g += d / (n * (n - d)) if n > d else 0.0
        out[t] = (s, g)
    return out


def test_km_equals_the_product_limit_loop_with_greenwood_loglog_ci():
    for grp in (0, 1):
        time, event = TIME[GROUP == grp], EVENT[GROUP == grp]
        km = fit_km(time, event)
        z = stats.norm.ppf(0.975)
        for t, (s, g) in hand_km(time, event).items():
            assert km.loc[t, "surv"] == pytest.approx(s, rel=1e-12)
            if 0 < s < 1:
                se = np.sqrt(g) / abs(np.log(s))        # SE of log(-log S)
                assert km.loc[t, "lower"] == pytest.approx(s ** np.exp(z * se), rel=1e-9)
                assert km.loc[t, "upper"] == pytest.approx(s ** np.exp(-z * se), rel=1e-9)
        assert km.loc[time.min(), "at_risk"] == len(time)


def hand_logrank_parts(time, event, group):
    o_e = var = 0.0
    for t in sorted(set(time[event == 1])):
        at = time >= t
        n, n1 = at.sum(), (at & (group == 1)).sum()
        d = ((time == t) & (event == 1)).sum()
        o_e += ((time == t) & (event == 1) & (group == 1)).sum() - d * n1 / n
        var += d * n1 / n * (1 - n1 / n) * (n - d) / (n - 1) if n > 1 else 0.0
    return o_e, var


def test_logrank_equals_hand_o_minus_e_over_v_and_r_survdiff():
    o_e, var = hand_logrank_parts(TIME, EVENT, GROUP)
    res = compute_logrank(TIME, EVENT, GROUP)
    assert res["chi2"] == pytest.approx(o_e ** 2 / var, rel=1e-10)
    assert (round(res["chi2"], 1), res["df"], round(res["p"], 2)) == (3.4, 1, 0.07)      # R survdiff, printed
    parts = [hand_logrank_parts(TIME[STRATUM == s], EVENT[STRATUM == s], GROUP[STRATUM == s]) for s in (0, 1)]
    stratified = compute_logrank(TIME, EVENT, GROUP, STRATUM)
    assert stratified["chi2"] == pytest.approx(sum(p[0] for p in parts) ** 2 / sum(p[1] for p in parts), rel=1e-10)


def partial_loglik(beta, time, event, x, ties):
    """Cox partial log-likelihood of one covariate written out per event time (Breslow or Efron ties)."""
    ll = 0.0
    for t in np.unique(time[event == 1]):
        dead = (time == t) & (event == 1)
        m, risk, tied = dead.sum(), np.exp(beta * x[time >= t]).sum(), np.exp(beta * x[dead]).sum()
        ll += beta * x[dead].sum()
        ll -= sum(np.log(risk - (k / m * tied if ties == "efron" else 0.0)) for k in range(m))
    return ll


def hand_cox(time, event, x, ties, strata=None):
    strata = np.zeros(len(time)) if strata is None else strata

    def ll(b):
        return sum(partial_loglik(b, time[strata == s], event[strata == s], x[strata == s], ties)
                   for s in np.unique(strata))
    beta = optimize.minimize_scalar(lambda b: -ll(b), bounds=(-10, 10), method="bounded",
                                    options={"xatol": 1e-12}).x
    h = 1e-4
    information = -(ll(beta + h) - 2 * ll(beta) + ll(beta - h)) / h ** 2
    return beta, 1 / np.sqrt(information), ll(beta)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_cox_equals_a_hand_partial_likelihood(ties):
    beta, se, ll = hand_cox(TIME, EVENT, GROUP.astype(float), ties)
    fit = fit_cox(TIME, EVENT, GROUP, ties=ties)
    assert fit["log_hr"] == pytest.approx(beta, abs=1e-6)
    assert fit["se"] == pytest.approx(se, rel=1e-4)
    assert fit["loglik"] == pytest.approx(ll, rel=1e-9)
    assert fit["hr"] == pytest.approx(np.exp(beta), rel=1e-5)
    if ties == "efron":       # R coxph's printed coefficient and SE
        assert (round(fit["log_hr"], 4), round(fit["se"], 4), round(fit["p"], 4)) == (0.9155, 0.5119, 0.0737)
    strat_beta, strat_se, _ = hand_cox(TIME, EVENT, GROUP.astype(float), ties, STRATUM)
    strat = fit_cox(TIME, EVENT, GROUP, strata=STRATUM, ties=ties)
    assert strat["log_hr"] == pytest.approx(strat_beta, abs=1e-6)
    assert strat["se"] == pytest.approx(strat_se, rel=1e-4)


@pytest.mark.parametrize("tau", [30.0, 40.0, 48.0])
def test_rmst_equals_the_area_under_the_hand_curve(tau):
    for grp in (0, 1):
        time, event = TIME[GROUP == grp], EVENT[GROUP == grp]
        km = hand_km(time, event)
        grid = np.linspace(0, tau, 400001)[:-1] + tau / 800000           # midpoints of a fine partition
        surv = np.array([min([s for t, (s, _) in km.items() if t <= u], default=1.0) for u in grid[::1000]])
        res = rmst(time, event, tau)
        area = sum(s * (min(b, tau) - a) for a, b, s in zip(
            [0.0, *[t for t in km if t <= tau]], [*[t for t in km if t <= tau], tau],
            [1.0, *[s for t, (s, _) in km.items() if t <= tau]]))
        assert res["estimate"] == pytest.approx(area, rel=1e-12)
        assert res["estimate"] == pytest.approx(surv.mean() * tau, rel=2e-2)   # and a Riemann sum agrees
        # variance: sum over event times t_i <= tau of A_i^2 d_i / (n_i (n_i - d_i)), A_i the area from t_i to tau
        var = 0.0
        for t in [t for t in km if t <= tau]:
            n, d = (time >= t).sum(), ((time == t) & (event == 1)).sum()
            later = [u for u in km if t <= u <= tau]
            a_i = sum(km[u][0] * ((later + [tau])[j + 1] - u) for j, u in enumerate(later))
            var += a_i ** 2 * d / (n * (n - d)) if n > d else 0.0
        assert res["se"] == pytest.approx(np.sqrt(var), rel=1e-10)


def test_median_with_brookmeyer_crowley_ci():
    z = stats.norm.ppf(0.975)
    for grp, printed in ((0, 31.0), (1, 23.0)):         # R survfit's printed medians
        time, event = TIME[GROUP == grp], EVENT[GROUP == grp]
        res = km_quantile(time, event)
        assert res["estimate"] == printed
        # hand: the times whose log(-log S) is within z SE of log(-log 0.5), SE by Greenwood
        inside = [t for t, (s, g) in hand_km(time, event).items() if 0 < s < 1
                  and abs(np.log(-np.log(s)) - np.log(-np.log(0.5))) <= z * np.sqrt(g) / abs(np.log(s))]
        assert res["lower"] == min(inside)


def test_a_median_not_reached_is_nan_not_zero():
    res = km_quantile([5, 10, 20, 30], [1, 0, 0, 0])
    assert np.isnan(res["estimate"])
