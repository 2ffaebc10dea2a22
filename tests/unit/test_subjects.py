"""Populations, disposition and demographics from ADSL, on a hand-counted frame; the between-arm
tests cross-checked against a second computation (statsmodels OLS F test; chi-square by formula)."""
import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from trialstats.tables.subjects import (ard_demographics, ard_disposition, ard_populations, between_arm_p,
                                        characteristic_labels, t_counts, t_demographics)

# B (code 2): 3 subjects; A (code 1): 4 subjects; one screen failure without an arm.
ADSL = pd.DataFrame({
    "USUBJID": [f"S{i}" for i in range(8)],
    "TRT01P": ["B", "A", "B", "A", "A", "B", "A", None],
    "TRT01PN": [2, 1, 2, 1, 1, 2, 1, None],
    "ITTFL": ["Y", "Y", "Y", "Y", "Y", "Y", "Y", "N"],
    "EFFFL": ["Y", "N", "Y", "Y", "Y", "N", "Y", "N"],
    "COMP24FL": ["Y", "Y", "N", "Y", "N", "Y", "Y", "N"],
    "EOSSTT": ["COMPLETED", "COMPLETED", "DISCONTINUED", "COMPLETED", "DISCONTINUED", "COMPLETED", "ONGOING", None],
    "DCSREAS": [None, None, "Adverse Event", None, "Withdrew Consent", None, None, None],
    "DTHFL": [None, None, "Y", None, None, None, None, None],
    "AGE": [50, 60, 70, 40, 45, 65, 55, 30],
    "SEX": ["F", "M", "F", "F", None, "M", "M", "F"],
})


def get(a, var, level, arm, name):
    sel = a[(a.variable == var) & (a.variable_level == level) & (a.group1_level == arm) & (a.stat_name == name)]
    assert len(sel) == 1, (var, level, arm, name)
    return float(sel.stat.iloc[0])


def test_populations_by_arm_in_code_order_and_total():
    a = ard_populations(ADSL, "TRT01P", "TRT01PN")
    assert list(dict.fromkeys(a.group1_level)) == ["A", "B", "Total"]
    assert get(a, "population", "Efficacy (EFFFL)", "A", "n") == 3
    assert get(a, "population", "Efficacy (EFFFL)", "B", "n") == 2
    assert get(a, "population", "Completers of week 24 (COMP24FL)", "Total", "n") == 5
    assert get(a, "population", "Completers of week 24 (COMP24FL)", "B", "pct") == pytest.approx(200 / 3)
    table = t_counts(a, "Population")
    assert list(table.columns) == ["Population", "A (N=4)", "B (N=3)", "Total (N=7)"]


def test_disposition_statuses_reasons_and_deaths():
    a = ard_disposition(ADSL, "TRT01P", "TRT01PN")
    assert get(a, "EOSSTT", "Completed", "A", "n") == 2 and get(a, "EOSSTT", "Completed", "B", "n") == 2
    assert get(a, "EOSSTT", "Ongoing", "A", "n") == 1
    assert get(a, "DCSREAS", "Adverse Event", "B", "n") == 1 and get(a, "DCSREAS", "Withdrew Consent", "A", "n") == 1
    assert get(a, "DTHFL", "Died (DTHFL)", "Total", "n") == 1
    rows = t_counts(a, "Status")["Status"].tolist()
    assert rows[:3] == ["Completed", "Ongoing", "Discontinued"] and rows[3].startswith("    ")
    assert t_counts(ard_disposition(ADSL.drop(columns=["EOSSTT", "DTHFL"]), "TRT01P"), "Status").Status.tolist() == \
        ["Not recorded in ADSL"]


def test_demographics_counts_missing_and_absent_characteristics():
    chars = [{"variable": "AGE", "label": "Age (years)", "type": "continuous"},
             {"variable": "SEX", "label": "Sex", "type": "categorical"},
             {"variable": "HBA1CBL", "label": "HbA1c", "type": "continuous"}]
    a = ard_demographics(ADSL, "TRT01P", "TRT01PN", chars, population="ITTFL")
    assert get(a, "AGE", "", "A", "mean") == pytest.approx((60 + 40 + 45 + 55) / 4)
    assert get(a, "AGE", "", "Total", "n") == 7
    assert get(a, "SEX", "Missing", "A", "n") == 1 and get(a, "SEX", "F", "B", "n") == 2
    table = t_demographics(a, {c["variable"]: c["label"] for c in chars})
    assert "p" not in table                                     # no tests asked for
    assert table.loc[table.Characteristic == "HbA1c", "Statistic"].iloc[0] == "not in ADSL"


def test_between_arm_tests_two_ways():
    d = ADSL[ADSL.TRT01P.notna()]
    p = between_arm_p(d.AGE, d.TRT01P, "continuous", "anova")
    fit = smf.ols("AGE ~ C(TRT01P)", data=d).fit()
    assert p == pytest.approx(fit.f_pvalue, rel=1e-10)
    kw = between_arm_p(d.AGE, d.TRT01P, "continuous", "kruskal")
    ranks = d.AGE.rank()                                         # no ties: H by its formula
    n = len(d)
    h = 12 / (n * (n + 1)) * sum(ranks[d.TRT01P == a].sum() ** 2 / (d.TRT01P == a).sum() for a in "AB") - 3 * (n + 1)
    assert kw == pytest.approx(stats.chi2.sf(h, 1), rel=1e-10)
    sex = d.dropna(subset=["SEX"])
    obs = pd.crosstab(sex.SEX, sex.TRT01P).to_numpy(float)
    exp = obs.sum(1, keepdims=True) * obs.sum(0, keepdims=True) / obs.sum()
    assert between_arm_p(d.SEX, d.TRT01P, "categorical", "chisq") == \
        pytest.approx(stats.chi2.sf(((obs - exp) ** 2 / exp).sum(), 1), rel=1e-10)
    # Fisher on the 2 x 2 table: the hypergeometric sum by hand
    k, rows, cols, total = obs[0, 0], obs.sum(1), obs.sum(0), obs.sum()
    probs = {x: stats.hypergeom.pmf(x, total, rows[0], cols[0]) for x in range(int(max(0, rows[0] + cols[0] - total)),
                                                                                int(min(rows[0], cols[0])) + 1)}
    two_sided = sum(v for v in probs.values() if v <= probs[k] * (1 + 1e-7))
    assert between_arm_p(d.SEX, d.TRT01P, "categorical", "fisher") == pytest.approx(two_sided, rel=1e-10)
    a = ard_demographics(ADSL, "TRT01P", "TRT01PN", [{"variable": "AGE", "type": "continuous"}],
                         {"continuous": "anova"}, "ITTFL")
    assert a[a.group1 == "TEST"].stat.iloc[0] == pytest.approx(fit.f_pvalue, rel=1e-10)
    assert np.isnan(between_arm_p(d.AGE, pd.Series("A", index=d.index), "continuous", "anova"))


def test_a_single_arm_has_no_separate_total_column():
    one = ADSL.assign(TRT01P=ADSL.TRT01P.where(ADSL.TRT01P.isna(), "Drug"))
    table = t_counts(ard_populations(one, "TRT01P"), "Population")
    assert list(table.columns) == ["Population", "Drug (N=7)"]
    demo = t_demographics(ard_demographics(one, "TRT01P", None, [{"variable": "AGE", "type": "continuous"}],
                                           {"continuous": "anova"}))
    assert list(demo.columns) == ["Characteristic", "Statistic", "Drug (N=7)"]      # no test with one arm


def test_characteristic_labels_carry_the_unit_of_the_data_else_the_default():
    adsl = pd.DataFrame({"AGE": [70, 80], "AGEU": ["YEARS", "YEARS"], "WEIGHTBL": [60.0, 70.0], "MMSETOT": [20, 24]})
    chars = [{"variable": "AGE", "type": "continuous"}, {"variable": "WEIGHTBL", "type": "continuous"},
             {"variable": "HEIGHTBL", "label": "Height", "type": "continuous"},
             {"variable": "MMSETOT", "label": "MMSE", "type": "continuous"},
             {"variable": "DURDIS", "label": "Duration", "unit": "months", "type": "continuous"}]
    assert characteristic_labels(chars, adsl) == {"AGE": "Age (years)", "WEIGHTBL": "Weight at baseline (kg)",
                                                  "HEIGHTBL": "Height (cm)", "MMSETOT": "MMSE",
                                                  "DURDIS": "Duration (months)"}
    assert characteristic_labels(chars[:1], adsl.assign(AGEU="MONTHS"))["AGE"] == "Age (months)"   # the data's unit
