"""The distribution functions the methods use, from scipy.special: the very functions scipy.stats
calls inside (norm: ndtr/ndtri, t: stdtr/stdtrit, chi2: chdtrc/gammaincinv, F: fdtrc, beta: betaincc/
betaincinv), with scipy.stats' values at the edges of the support (ppf(0), ppf(1)).

Why not scipy.stats itself: importing it costs about 0.6 s, paid by every pipeline job that imports a
method, also the many that only need a normal quantile. Equality with scipy.stats, element by element,
is tested in tests/unit/test_distributions.py. Tests and the few methods that need more (Fisher's exact
test, chi-square contingency, Kruskal-Wallis) import scipy.stats where they use it.
"""
from __future__ import annotations

import numpy as np
from scipy import special


def _scalar(out: np.ndarray):
    return out[()] if out.ndim == 0 else out


def _ppf(values, q, lower: float, upper: float):
    """scipy.stats' ppf: `values` inside (0, 1), the support's bounds at q = 0 and q = 1, nan outside [0, 1]."""
    q = np.asarray(q, dtype=float)
    out = np.where(q == 0, lower, np.where(q == 1, upper, values))
    return _scalar(np.where((q < 0) | (q > 1) | np.isnan(q), np.nan, out).astype(float))


def norm_cdf(x):
    return special.ndtr(x)


def norm_sf(x):
    return special.ndtr(-np.asarray(x, dtype=float))[()]


def norm_ppf(q):
    return special.ndtri(q)


def norm_pdf(x):
    x = np.asarray(x, dtype=float)
    return _scalar(np.exp(-x ** 2 / 2.0) / np.sqrt(2 * np.pi))


def t_sf(x, df):
    return special.stdtr(df, -np.asarray(x, dtype=float))[()]


def t_ppf(q, df):
    with np.errstate(invalid="ignore"):
        return _ppf(special.stdtrit(df, q), q, -np.inf, np.inf)


def chi2_sf(x, df):
    return special.chdtrc(df, x)


def chi2_ppf(q, df):
    with np.errstate(invalid="ignore"):
        return _ppf(2 * special.gammaincinv(np.asarray(df, dtype=float) / 2, q), q, 0.0, np.inf)


def f_sf(x, dfn, dfd):
    return special.fdtrc(dfn, dfd, x)


def beta_sf(x, a, b):
    x = np.asarray(x, dtype=float)
    return _scalar(np.where(x <= 0, 1.0, np.where(x >= 1, 0.0, special.betaincc(a, b, np.clip(x, 0, 1)))))


def beta_ppf(q, a, b):
    return _ppf(special.betaincinv(a, b, q), q, 0.0, 1.0)
