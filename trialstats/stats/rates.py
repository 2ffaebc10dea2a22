"""Event rates: exact (Garwood) Poisson confidence limits and exposure-adjusted incidence rates."""
from __future__ import annotations

import numpy as np
from scipy.special import gammaincinv

DAYS_PER_YEAR = 365.25


def compute_poisson_ci(events, exposure, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) confidence limits of a Poisson rate events / exposure: the gamma quantiles
    Gamma(x, 1) at alpha/2 and Gamma(x + 1, 1) at 1 - alpha/2 (lower 0 when x = 0)."""
    x = np.asarray(events, dtype=float)
    t = np.asarray(exposure, dtype=float)
    alpha = 1 - level
    lower = np.where(x > 0, gammaincinv(np.maximum(x, 1e-300), alpha / 2), 0.0)
    return lower / t, gammaincinv(x + 1, 1 - alpha / 2) / t


def compute_exposure_adjusted_rate(events: int, days: float, per: float = 100) -> dict[str, float]:
    """Subjects with an event per `per` patient-years at risk (`days`: the summed time at risk):
    py (patient-years), rate and its exact Poisson 95% limits (blank without time at risk)."""
    years = float(days) / DAYS_PER_YEAR
    lower, upper = compute_poisson_ci(events, years) if years > 0 else (np.nan, np.nan)
    return {"py": years, "rate": per * events / years if years > 0 else np.nan,
            "lower": per * float(lower), "upper": per * float(upper)}
