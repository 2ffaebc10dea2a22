"""Multiple imputation under MAR and Rubin's rules.

Imputation: sequential Bayesian linear regression over visits within each group (as SAS PROC MI
MONOTONE REG): at each visit, each variable is regressed on the baselines, all variables at all
earlier visits and the variables already imputed at this visit (for monotone missingness this is
the multivariate normal model per group, factorised); parameters are drawn from their
posterior (sigma^2 ~ (n - k) s^2 / chi2(n - k), beta ~ N(b, sigma^2 (X'X)^-1)) and missing values
from the predictive distribution. An intermittent gap is filled by the same sequence (conditional
on the earlier visits, themselves imputed if missing): an approximation to a full MCMC model that
the report states. Seeded: the same seed gives the same imputations.

Pooling: Rubin's rules with Barnard & Rubin (1999) degrees of freedom.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .distributions import norm_ppf, norm_sf, t_ppf, t_sf


@dataclass(frozen=True)
class Pooled:
    estimate: float
    se: float
    df: float
    lower: float
    upper: float
    p: float
    within: float       # mean within-imputation variance U-bar
    between: float      # between-imputation variance B
    m: int

    def tidy(self) -> dict:
        return dict(estimate=self.estimate, se=self.se, df=self.df, lower=self.lower, upper=self.upper, p=self.p)


def rubin(estimates, variances, df_complete: float | None = None, level: float = 0.95) -> Pooled:
    """Pool m estimates and their variances (Rubin 1987): Qbar, T = Ubar + (1 + 1/m) B. Degrees of
    freedom by Barnard & Rubin (1999), as mice's pool.scalar / barnard.rubin:
        lambda = (1 + 1/m) B / T,  df_old = (m - 1) / lambda^2,
        df_obs = (nu + 1) / (nu + 3) * nu * (1 - lambda),  df = df_old df_obs / (df_old + df_obs),
    nu the complete-data df (None = infinite: df = df_old, Rubin's 1987 df). At B = 0 (identical
    imputations, or no missing value) df_old is infinite and df is its limit df_obs =
    (nu + 1) / (nu + 3) nu (mice floors lambda at 1e-4 instead, which gives a df within 0.01%
    of it); with nu infinite too, the normal distribution."""
    q = np.asarray(estimates, dtype=float)
    u = np.asarray(variances, dtype=float)
    m = len(q)
    qbar, ubar = float(q.mean()), float(u.mean())
    b = float(q.var(ddof=1)) if m > 1 else 0.0
    t = ubar + (1 + 1 / m) * b
    lam = (1 + 1 / m) * b / t if t > 0 else 0.0
    df_old = (m - 1) / lam ** 2 if lam > 0 and m > 1 else math.inf
    if df_complete is None or math.isinf(df_complete):
        df = df_old
    else:
        nu = float(df_complete)
        df_obs = (nu + 1) / (nu + 3) * nu * (1 - lam)
        df = df_obs if math.isinf(df_old) else df_old * df_obs / (df_old + df_obs)
    se = math.sqrt(t)
    crit = norm_ppf(0.5 + level / 2) if math.isinf(df) else t_ppf(0.5 + level / 2, df)
    tstat = qbar / se if se > 0 else math.copysign(math.inf, qbar) if qbar else 0.0
    p = float(2 * (norm_sf(abs(tstat)) if math.isinf(df) else t_sf(abs(tstat), df)))
    return Pooled(qbar, se, df, qbar - crit * se, qbar + crit * se, p, ubar, b, m)


def _draw_regression(rng, x_obs, y_obs):
    """One posterior draw of (beta, sigma) for y ~ x under the standard noninformative prior."""
    n, k = x_obs.shape
    xtx_inv = np.linalg.pinv(x_obs.T @ x_obs)
    beta_hat = xtx_inv @ x_obs.T @ y_obs
    resid = y_obs - x_obs @ beta_hat
    dof = max(n - k, 1)
    sigma2 = float(resid @ resid) / rng.chisquare(dof)
    chol = np.linalg.cholesky(xtx_inv * sigma2 + 1e-12 * np.eye(k))
    return beta_hat + chol @ rng.standard_normal(k), math.sqrt(sigma2)


def impute_sequential(wide: pd.DataFrame, variables: list[str], visits: list[str], baselines: list[str],
                      group: str | None, m: int | range, seed: int) -> list[pd.DataFrame]:
    """Completed copies of `wide` (one row per subject; columns f"{var}@{visit}" and the
    baselines): imputations 0..m-1, or those in a range. Within each group, visits are imputed in
    order, variables in the given order. Imputation i draws from its own stream (seed, i), so a
    range of imputations computed apart (a cluster job) equals the same ones computed together."""
    targets = [f"{var}@{visit}" for visit in visits for var in variables]
    columns = list(baselines) + targets
    values = wide[columns].to_numpy(dtype=float)
    groups = [np.arange(len(wide))] if group is None else \
        [np.flatnonzero((wide[group] == g).to_numpy()) for g in sorted(wide[group].unique())]
    # each target regressed on the baselines and every target before it (earlier visits, and
    # earlier variables at the same visit)
    steps = [(len(baselines) + t, list(range(len(baselines) + t))) for t in range(len(targets))]
    out = []
    for i in (range(m) if isinstance(m, int) else m):
        rng = np.random.default_rng([seed, i])
        done = values.copy()
        for rows in groups:
            block = done[rows]
            for col, preds in steps:
                y = block[:, col]
                miss = np.isnan(y)
                if not miss.any():
                    continue
                x = np.column_stack([np.ones(len(rows)), block[:, preds]])
                complete_x = ~np.isnan(x).any(axis=1)
                usable = ~miss & complete_x
                if usable.sum() <= x.shape[1]:
                    raise ValueError(f"too few observed values of {columns[col]} to impute ({usable.sum()})")
                beta, sigma = _draw_regression(rng, x[usable], y[usable])
                fill = miss & complete_x
                block[fill, col] = x[fill] @ beta + sigma * rng.standard_normal(fill.sum())
            done[rows] = block
        frame = wide.copy()
        frame[columns] = done
        out.append(frame)
    return out
