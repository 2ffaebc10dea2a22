"""CMH row mean scores ("row mean scores differ") against printed SAS output and a hand formula."""
import numpy as np
import pytest
from scipy import stats

from trialstats.stats.binary import cmh_2x2, cmh_general_association, cmh_row_mean_scores

# SAS/STAT PROC FREQ documentation, Example "Cochran-Mantel-Haenszel Statistics" (Migraine data, strata
# Gender, rows Treatment Active/Placebo, columns Response Better/Same): Row Mean Scores Differ, DF 1,
# Value 8.3052, Prob 0.0040.
MIGRAINE = [[[16, 11], [5, 20]], [[12, 16], [7, 19]]]

# SAS/STAT PROC FREQ documentation, Example "Friedman's Chi-Square Test" (Hypnosis data, Lehmann 1975
# p. 264): strata Subject, rows Emotion, SCORES=RANK; Row Mean Scores Differ, DF 3, Value 6.4500,
# Prob 0.0917 (Friedman's statistic).
HYPNOSIS = np.array([[23.1, 22.7, 22.5, 22.6], [57.6, 53.2, 53.7, 53.1], [10.5, 9.7, 10.8, 8.3],
                     [23.6, 19.6, 21.1, 21.6], [11.9, 13.8, 13.7, 13.3], [54.6, 47.1, 39.2, 37.0],
                     [21.0, 13.6, 13.7, 14.8], [20.3, 23.6, 16.3, 14.8]])


def test_migraine_sas_example():
    q, df, p = cmh_row_mean_scores(MIGRAINE)
    assert (round(q, 4), df, round(p, 4)) == (8.3052, 1, 0.0040)
    assert q == pytest.approx(cmh_2x2(MIGRAINE, continuity_correction=False)[0])


def test_friedman_is_row_mean_scores_with_rank_scores():
    tables, scores = [], []
    for subject in HYPNOSIS:          # one stratum per subject: emotion x (its 4 values in order)
        order = np.argsort(subject)
        table = np.zeros((4, 4))
        table[order, np.arange(4)] = 1
        tables.append(table)
        scores.append(stats.rankdata(subject[order]))
    q, df, p = cmh_row_mean_scores(tables, scores)
    assert (round(q, 4), df, round(p, 4)) == (6.4500, 3, 0.0917)
    assert q == pytest.approx(stats.friedmanchisquare(*HYPNOSIS.T).statistic)


def hand_row_mean_scores(tables, scores):
    """Landis, Heyman & Koch (1978) written out cell by cell: per stratum the row score sums'
    deviations from expectation and their hypergeometric covariance, summed over strata."""
    r = len(tables[0])
    g, v = np.zeros(r - 1), np.zeros((r - 1, r - 1))
    for t in tables:
        t = np.asarray(t, float)
        n = t.sum()
        ni, nj = t.sum(1), t.sum(0)
        mean = sum(scores[j] * nj[j] for j in range(len(nj))) / n
        s2 = sum(nj[j] * (scores[j] - mean) ** 2 for j in range(len(nj))) / (n - 1)   # n/(n-1) * v
        for i in range(r - 1):
            g[i] += sum(scores[j] * t[i, j] for j in range(len(nj))) - ni[i] * mean
            for k in range(r - 1):
                v[i, k] += s2 * (ni[i] * (i == k) - ni[i] * ni[k] / n)
    q = g @ np.linalg.solve(v, g)
    return q, stats.chi2.sf(q, r - 1)


def test_three_groups_five_scores_matches_hand_formula():
    rng = np.random.default_rng(26)
    tables = [rng.integers(0, 9, size=(3, 5)) for _ in range(4)]
    scores = [2, 3, 4, 5, 6]
    q, df, p = cmh_row_mean_scores(tables, scores)
    hq, hp = hand_row_mean_scores(tables, scores)
    assert df == 2 and q == pytest.approx(hq, rel=1e-12) and p == pytest.approx(hp, rel=1e-10)
    # two response categories: row mean scores = general association
    two = [t[:, :2] + 1 for t in tables]
    assert cmh_row_mean_scores(two)[0] == pytest.approx(cmh_general_association(two)[0])
    # scores enter only through their spacing (a shift changes nothing; a monotone change does)
    assert cmh_row_mean_scores(tables, [s + 10 for s in scores])[0] == pytest.approx(q)
    assert cmh_row_mean_scores(tables, [1, 2, 4, 8, 16])[0] != pytest.approx(q)


def test_a_single_subject_stratum_is_skipped():
    tables = [[[3, 1, 2], [0, 4, 1]], [[1, 0, 0], [0, 0, 0]]]
    assert cmh_row_mean_scores(tables)[0] == pytest.approx(cmh_row_mean_scores(tables[:1])[0])
