"""Exact Poisson limits and exposure-adjusted rates against hand values."""
import pytest

from trialstats.stats.rates import compute_exposure_adjusted_rate, compute_poisson_ci


def test_exact_poisson_limits_hand_values():
    lower, upper = compute_poisson_ci([0, 2], [1.0, 1.0])
    assert lower[0] == 0 and upper[0] == pytest.approx(3.688879, abs=1e-6)          # -ln(0.025)
    assert lower[1] == pytest.approx(0.2422, abs=1e-4) and upper[1] == pytest.approx(7.2247, abs=1e-4)
    lower, upper = compute_poisson_ci(2, 4.0)                                         # per unit exposure
    assert lower == pytest.approx(0.2422 / 4, abs=1e-4) and upper == pytest.approx(7.2247 / 4, abs=1e-4)


def test_exposure_adjusted_rate_per_100_patient_years():
    r = compute_exposure_adjusted_rate(2, 4 * 365.25)
    assert r["py"] == 4 and r["rate"] == 50 and r["lower"] == pytest.approx(100 * 0.2422 / 4, abs=1e-2)
    assert compute_exposure_adjusted_rate(0, 0)["py"] == 0
