"""Survival: Kaplan-Meier (statsmodels SurvfuncRight) and the log-rank test (survdiff), on arrays."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


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
        z = stats.norm.ppf(0.975)
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
