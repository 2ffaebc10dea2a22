"""DMC monitoring arithmetic: group-sequential boundaries from alpha-spending functions, conditional
power, Bayesian predictive probability of success for a binary endpoint, and Bayesian
beta-binomial safety rules.

Group-sequential probabilities follow Armitage, McPherson and Rowe (1969) and Jennison & Turnbull
(2000, ch. 19): Z_k = S_k / sqrt(I_k) with S_k a Brownian motion with drift theta in the
information I; the density of Z_k on the continuation region is carried from look to look on a
grid and integrated by Simpson's rule.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from .distributions import beta_sf, norm_cdf, norm_pdf, norm_ppf, norm_sf

SPENDING_FUNCTIONS = ("obrien-fleming", "pocock")


def alpha_spent(t, alpha: float, kind: str) -> np.ndarray:
    """Cumulative alpha spent at information fractions t (Lan & DeMets 1983):
    O'Brien-Fleming type 2 - 2 Phi(z_{1-alpha/2} / sqrt(t)); Pocock type alpha ln(1 + (e - 1) t)."""
    t = np.clip(np.asarray(t, dtype=float), 0.0, 1.0)
    if kind == "obrien-fleming":
        with np.errstate(divide="ignore"):
            return np.where(t > 0, 2 - 2 * norm_cdf(norm_ppf(1 - alpha / 2) / np.sqrt(t)), 0.0)
    if kind == "pocock":
        return alpha * np.log1p((math.e - 1) * t)
    raise ValueError(f"spending function must be one of {SPENDING_FUNCTIONS}, got {kind!r}")


def _simpson_grid(lo: float, hi: float, points: int = 401) -> tuple[np.ndarray, np.ndarray]:
    z = np.linspace(lo, hi, points)
    w = np.ones(points)
    w[1:-1:2], w[2:-1:2] = 4, 2
    return z, w * (z[1] - z[0]) / 3


def crossing_probabilities(info, upper, lower=None, theta: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """P(first crossing of the upper / lower boundary at look k) for Z_k with drift theta per
    unit of information; `lower` None = no lower boundary. Returns (upper, lower) arrays."""
    info = np.asarray(info, dtype=float)
    upper = np.asarray(upper, dtype=float)
    lower = np.full(len(info), -np.inf) if lower is None else np.asarray(lower, dtype=float)
    up, dn = np.zeros(len(info)), np.zeros(len(info))
    z = dens = w = None
    for k in range(len(info)):
        mean = theta * math.sqrt(info[k])
        if k == 0:
            up[0] = norm_sf(upper[0] - mean)
            dn[0] = norm_cdf(lower[0] - mean)
            lo, hi = max(lower[0], mean - 9), min(upper[0], mean + 9)
            if hi <= lo:
                break
            z, w = _simpson_grid(lo, hi)
            dens = norm_pdf(z - mean)
            continue
        delta = info[k] - info[k - 1]
        sd = math.sqrt(delta)
        shift = z * math.sqrt(info[k - 1]) + theta * delta          # S_{k-1} + drift of the increment
        up[k] = float(np.sum(w * dens * norm_sf((upper[k] * math.sqrt(info[k]) - shift) / sd)))
        dn[k] = float(np.sum(w * dens * norm_cdf((lower[k] * math.sqrt(info[k]) - shift) / sd)))
        lo, hi = max(lower[k], mean - 9), min(upper[k], mean + 9)
        if hi <= lo or k == len(info) - 1:
            break
        z_new, w_new = _simpson_grid(lo, hi)
        # density of Z_k: sum over the grid of Z_{k-1} of f(z_{k-1}) * density of z_k given z_{k-1}
        kernel = norm_pdf((z_new[:, None] * math.sqrt(info[k]) - shift[None, :]) / sd) * math.sqrt(info[k]) / sd
        dens, z, w = kernel @ (w * dens), z_new, w_new
    return up, dn


def boundaries_from_spent(info, cumulative_spent) -> np.ndarray:
    """One-sided boundaries z_1..z_K at information levels `info` (any scale) whose first-crossing
    probabilities under H0 are the increments of `cumulative_spent` (infinite where none is spent)."""
    info = np.asarray(info, dtype=float)
    spent = np.asarray(cumulative_spent, dtype=float)
    bounds = []
    for k in range(len(info)):
        target = spent[k] - (spent[k - 1] if k else 0.0)
        if target <= 0:
            bounds.append(np.inf)
            continue

        def gap(c):
            return crossing_probabilities(info[:k + 1], [*bounds, c])[0][k] - target

        bounds.append(optimize.brentq(gap, -2.0, 15.0, xtol=1e-10))
    return np.array(bounds)


def spending_boundary(fractions, alpha: float, kind: str, final: bool = False) -> np.ndarray:
    """One-sided efficacy boundaries at the given information fractions (observed over planned)
    spending alpha by the Lan-DeMets function `kind`; `final` spends all alpha left at the last
    look whatever its fraction (an under- or over-running final analysis, Wassmer & Brannath 2016,
    p. 78), otherwise a fraction of 1 or more spends all of it."""
    fractions = np.asarray(fractions, dtype=float)
    spent = alpha_spent(fractions, alpha, kind)
    if final:
        spent[-1] = alpha
    return boundaries_from_spent(fractions, spent)


def classical_constant(k: int, alpha: float, kind: str, two_sided: bool = True) -> float:
    """Pocock (boundary C at every look) or O'Brien-Fleming (C sqrt(K / k)) constant for K equally
    spaced looks with overall type I error alpha (Jennison & Turnbull 2000, Tables 2.1 and 2.3)."""
    info = np.arange(1, k + 1, dtype=float)
    shape = np.ones(k) if kind == "pocock" else np.sqrt(k / info)

    def gap(c):
        up, dn = crossing_probabilities(info, c * shape, -c * shape if two_sided else None)
        return up.sum() + dn.sum() - alpha

    return optimize.brentq(gap, 0.5, 10.0, xtol=1e-10)


@dataclass(frozen=True)
class ConditionalPower:
    current_trend: float
    design: float
    null: float


def conditional_power(z: float, fraction: float, critical: float, design_drift: float) -> ConditionalPower:
    """P(Z at the final analysis >= critical | Z = z now at information fraction t), the B-value
    form of Lan & Wittes (1988): B(t) = z sqrt(t), B(1) - B(t) ~ N(drift (1 - t), 1 - t), where
    drift is E[Z(1)]: the current trend z / sqrt(t), the design's expected final Z, or 0 (H0)."""
    t = float(fraction)
    if not 0 < t < 1:
        raise ValueError(f"information fraction must be in (0, 1), got {t}")

    def cp(drift):
        return float(norm_sf((critical - z * math.sqrt(t) - drift * (1 - t)) / math.sqrt(1 - t)))

    return ConditionalPower(cp(z / math.sqrt(t)), cp(design_drift), cp(0.0))


def beta_binomial_pmf(m: int, a: float, b: float) -> np.ndarray:
    """P(Y = 0..m) for Y ~ BetaBinomial(m, a, b): the predictive count of m future patients."""
    y = np.arange(m + 1)
    log = (special.gammaln(m + 1) - special.gammaln(y + 1) - special.gammaln(m - y + 1)
           + special.betaln(y + a, m - y + b) - special.betaln(a, b))
    return np.exp(log)


def predictive_probability(x: tuple[int, int], n: tuple[int, int], planned: tuple[int, int], success,
                           prior: tuple[float, float] = (1.0, 1.0)) -> float:
    """Bayesian predictive probability that the final analysis succeeds: responders x of n so far
    in (active, control), planned final sizes per arm, a Beta(prior) for each arm's rate. The
    future responders of each arm are beta-binomial from its posterior; every final table
    (x1 + y1, N1, x2 + y2, N2) is enumerated and `success(x1, n1, x2, n2)` says if it succeeds."""
    a, b = prior
    m = [planned[i] - n[i] for i in range(2)]
    if min(m) < 0:
        raise ValueError(f"more patients observed {n} than planned {planned}")
    p1 = beta_binomial_pmf(m[0], a + x[0], b + n[0] - x[0])
    p2 = beta_binomial_pmf(m[1], a + x[1], b + n[1] - x[1])
    total = 0.0
    for y1 in range(m[0] + 1):
        for y2 in range(m[1] + 1):
            if success(x[0] + y1, planned[0], x[1] + y2, planned[1]):
                total += p1[y1] * p2[y2]
    return float(total)


def posterior_exceedance(events: int, n: int, p0: float, prior: tuple[float, float] = (1.0, 1.0)) -> float:
    """P(rate > p0 | events of n) under a Beta(prior) prior: 1 - BetaCDF(p0; a + x, b + n - x)."""
    a, b = prior
    return float(beta_sf(p0, a + events, b + n - events))


def bayesian_count_boundary(n_max: int, p0: float, threshold: float, prior=(1.0, 1.0)) -> np.ndarray:
    """For n = 1..n_max patients, the smallest event count at which P(rate > p0 | data) > threshold
    (n + 1 where no count reaches it): the rule drawn as a boundary on cumulative events."""
    a, b = prior
    out = np.empty(n_max, dtype=int)
    for n in range(1, n_max + 1):
        x = np.arange(n + 1)
        probs = beta_sf(p0, a + x, b + n - x)
        hit = np.flatnonzero(probs > threshold)
        out[n - 1] = hit[0] if len(hit) else n + 1
    return out


def power(info, upper, drift: float) -> float:
    """P(crossing an upper boundary at any look) when E[Z] at information fraction t is
    drift sqrt(t) (info: fractions of the planned information; drift: E[Z] at the planned)."""
    return float(crossing_probabilities(info, upper, theta=drift)[0].sum())


def repeated_p_value(z: float, fractions, kind: str, final: bool = False) -> float:
    """Repeated p-value at the last of `fractions` (Jennison & Turnbull 2000, sec. 9.1): the
    smallest one-sided alpha whose spending boundary at this look is reached by z; 0.5 when none
    below 0.5 is (capped, as rpact does)."""
    def gap(a):
        return spending_boundary(fractions, a, kind, final)[-1] - z

    if gap(0.5) > 0:
        return 0.5
    return float(optimize.brentq(gap, 1e-12, 0.5, xtol=1e-12))


def stagewise_probability(z: float, info, earlier_bounds, theta: float = 0.0, earlier_lower=None) -> float:
    """P_theta(a result at least as extreme as z at the last look in the stagewise ordering
    (Jennison & Turnbull 2000, sec. 8.4)): crossing an earlier look's upper boundary, or
    continuing to the last look (between the lower and upper boundaries; `earlier_lower` None:
    no lower boundary) and Z >= z there. info: absolute information (1 / variance of the
    estimate), so theta is on the effect scale; at theta = 0 the stagewise-ordering p-value."""
    lower = None if earlier_lower is None else [*earlier_lower, -np.inf]
    return float(crossing_probabilities(info, [*earlier_bounds, z], lower, theta=theta)[0].sum())


@dataclass(frozen=True)
class AdjustedEstimate:
    p_value: float            # stagewise ordering, one-sided
    median_unbiased: float
    lower: float
    upper: float


def adjusted_inference(z: float, info, earlier_bounds, alpha: float, earlier_lower=None) -> AdjustedEstimate:
    """Stagewise-ordering p-value, median-unbiased estimate (the theta at which the observed result
    is the median: P_theta = 0.5) and the two-sided 1 - 2 alpha confidence interval (P_theta =
    alpha, 1 - alpha) at the look where the trial stopped (Jennison & Turnbull 2000, sec. 8.4;
    rpact getFinalPValue / getFinalConfidenceInterval)."""
    info = np.asarray(info, dtype=float)
    scale = 1 / math.sqrt(info[-1])
    centre = z * scale

    def solve(target):
        def gap(theta):
            return stagewise_probability(z, info, earlier_bounds, theta, earlier_lower) - target
        return float(optimize.brentq(gap, centre - 12 * scale, centre + 12 * scale, xtol=1e-10 * scale))

    return AdjustedEstimate(stagewise_probability(z, info, earlier_bounds, 0.0, earlier_lower), solve(0.5),
                            solve(alpha), solve(1 - alpha))


def cp_futility_z(fraction: float, critical: float, threshold: float) -> float:
    """The z at information fraction t below which conditional power under the current trend is
    below `threshold`: a conditional-power futility rule drawn as a boundary on the z scale."""
    t = fraction       # CP under the trend is Phi((z / sqrt(t) - critical) / sqrt(1 - t)); solved for z
    return float(math.sqrt(t) * (critical + math.sqrt(1 - t) * norm_ppf(threshold)))


def rule_crossing_probability(boundary, rate: float, draws: int = 20_000, seed: int = 20240601) -> float:
    """Probability that a safety rule evaluated after every subject (boundary[n - 1]: the event count
    that triggers it with n subjects, nan before it applies) is crossed by the last subject when each
    subject has the event with probability `rate`: seeded simulation of `draws` trials."""
    boundary = np.asarray(boundary, dtype=float)
    events = np.random.default_rng(seed).random((draws, len(boundary))) < rate
    reached = np.cumsum(events, axis=1) >= np.where(np.isnan(boundary), np.inf, boundary)
    return float(reached.any(axis=1).mean())


def rule_crossing_probability_exact(boundary, rate: float) -> float:
    """The same probability by recursion over the event count of the subjects not yet stopped."""
    boundary = np.asarray(boundary, dtype=float)
    alive = np.array([1.0])                   # P(count = k and not crossed yet), k = 0..n
    crossed = 0.0
    for b in boundary:
        alive = np.r_[alive * (1 - rate), 0.0] + np.r_[0.0, alive * rate]
        if not np.isnan(b):
            stop = np.arange(len(alive)) >= b
            crossed += alive[stop].sum()
            alive[stop] = 0.0
    return float(crossed)
