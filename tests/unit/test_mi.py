"""Rubin's rules by hand; imputation that leaves observed data alone and is seeded."""
import math

import numpy as np
import pandas as pd
import pytest

from trialstats.stats.mi import impute_sequential, rubin
from tests.support.primary import ard_mi


def test_rubin_rules_hand_computed():
    # m = 3: Qbar = 1.0; Ubar = 0.05; B = (0 + 0.04 + 0.04) / 2 = 0.04;
    # T = 0.05 + (1 + 1/3) 0.04 = 0.103333; lambda = 0.053333 / 0.103333 = 0.516129;
    # df_old = 2 / 0.516129^2 = 7.507813; df_obs = (51/53) 50 (1 - 0.516129) = 23.28058;
    # Barnard-Rubin df = 1 / (1/7.507813 + 1/23.28058) = 5.677017
    pooled = rubin([1.0, 1.2, 0.8], [0.04, 0.05, 0.06], df_complete=50)
    assert pooled.estimate == pytest.approx(1.0)
    assert pooled.within == pytest.approx(0.05) and pooled.between == pytest.approx(0.04)
    assert pooled.se == pytest.approx(math.sqrt(0.05 + 4 / 3 * 0.04))
    assert pooled.df == pytest.approx(5.677017, rel=1e-6)
    # without a complete-data df: Rubin (1987) df = (m - 1) / lambda^2
    assert rubin([1.0, 1.2, 0.8], [0.04, 0.05, 0.06]).df == pytest.approx(7.507813, rel=1e-6)


def mice_barnard_rubin(m, b, t, dfcom=math.inf):
    """mice's R/barnard.rubin.R (amices/mice, current version), transcribed: the Barnard-Rubin df
    rearranged so that lambda = 0 needs no floor (the older version floored lambda at 1e-4)."""
    lam = (1 + 1 / m) * b / t
    dfold = (m - 1) / lam ** 2 if lam > 0 else math.inf
    if math.isinf(dfcom):
        return dfold
    tmp = (1 - lam) * (1 + dfcom) * dfcom
    return (m - 1) * tmp / ((dfcom + 3) * (m - 1) + lam ** 2 * tmp)


def mice_pool_scalar(q, u, dfcom):
    """mice's pool.scalar (rule "rubin1987"): qbar, t = ubar + (1 + 1/m) b, df by barnard.rubin."""
    m = len(q)
    qbar, ubar, b = float(np.mean(q)), float(np.mean(u)), float(np.var(q, ddof=1))
    t = ubar + (m + 1) * b / m
    return qbar, t, mice_barnard_rubin(m, b, t, dfcom)


@pytest.mark.parametrize("spread", [0.0, 1e-9, 1e-4, 0.05, 0.3])
@pytest.mark.parametrize("dfcom", [5, 87, 1000])
def test_rubin_equals_mice_pool_scalar(spread, dfcom):
    rng = np.random.default_rng(int(spread * 1e9) + dfcom)
    q = 0.2 + spread * rng.standard_normal(20)
    u = 0.01 * rng.uniform(0.8, 1.2, 20)
    qbar, t, df = mice_pool_scalar(q, u, dfcom)
    pooled = rubin(q, u, df_complete=dfcom)
    assert pooled.estimate == pytest.approx(qbar) and pooled.se == pytest.approx(math.sqrt(t))
    assert pooled.df == pytest.approx(df, rel=1e-9)


def test_rubin_at_zero_between_variance_is_the_barnard_rubin_limit():
    # B = 0: df_old is infinite and df = (nu + 1) / (nu + 3) nu; nu = 87 gives 88 / 90 * 87 = 85.0667,
    # not the complete-data 87 (Barnard & Rubin 1999, eq. 3; mice barnard.rubin at lambda = 0)
    pooled = rubin([0.3] * 100, [0.01] * 100, df_complete=87)
    assert (pooled.estimate, pooled.se, pooled.between) == pytest.approx((0.3, 0.1, 0))
    assert pooled.df == pytest.approx(88 / 90 * 87) and round(pooled.df, 2) == 85.07
    # continuous in B: a tiny spread gives (almost) the same df
    assert rubin(0.3 + 1e-9 * np.arange(100), [0.01] * 100, df_complete=87).df == pytest.approx(88 / 90 * 87, rel=1e-6)
    # no complete-data df either: the normal distribution
    assert math.isinf(rubin([0.3] * 5, [0.01] * 5).df)


def wide_frame(missing: bool):
    rng = np.random.default_rng(7)
    n = 60
    base = rng.normal(9, 1, n)
    w = pd.DataFrame({"USUBJID": [f"S{i}" for i in range(n)], "ARM": np.repeat(["A", "B"], n // 2),
                      "PROHIBFL": "N", "HBA1C@BASE": base, "INSDOSE@BASE": rng.uniform(40, 80, n)})
    w["HBA1C@W1"] = base - 0.5 + rng.normal(0, 0.5, n)
    w["HBA1C@W2"] = w["HBA1C@W1"] - 0.8 + rng.normal(0, 0.5, n)
    w["INSDOSE@W1"] = w["INSDOSE@BASE"] * rng.uniform(0.6, 1.0, n)
    w["INSDOSE@W2"] = w["INSDOSE@W1"] * rng.uniform(0.5, 1.0, n)
    if missing:
        w.loc[w.index[::5], ["HBA1C@W2", "INSDOSE@W2"]] = np.nan
        w.loc[w.index[1::7], "HBA1C@W1"] = np.nan
    return w


SPEC = {"visit": "W2", "criteria": [{"paramcd": "HBA1C", "aval_lt": 7.5}, {"paramcd": "INSDOSE", "pchg_le": -40}],
        "prohibited_medication": "non-responder"}


def test_imputation_keeps_observed_values_fills_all_missing_and_is_seeded():
    w = wide_frame(missing=True)
    a = impute_sequential(w, ["HBA1C", "INSDOSE"], ["W1", "W2"], ["HBA1C@BASE", "INSDOSE@BASE"], "ARM", 3, 11)
    b = impute_sequential(w, ["HBA1C", "INSDOSE"], ["W1", "W2"], ["HBA1C@BASE", "INSDOSE@BASE"], "ARM", 3, 11)
    observed = w.notna()
    for x, y in zip(a, b):
        pd.testing.assert_frame_equal(x, y)
        assert not x.isna().any().any()
        pd.testing.assert_frame_equal(x[observed].dropna(how="all"), w[observed].dropna(how="all"))
    assert not a[0].equals(a[1])


def test_mi_without_missing_values_equals_the_complete_analysis():
    from trialstats.stats.binary import diff_ci
    from trialstats.tables.primary import responders_in
    w = wide_frame(missing=False)
    ard = ard_mi(w, SPEC, ["W1", "W2"], ("A", "B"), m=5, seed=3)
    r = responders_in(w, SPEC)
    x1, x2 = int(r[w.ARM == "A"].sum()), int(r[w.ARM == "B"].sum())
    wald = diff_ci(x1, 30, x2, 30, "wald")
    est = ard[ard.stat_name.isin(["estimate", "lower", "upper"])].set_index("stat_name").stat
    assert est["estimate"] == pytest.approx(wald.estimate)
    # B = 0, complete-data df N - 2 = 58: the Barnard-Rubin limit 59 / 61 * 58 df, a t quantile
    # instead of z, otherwise the Wald interval
    half = (wald.upper - wald.lower) / 2
    from scipy import stats
    df = 59 / 61 * 58
    assert est["upper"] - est["estimate"] == pytest.approx(half * stats.t.ppf(0.975, df) / stats.norm.ppf(0.975))
