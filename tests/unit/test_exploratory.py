"""Exploratory paired analyses of study 2 against hand-computed values."""
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from trialstats.tables.exploratory import ard_exploratory, paired_change


def test_paired_change_by_hand():
    # changes -1, -2, 0, 1, -3: mean -1; SD = sqrt((0 + 1 + 1 + 4 + 4) / 4) = sqrt(2.5) = 1.581139;
    # SE = 1.581139 / sqrt(5) = 0.707107; t(4, 0.975) = 2.776445; CI -1 -/+ 1.963243;
    # t = -1 / 0.707107 = -1.414214 -> two-sided p = 0.230200
    res = paired_change(np.array([9.0, 9.5, 8.0, 7.0, 10.0]), np.array([8.0, 7.5, 8.0, 8.0, 7.0]))
    assert res["n"] == 5 and res["mean"] == pytest.approx(-1.0)
    assert res["sd"] == pytest.approx(math.sqrt(2.5))
    assert (res["lower"], res["upper"]) == pytest.approx((-1 - 1.963243, -1 + 1.963243), abs=1e-6)
    assert res["p"] == pytest.approx(0.230200, abs=1e-6)
    assert res["p"] == pytest.approx(stats.ttest_rel([8.0, 7.5, 8.0, 8.0, 7.0], [9.0, 9.5, 8.0, 7.0, 10.0]).pvalue)


def test_back_to_normal_counts_values_below_the_limit():
    adsl = pd.DataFrame({"USUBJID": list("ABCD"), "FASFL": ["Y", "Y", "Y", "N"]})
    adeff = pd.DataFrame({"USUBJID": list("ABCD"), "PARAMCD": "OGTT2H", "AVISIT": "WEEK 24", "ANL01FL": "Y",
                          "AVAL": [7.7, 7.8, 6.0, 5.0], "BASE": [9.0, 9.0, 9.0, 9.0]})
    a = ard_exploratory(adeff, adsl, {"params": ["OGTT2H"], "visits": ["WEEK 24"],
                                      "normal": {"paramcd": "OGTT2H", "below": 7.8}})
    s = a[a.variable == "back_to_normal"].set_index("stat_name").stat
    assert (s["n"], s["N"]) == (2, 3)                  # 7.7 and 6.0; 7.8 is not below; D not in the FAS
    ci = stats.binomtest(2, 3).proportion_ci(method="exact")
    assert (s["cp_lower"], s["cp_upper"]) == pytest.approx((100 * ci.low, 100 * ci.high))
