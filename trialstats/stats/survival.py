"""Survival: Kaplan-Meier (statsmodels SurvfuncRight) and the log-rank test (survdiff), on arrays."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .distributions import norm_ppf, norm_sf


def fit_km(time, event) -> pd.DataFrame:
    """Kaplan-Meier of one group (`time`, `event`: 1 event, 0 censored) by statsmodels (SurvfuncRight:
    product limit, Greenwood SE), as a step table indexed by time (0 and every observed time):
    at_risk, observed, censored, surv and its 95% CI on the log(-log) scale (1 and 0 where S is 1 or 0)."""
    from statsmodels.duration.survfunc import SurvfuncRight
    time, event = np.asarray(time, dtype=float), np.asarray(event, dtype=int)
    fit = SurvfuncRight(time, event)
    grid = np.unique(np.r_[0.0, time])
    k = np.searchsorted(fit.surv_times, grid, side="right") - 1          # last event time <= t
    prob, prob_se = np.r_[1.0, fit.surv_prob], np.r_[0.0, fit.surv_prob_se]   # before the first event: 1
    surv, se = prob[k + 1], prob_se[k + 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        loglog_se = se / (surv * np.abs(np.log(surv)))
        z = norm_ppf(0.975)
        inside = (surv > 0) & (surv < 1)
        lower = np.where(inside, surv ** np.exp(z * loglog_se), surv)
        upper = np.where(inside, surv ** np.exp(-z * loglog_se), surv)
    return pd.DataFrame({"at_risk": [(time >= t).sum() for t in grid],
                         "observed": [((time == t) & (event == 1)).sum() for t in grid],
                         "censored": [((time == t) & (event == 0)).sum() for t in grid],
                         "surv": surv, "lower": lower, "upper": upper}, index=grid)


def step_at(frame: pd.DataFrame, t: float) -> pd.Series:
    """The row of a step function (indexed by time) in force at time t."""
    return frame.loc[frame.index <= t].iloc[-1]


def compute_logrank_p(time, event, group) -> float:
    """The log-rank test's p across the groups of `group` (statsmodels survdiff)."""
    from statsmodels.duration.survfunc import survdiff
    _, p = survdiff(np.asarray(time, dtype=float), np.asarray(event, dtype=int), np.asarray(group))
    return float(p)


def compute_logrank(time, event, group, strata=None) -> dict[str, float]:
    """The log-rank test across the groups of `group`, stratified by `strata` when given (the
    per-stratum observed - expected and variances summed; statsmodels survdiff): chi-square,
    df (groups - 1) and p."""
    from statsmodels.duration.survfunc import survdiff
    group = np.asarray(group)
    kw = {} if strata is None else {"strata": np.asarray(strata)}
    chi2, p = survdiff(np.asarray(time, dtype=float), np.asarray(event, dtype=int), group, **kw)
    return {"chi2": float(chi2), "df": len(set(group.tolist())) - 1, "p": float(p)}


def fit_cox(time, event, treated, strata=None, ties: str = "efron", level: float = 0.95) -> dict[str, float]:
    """Cox proportional-hazards model of one 0/1 treatment indicator (statsmodels PHReg), stratified
    (a baseline hazard per stratum) when `strata` is given; Efron ties by default (SAS PROC PHREG
    TIES=EFRON, R coxph's default), "breslow" for SAS's default. The hazard ratio treated vs not
    with its Wald CI and p, the log partial likelihood, and converged (1, or 0 where the maximisation
    warned that it did not converge)."""
    from statsmodels.duration.hazard_regression import PHReg
    from statsmodels.tools.sm_exceptions import ConvergenceWarning
    x = np.asarray(treated, dtype=float).reshape(-1, 1)
    kw = {} if strata is None else {"strata": np.asarray(strata)}
    with warnings.catch_warnings(record=True) as caught, np.errstate(over="ignore"):
        warnings.simplefilter("always", ConvergenceWarning)
        fit = PHReg(np.asarray(time, dtype=float), x, status=np.asarray(event, dtype=int), ties=ties, **kw).fit()
    beta, se = float(fit.params[0]), float(fit.bse[0])
    z = norm_ppf(0.5 + level / 2)
    with np.errstate(over="ignore", invalid="ignore"):
        return {"log_hr": beta, "se": se, "hr": float(np.exp(beta)), "lower": float(np.exp(beta - z * se)),
                "upper": float(np.exp(beta + z * se)), "p": float(2 * norm_sf(abs(beta / se))),
                "loglik": float(fit.llf),
                "converged": float(not any(issubclass(w.category, ConvergenceWarning) for w in caught))}


def km_quantile(time, event, q: float = 0.5, level: float = 0.95) -> dict[str, float]:
    """The q-quantile of the survival time (median by default: the first time S(t) <= 1 - q) with
    the Brookmeyer-Crowley CI on the log(-log) scale (statsmodels; SAS PROC LIFETEST's default);
    NaN where the curve does not reach it (not estimable: reported as such, never as 0)."""
    from statsmodels.duration.survfunc import SurvfuncRight
    fit = SurvfuncRight(np.asarray(time, dtype=float), np.asarray(event, dtype=int))
    reached = bool(len(fit.surv_prob)) and fit.surv_prob.min() <= 1 - q
    estimate = float(fit.quantile(q)) if reached else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        lower, upper = fit.quantile_ci(q, alpha=1 - level, method="cloglog")
    return {"estimate": estimate, "lower": float(lower) if np.isfinite(lower) else np.nan,
            "upper": float(upper) if upper is not None and np.isfinite(upper) else np.nan}


def rmst(time, event, tau: float, level: float = 0.95) -> dict[str, float]:
    """Restricted mean survival time up to `tau`: the area under the Kaplan-Meier curve on [0, tau],
    with the Greenwood-type variance sum over event times t_i <= tau of A_i^2 d_i / (n_i (n_i - d_i)),
    A_i the area from t_i to tau (Klein & Moeschberger 4.5; R survRM2's rmst2)."""
    time, event = np.asarray(time, dtype=float), np.asarray(event, dtype=int)
    times = np.unique(time[(event == 1) & (time <= tau)])
    n = np.array([(time >= t).sum() for t in times], dtype=float)
    d = np.array([((time == t) & (event == 1)).sum() for t in times], dtype=float)
    surv = np.cumprod(1 - d / n)
    edges = np.r_[0.0, times, tau]
    heights = np.r_[1.0, surv]
    pieces = heights * np.diff(edges)
    area = float(pieces.sum())
    after = np.cumsum(pieces[::-1])[::-1][1:]                  # A_i: the area from t_i to tau
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(n > d, after ** 2 * d / (n * (n - d)), 0.0)
    se = float(np.sqrt(terms.sum()))
    z = norm_ppf(0.5 + level / 2)
    return {"estimate": area, "se": se, "lower": float(area - z * se), "upper": float(area + z * se), "tau": float(tau)}
