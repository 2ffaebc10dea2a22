"""Binary endpoints: intervals for one proportion and a difference, tests, CMH, logistic models.

Difference p1 - p2:
- "wald": p1 - p2 +/- z sqrt(p1 q1 / n1 + p2 q2 / n2)
- "newcombe": hybrid score interval from the two Wilson intervals (Newcombe 1998, method 10)
- "mn": Miettinen-Nurminen score interval with the N/(N-1) variance factor (SAS CL=MN),
  restricted maximum likelihood by the closed form of Farrington & Manning (1990). Written here:
  statsmodels 0.15's score interval for a difference is wrong (statsmodels issue 10269).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special

from .distributions import beta_ppf, chi2_ppf, chi2_sf, norm_ppf, norm_sf

DIFF_METHODS = ("wald", "newcombe", "mn")


@dataclass(frozen=True)
class Interval:
    estimate: float
    lower: float
    upper: float
    method: str
    level: float


def _z(level: float) -> float:
    return float(norm_ppf(0.5 + level / 2))


def _check_counts(x: int, n: int) -> None:
    if n <= 0 or x < 0 or x > n or int(x) != x or int(n) != n:
        raise ValueError(f"need integer counts 0 <= x <= n, n > 0; got x={x}, n={n}")


# --- one proportion ---------------------------------------------------------------------------

def wilson_ci(x: int, n: int, level: float = 0.95) -> Interval:
    """Wilson score interval for x/n."""
    _check_counts(x, n)
    z, p = _z(level), x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half), "wilson", level)


def clopper_pearson_ci(x: int, n: int, level: float = 0.95) -> Interval:
    """Exact (Clopper-Pearson) interval from beta quantiles; 0 and 1 at the edges."""
    _check_counts(x, n)
    a = 1 - level
    lower = 0.0 if x == 0 else float(beta_ppf(a / 2, x, n - x + 1))
    upper = 1.0 if x == n else float(beta_ppf(1 - a / 2, x + 1, n - x))
    return Interval(x / n, lower, upper, "clopper-pearson", level)


# --- difference of two proportions -------------------------------------------------------------

def _restricted_mle(x1, n1, x2, n2, delta):
    """MLE of (p1, p2) under p1 - p2 = delta (Farrington & Manning 1990, closed form)."""
    pt1, pt2 = _restricted_mle_arrays(np.float64(x1), n1, np.float64(x2), n2, np.float64(delta))
    return float(pt1), float(pt2)


def mn_score(x1, n1, x2, n2, delta, correction: bool = True) -> float:
    """Miettinen-Nurminen score statistic for H0: p1 - p2 = delta."""
    pt1, pt2 = _restricted_mle(x1, n1, x2, n2, delta)
    var = pt1 * (1 - pt1) / n1 + pt2 * (1 - pt2) / n2
    if correction:
        n = n1 + n2
        var *= n / (n - 1)
    diff = x1 / n1 - x2 / n2 - delta
    if var <= 0:
        return 0.0 if abs(diff) < 1e-15 else math.copysign(math.inf, diff)
    return diff / math.sqrt(var)


def _score_bound(score, estimate, crit, side):
    """Root of score(delta)^2 = crit beyond the estimate on one side; +/-1 if never reached."""
    edge = -1.0 if side < 0 else 1.0
    f = lambda d: score(d) ** 2 - crit  # noqa: E731
    inner = estimate
    outer = edge - side * 1e-12
    if f(outer) <= 0:
        return edge
    if f(inner) > 0:
        return estimate
    return float(optimize.brentq(f, min(inner, outer), max(inner, outer), xtol=1e-12, rtol=1e-13))


def diff_ci(x1: int, n1: int, x2: int, n2: int, method: str = "mn", level: float = 0.95) -> Interval:
    """Confidence interval for p1 - p2 (method "wald", "newcombe" or "mn")."""
    _check_counts(x1, n1)
    _check_counts(x2, n2)
    p1, p2 = x1 / n1, x2 / n2
    d = p1 - p2
    z = _z(level)
    if method == "wald":
        half = z * math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
        return Interval(d, d - half, d + half, method, level)
    if method == "newcombe":
        w1, w2 = wilson_ci(x1, n1, level), wilson_ci(x2, n2, level)
        lower = d - math.sqrt((p1 - w1.lower) ** 2 + (w2.upper - p2) ** 2)
        upper = d + math.sqrt((w1.upper - p1) ** 2 + (p2 - w2.lower) ** 2)
        return Interval(d, lower, upper, method, level)
    if method == "mn":
        score = lambda delta: mn_score(x1, n1, x2, n2, delta)  # noqa: E731
        crit = z * z
        return Interval(d, _score_bound(score, d, crit, -1), _score_bound(score, d, crit, +1), method, level)
    raise ValueError(f"method must be one of {DIFF_METHODS}, got {method!r}")


def score_ci(x1: int, n1: int, x2: int, n2: int, z: float, correction: bool = True) -> tuple[float, float]:
    """The differences p1 - p2 whose score statistic is within -/+ z: Miettinen-Nurminen, or
    Farrington-Manning with `correction` False (the repeated CI of a look at its boundary z)."""
    d = x1 / n1 - x2 / n2
    score = lambda delta: mn_score(x1, n1, x2, n2, delta, correction)  # noqa: E731
    return _score_bound(score, d, z * z, -1), _score_bound(score, d, z * z, +1)


def _restricted_mle_arrays(x1, n1, x2, n2, delta):
    """The restricted MLE of (p1, p2) under p1 - p2 = delta, element-wise on arrays: the closed
    form of Farrington & Manning (1990)."""
    p1, p2 = x1 / n1, x2 / n2
    theta = n2 / n1
    a = 1 + theta
    b = -(1 + theta + p1 + theta * p2 + delta * (theta + 2))
    c = delta * delta + delta * (2 * p1 + theta + 1) + p1 + theta * p2
    d = -p1 * delta * (1 + delta)
    v = b ** 3 / (27 * a ** 3) - b * c / (6 * a * a) + d / (2 * a)
    u = np.sqrt(np.maximum(b * b / (9 * a * a) - c / (3 * a), 0.0))
    u = np.where(v < 0, -u, u)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(u == 0, 0.0, np.clip(v / u ** 3, -1.0, 1.0))
    w = (np.pi + np.arccos(ratio)) / 3
    pt1 = np.clip(2 * u * np.cos(w) - b / (3 * a), 0.0, 1.0)
    return pt1, np.clip(pt1 - delta, 0.0, 1.0)


def mn_ci_grid(x1, n1: int, x2, n2: int, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Miettinen-Nurminen bounds for many tables at once (x1, x2 arrays; n1, n2 fixed): the same
    score as mn_score. Each bound is the root of g(delta) = (d - delta)^2 - z^2 V(delta), which
    has the sign of score^2 - z^2 and stays finite at the edges, found by regula falsi with the
    Illinois modification inside the bracket [estimate, +/-1], all tables together."""
    x1, x2 = np.asarray(x1, dtype=float), np.asarray(x2, dtype=float)
    for x, n in ((x1, n1), (x2, n2)):
        if n <= 0 or (x < 0).any() or (x > n).any():
            raise ValueError(f"counts must satisfy 0 <= x <= n with n > 0 (n={n})")
    est = x1 / n1 - x2 / n2
    crit = _z(level) ** 2 * (n1 + n2) / (n1 + n2 - 1)

    def g(delta, at):
        pt1, pt2 = _restricted_mle_arrays(x1[at], n1, x2[at], n2, delta)
        return (est[at] - delta) ** 2 - crit * (pt1 * (1 - pt1) / n1 + pt2 * (1 - pt2) / n2)

    bounds = []
    every = np.arange(len(est))
    p1, p2 = x1 / n1, x2 / n2
    near = 2 * np.sqrt(crit * (p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2 + 1 / (n1 + n2)))  # > Wald half-width
    for side in (-1.0, 1.0):
        edge = np.full_like(est, side - side * 1e-12)
        at_edge = g(edge, every) <= 0
        a = est.copy()                                 # g(a) <= 0 < g(b)
        b = np.clip(est + side * near, -1 + 1e-12, 1 - 1e-12)
        gb = g(b, every)
        b, gb = np.where(gb > 0, b, edge), np.where(gb > 0, gb, g(edge, every))
        ga = np.minimum(g(a, every), -1e-300)         # 0 where V(estimate) = 0: the estimate is inside
        kept = np.zeros(len(est), dtype=int)           # +1: b kept last step, -1: a kept
        active = every[~at_edge & (b != a)]
        root = a.copy()
        for _ in range(200):                           # iterate on the tables not yet converged
            if not len(active):
                break
            aa, bb, gaa, gbb = a[active], b[active], ga[active], gb[active]
            with np.errstate(divide="ignore", invalid="ignore"):
                c = bb - gbb * (bb - aa) / (gbb - gaa)
            c = np.where(np.isfinite(c) & ((c - aa) * (c - bb) < 0), c, (aa + bb) / 2)
            gc = g(c, active)
            outside = gc > 0                           # the root lies between a and c: c replaces b
            again = kept[active] == np.where(outside, -1, 1)   # the same end kept twice: Illinois
            a[active], b[active] = np.where(outside, aa, c), np.where(outside, c, bb)
            ga[active] = np.where(outside, np.where(again, gaa / 2, gaa), gc)
            gb[active] = np.where(outside, gc, np.where(again, gbb / 2, gbb))
            kept[active] = np.where(outside, -1, 1)
            root[active] = c
            active = active[np.abs(b[active] - a[active]) >= 1e-13]
        bounds.append(np.where(at_edge, side, root))
    return bounds[0], bounds[1]


def stratified_diff_ci(tables, level: float = 0.95) -> Interval:
    """Stratified risk difference with the Miettinen-Nurminen score interval.

    `tables` is a sequence of (x1, n1, x2, n2) per stratum. Weights w_k = (1/n1k + 1/n2k)^-1
    (Cochran-Mantel-Haenszel weights, as SAS's stratified MN with CMH weights); the score
    statistic at delta is sum w_k (d_k - delta) / sqrt(sum w_k^2 V_k(delta)), V_k from the
    restricted MLE within the stratum with the N_k/(N_k - 1) factor. One stratum gives diff_ci "mn".
    """
    tables = [tuple(int(v) for v in t) for t in tables]
    for x1, n1, x2, n2 in tables:
        _check_counts(x1, n1)
        _check_counts(x2, n2)
    w = np.array([1 / (1 / n1 + 1 / n2) for _, n1, _, n2 in tables])
    d = np.array([x1 / n1 - x2 / n2 for x1, n1, x2, n2 in tables])
    estimate = float(np.sum(w * d) / np.sum(w))

    def score(delta):
        num = np.sum(w * (d - delta))
        var = 0.0
        for wk, (x1, n1, x2, n2) in zip(w, tables):
            pt1, pt2 = _restricted_mle(x1, n1, x2, n2, delta)
            var += wk * wk * (pt1 * (1 - pt1) / n1 + pt2 * (1 - pt2) / n2) * (n1 + n2) / (n1 + n2 - 1)
        if var <= 0:
            return 0.0 if abs(num) < 1e-15 else math.copysign(math.inf, num)
        return num / math.sqrt(var)

    crit = _z(level) ** 2
    return Interval(estimate, _score_bound(score, estimate, crit, -1), _score_bound(score, estimate, crit, 1),
                    "stratified-mn", level)


# --- tests -------------------------------------------------------------------------------------

def fisher_exact(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided Fisher exact p (sum of tables no more likely than the observed one)."""
    from scipy import stats   # scipy.stats where a method needs more than a distribution (stats.distributions)
    return float(stats.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]], alternative="two-sided").pvalue)


def fisher_exact_grid(x1, n1: int, x2, n2: int) -> np.ndarray:
    """fisher_exact for many tables with the same arm sizes: tables sharing a total x1 + x2 share
    one hypergeometric distribution (log-factorials, normalised to sum 1), computed once; p sums
    the probabilities no larger than the observed one (relative tolerance 1e-7, as R's fisher.test)."""
    x1, x2 = np.asarray(x1, dtype=int), np.asarray(x2, dtype=int)
    total = x1 + x2
    log_fact = special.gammaln(np.arange(n1 + n2 + 2) + 1.0)      # log k!
    p = np.empty(x1.shape, dtype=float)
    order = np.argsort(total, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(total[order]) != 0]) if len(order) else []
    for lo, hi in zip(starts, np.r_[starts[1:], len(order)]):
        at = order[lo:hi]
        t = total[at[0]]
        support = np.arange(max(0, t - n2), min(n1, t) + 1)
        log_pmf = -(log_fact[support] + log_fact[n1 - support] + log_fact[t - support] + log_fact[n2 - t + support])
        pmf = np.exp(log_pmf - log_pmf.max())
        pmf /= pmf.sum()
        ordered = np.sort(pmf)
        tail = np.cumsum(ordered)
        observed = pmf[x1[at] - support[0]]
        p[at] = tail[np.searchsorted(ordered, observed * (1 + 1e-7), side="right") - 1]
    return np.minimum(p, 1.0)


def pearson_chi2(table) -> tuple[float, int, float]:
    """Pearson chi-square without continuity correction: (statistic, df, p)."""
    from scipy import stats
    res = stats.chi2_contingency(np.asarray(table, dtype=float), correction=False)
    return float(res.statistic), int(res.dof), float(res.pvalue)


def cmh_general_association(tables) -> tuple[float, int, float]:
    """Cochran-Mantel-Haenszel general association statistic for K strata of R x C tables
    (Landis, Heyman & Koch 1978): Q = (n - m)' V^-1 (n - m), df (R-1)(C-1). Strata with a
    single subject carry no information and are skipped."""
    tables = [np.asarray(t, dtype=float) for t in tables]
    r, c = tables[0].shape
    diff = np.zeros((r - 1) * (c - 1))
    var = np.zeros((diff.size, diff.size))
    for t in tables:
        n = t.sum()
        if n < 2:
            continue
        rows, cols = t.sum(axis=1), t.sum(axis=0)
        obs = t[:-1, :-1].reshape(-1)
        exp = np.outer(rows, cols)[:-1, :-1].reshape(-1) / n
        vr = np.diag(rows[:-1]) * n - np.outer(rows[:-1], rows[:-1])
        vc = np.diag(cols[:-1]) * n - np.outer(cols[:-1], cols[:-1])
        diff += obs - exp
        var += np.kron(vr, vc) / (n * n * (n - 1))
    df = diff.size
    q = float(diff @ np.linalg.pinv(var) @ diff)
    return q, df, float(chi2_sf(q, df))


def cmh_row_mean_scores(tables, scores=None) -> tuple[float, int, float]:
    """Cochran-Mantel-Haenszel row mean scores statistic ("row mean scores differ", SAS PROC FREQ
    CMH) for K strata of R x C tables, rows the groups, columns the ordered responses with
    `scores`: C table scores (default 1..C), or one row of C per stratum (e.g. rank scores within
    each stratum: Friedman's test). Per stratum, the score totals of the first R-1 rows
    T_i = sum_j a_j n_ij have mean n_i. sum_j a_j n_.j / n and covariance v (n_i delta_ik - n_i n_k / n)
    n / (n - 1), v the variance of the scores over the stratum's column totals (Landis, Heyman & Koch
    1978); Q = (T - E)' V^-1 (T - E) summed over strata, df R - 1. Strata with a single subject
    carry no information and are skipped."""
    tables = [np.asarray(t, dtype=float) for t in tables]
    r, c = tables[0].shape
    a = np.arange(1, c + 1, dtype=float) if scores is None else np.asarray(scores, dtype=float)
    per_stratum = np.broadcast_to(a, (len(tables), c))
    diff, var = np.zeros(r - 1), np.zeros((r - 1, r - 1))
    for t, a in zip(tables, per_stratum):
        n = t.sum()
        if n < 2:
            continue
        rows, cols = t.sum(axis=1), t.sum(axis=0)
        mean = cols @ a / n
        v = cols @ (a - mean) ** 2 / n
        diff += (t @ a)[:-1] - rows[:-1] * mean
        var += v * (np.diag(rows[:-1]) - np.outer(rows[:-1], rows[:-1]) / n) * n / (n - 1)
    q = float(diff @ np.linalg.pinv(var) @ diff)
    return q, r - 1, float(chi2_sf(q, r - 1))


def cmh_2x2(tables, continuity_correction: bool) -> tuple[float, int, float]:
    """Mantel-Haenszel chi-square for K 2x2 tables, with or without the 0.5 continuity
    correction (named explicitly: SAS prints the uncorrected one)."""
    num, var = 0.0, 0.0
    for t in tables:
        (a, b), (c_, d) = np.asarray(t, dtype=float)
        n = a + b + c_ + d
        if n < 2:
            continue
        num += a - (a + b) * (a + c_) / n
        var += (a + b) * (c_ + d) * (a + c_) * (b + d) / (n * n * (n - 1))
    stat = (abs(num) - (0.5 if continuity_correction else 0.0)) ** 2 / var
    if continuity_correction and abs(num) < 0.5:
        stat = 0.0
    return float(stat), 1, float(chi2_sf(stat, 1))


# --- logistic regression ------------------------------------------------------------------------

@dataclass(frozen=True)
class LogisticFit:
    """A logistic fit: coefficients with CIs on the log-odds scale; odds ratios by exp."""
    coef: pd.DataFrame          # term, estimate, se, lower, upper, p (log odds)
    method: str                 # "ml" or "firth"
    converged: bool
    separation: bool
    n: int

    def odds_ratio(self, term: str) -> dict:
        row = self.coef.set_index("term").loc[term]
        exp = lambda v: math.inf if v > 700 else math.exp(v)  # noqa: E731
        return {"term": term, "estimate": exp(row.estimate), "lower": exp(row.lower),
                "upper": exp(row.upper), "p": row.p, "method": self.method}


def design_matrix(data: pd.DataFrame, outcome: str, terms: list[str]):
    """(x with an intercept column, y, column names) of a logistic model of `outcome` on numeric `terms`."""
    x = data[terms].astype(float).to_numpy()
    x = np.column_stack([np.ones(len(x)), x])
    return x, data[outcome].astype(float).to_numpy(), ["Intercept", *terms]


def logistic_ml(x: np.ndarray, y: np.ndarray, max_iter: int = 100, tol: float = 1e-10):
    """Maximum likelihood logistic regression by Newton-Raphson (= IRLS) with step halving:
    (beta, covariance = inverse Fisher information, log likelihood, converged)."""
    beta = np.zeros(x.shape[1])
    loglik = lambda b: float(np.sum(y * (x @ b) - np.logaddexp(0, x @ b)))  # noqa: E731
    value, converged = loglik(beta), False
    for _ in range(max_iter):
        p = special.expit(x @ beta)
        info = x.T @ (x * (p * (1 - p))[:, None])
        step = np.linalg.solve(info, x.T @ (y - p))
        for _ in range(50):
            new = loglik(beta + step)
            if new >= value - 1e-12:
                break
            step /= 2
        beta, change, value = beta + step, new - value, new
        if np.max(np.abs(step)) < tol or abs(change) < tol * (abs(value) + tol):
            converged = True
            break
    p = special.expit(x @ beta)
    cov = np.linalg.inv(x.T @ (x * (p * (1 - p))[:, None]))
    return beta, cov, value, converged


def has_separation(x, y) -> bool:
    """Complete or quasi-complete separation: a linear programme finds a direction b with
    x b >= 0 for events and <= 0 for non-events, not all zero (Albert & Anderson 1984)."""
    sign = np.where(y > 0.5, -1.0, 1.0)
    a_ub = sign[:, None] * x
    best = 0.0
    for j in range(x.shape[1]):
        for direction in (1.0, -1.0):
            c = np.zeros(x.shape[1])
            c[j] = -direction
            res = optimize.linprog(c, A_ub=a_ub, b_ub=np.zeros(len(y)), bounds=[(-1, 1)] * x.shape[1],
                                   method="highs")
            if res.status == 0:
                best = max(best, -res.fun)
    return best > 1e-7


def _penalized_loglik(x, y, beta):
    """Log likelihood + 0.5 log det of the Fisher information (Firth's penalty), and pieces."""
    eta = x @ beta
    p = special.expit(eta)
    w = p * (1 - p)
    info = x.T @ (x * w[:, None])
    sign, logdet = np.linalg.slogdet(info)
    value = np.sum(y * eta - np.logaddexp(0, eta)) + 0.5 * logdet if sign > 0 else -np.inf
    return value, p, w, info


def firth_fit(x, y, fixed: dict[int, float] | tuple | None = None, start=None, max_iter=200, tol=1e-10):
    """Maximize the penalized likelihood, optionally with coefficients fixed ({index: value},
    or one (index, value) pair) under the full model's penalty (for profile intervals and
    penalized likelihood-ratio tests, as logistf); Newton-Raphson on the modified score with
    step halving. Returns (beta, penalized log likelihood, converged)."""
    k = x.shape[1]
    if isinstance(fixed, tuple):
        fixed = {fixed[0]: fixed[1]}
    fixed = fixed or {}
    free = [i for i in range(k) if i not in fixed]
    beta = np.zeros(k) if start is None else np.array(start, dtype=float)
    for j, value in fixed.items():
        beta[j] = value
    value, p, w, info = _penalized_loglik(x, y, beta)
    for _ in range(max_iter):
        inv = np.linalg.pinv(info)
        h = w * np.einsum("ij,jk,ik->i", x, inv, x)
        xf = x[:, free]
        score = xf.T @ (y - p + h * (0.5 - p))
        step = np.linalg.pinv(xf.T @ (xf * w[:, None])) @ score
        for _ in range(40):
            trial = beta.copy()
            trial[free] += step
            new = _penalized_loglik(x, y, trial)
            if new[0] >= value - 1e-12:
                break
            step = step / 2
        beta, (value, p, w, info) = trial, new
        if np.max(np.abs(step)) < tol:
            return beta, value, True
    return beta, value, False


def _firth_profile_ci(x, y, beta, value, j, level, limit=50.0):
    """Profile penalized-likelihood interval for coefficient j (as R logistf); a bound beyond
    +/- `limit` on the log-odds scale is reported as infinite."""
    half = chi2_ppf(level, 1) / 2
    drop = lambda b: value - firth_fit(x, y, (j, b), start=beta)[1] - half  # noqa: E731
    _, _, _, info = _penalized_loglik(x, y, beta)
    se = math.sqrt(np.linalg.pinv(info)[j, j])
    bounds = []
    for side in (-1, 1):
        far = beta[j] + side * 3 * se
        while drop(far) < 0 and abs(far) < limit:
            far += side * 3 * se
        if drop(far) < 0:
            bounds.append(side * math.inf)
            continue
        bounds.append(float(optimize.brentq(drop, min(beta[j], far), max(beta[j], far), xtol=1e-10)))
    return bounds[0], bounds[1], se


def fit_logistic(data: pd.DataFrame, outcome: str, terms: list[str], method: str = "auto",
                 level: float = 0.95, profile: list[str] | None = None) -> LogisticFit:
    """Logistic regression of a 0/1 outcome on numeric terms (dummy-code factors beforehand).

    method "ml" (logistic_ml, Wald CIs from the normal distribution), "firth" (penalized
    likelihood, profile CIs and penalized likelihood-ratio p, as R logistf, for the terms in
    `profile` (default all; others get Wald limits), or "auto": Firth when the data are
    separated, ML otherwise."""
    data = data.dropna(subset=[outcome, *terms])
    x, y, names = design_matrix(data, outcome, terms)
    separation = has_separation(x, y)
    use = "firth" if method == "firth" or (method == "auto" and separation) else "ml"
    if use == "ml":
        beta, cov, _, converged = logistic_ml(x, y)
        se = np.sqrt(np.diag(cov))
        z = norm_ppf(0.5 + level / 2)
        coef = pd.DataFrame({"term": names, "estimate": beta, "se": se, "lower": beta - z * se,
                             "upper": beta + z * se, "p": 2 * norm_sf(np.abs(beta / se))})
        return LogisticFit(coef, "ml", converged, separation, len(y))
    beta, value, converged = firth_fit(x, y)
    rows = []
    z = norm_ppf(0.5 + level / 2)
    cov = np.linalg.pinv(_penalized_loglik(x, y, beta)[3])
    for j, name in enumerate(names):
        if profile is None or name in profile:
            lower, upper, se = _firth_profile_ci(x, y, beta, value, j, level)
            lr = 2 * (value - firth_fit(x, y, (j, 0.0), start=beta)[1])   # penalized LR test
            p = float(chi2_sf(max(lr, 0.0), 1))
        else:
            se = math.sqrt(cov[j, j])
            lower, upper, p = beta[j] - z * se, beta[j] + z * se, float(2 * norm_sf(abs(beta[j] / se)))
        rows.append(dict(term=name, estimate=beta[j], se=se, lower=lower, upper=upper, p=p))
    return LogisticFit(pd.DataFrame(rows), "firth", converged, separation, len(y))
