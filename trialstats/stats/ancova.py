"""ANCOVA at one visit: response ~ treatment + covariates (OLS), LS means and their contrast.

LS means are at the covariates' means over the records used and, for class covariates (`factors`,
e.g. a site group), with equal weights over their levels (SAS LSMEANS); intervals from the t distribution
with the residual degrees of freedom. On the log scale (`log=True`) the contrast is returned as a
ratio of geometric means.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .distributions import t_ppf, t_sf

TIDY = ["estimate", "se", "df", "lower", "upper", "p"]


def fit_ancova(data: pd.DataFrame, response: str, treatment: str, covariates: list[str], reference: str,
               log: bool = False, level: float = 0.95, factors: list[str] = ()) -> dict:
    """{"lsmeans": frame by arm, "contrasts": frame of arm - reference (or ratio), "n": int}."""
    cols = [response, treatment, *covariates, *factors]
    d = data.dropna(subset=cols).copy()
    if log:
        bad = (d[[response, *covariates]] <= 0).any(axis=1)
        if bad.any():
            raise ValueError(f"log-scale ANCOVA needs positive {response} and covariates; "
                             f"{int(bad.sum())} record(s) are not")
        d[[response, *covariates]] = np.log(d[[response, *covariates]].astype(float))
    arms = [reference] + sorted(a for a in d[treatment].unique() if a != reference)
    if d[treatment].nunique() < 2:
        raise ValueError(f"ANCOVA of {response} needs two or more arms with data")
    levels = {f: sorted(d[f].astype(str).unique()) for f in factors}
    dummies = [(d[f].astype(str) == v).astype(float) for f in factors for v in levels[f][1:]]
    x = np.column_stack([np.ones(len(d))] + [(d[treatment] == a).astype(float) for a in arms[1:]]
                        + [d[c].astype(float) for c in covariates] + dummies)
    y = d[response].astype(float).to_numpy()
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    df = len(y) - x.shape[1]
    sigma2 = float(np.sum((y - x @ beta) ** 2) / df)
    cov = sigma2 * np.linalg.inv(x.T @ x)
    q = t_ppf(0.5 + level / 2, df)
    means = d[covariates].astype(float).mean().to_numpy() if covariates else np.array([])
    means = np.r_[means, [1 / len(levels[f]) for f in factors for _ in levels[f][1:]]]

    def row(c):
        est, se = float(c @ beta), math.sqrt(float(c @ cov @ c))
        p = float(2 * t_sf(abs(est / se), df))
        out = dict(estimate=est, se=se, df=float(df), lower=est - q * se, upper=est + q * se, p=p)
        if log:
            out.update(estimate=math.exp(est), lower=math.exp(est - q * se), upper=math.exp(est + q * se))
        return out

    weights = {}
    for i, arm in enumerate(arms):
        w = np.zeros(x.shape[1])
        w[0] = 1
        if i:
            w[i] = 1
        w[len(arms):] = means
        weights[arm] = w
    lsmeans = pd.DataFrame([{treatment: a, "n": int((d[treatment] == a).sum())} | row(w) for a, w in weights.items()])
    contrasts = pd.DataFrame([{treatment: a, "reference": reference} | row(weights[a] - weights[reference])
                              for a in arms[1:]])
    return {"lsmeans": lsmeans, "contrasts": contrasts, "n": len(y)}
