"""The Arrow-fast column helpers give pandas' own results (pandas is the reference)."""
import numpy as np
import pandas as pd
import pytest

from trialstats.columns import isin, lookup, per_distinct, pick_per_group, positions, sort_order
from trialstats.dates import _parse_each_date

RNG = np.random.default_rng(7)
WORDS = [f"S{i:04d}" for i in range(60)]


def text(n, missing=0.1):
    values = RNG.choice(WORDS, size=n).astype(object)
    values[RNG.random(n) < missing] = None
    return pd.Series(values, index=RNG.permutation(np.arange(100, 100 + n)), dtype="string")


@pytest.mark.parametrize("wanted", [WORDS[:10], set(WORDS[5:30]), pd.Series(WORDS[:3] * 50, dtype="string"),
                                    [], ["nothing"], WORDS[:4] + [None]])
def test_isin_equals_pandas(wanted):
    s = text(500)
    expected = s.isin(list(wanted) if isinstance(wanted, set) else wanted)
    pd.testing.assert_series_equal(isin(s, wanted), expected.astype(bool))


def test_isin_falls_back_for_other_types():
    s = pd.Series([1.0, 2.0, np.nan])
    pd.testing.assert_series_equal(isin(s, [2.0]), s.isin([2.0]))


def test_positions_and_lookup_equal_reindex():
    keys = text(400)
    table = pd.DataFrame({"A": np.arange(40.0), "B": pd.array([f"b{i}" for i in range(40)], dtype="string"),
                          "D": pd.to_datetime("2020-01-01") + pd.to_timedelta(np.arange(40), "D")},
                         index=pd.Index(WORDS[:40], dtype="string"))
    np.testing.assert_array_equal(positions(keys, table.index), table.index.get_indexer(keys))
    got = lookup(keys, table)
    expected = table.reindex(keys)
    expected.index = keys.index
    pd.testing.assert_frame_equal(got, expected)
    pd.testing.assert_series_equal(lookup(keys, table["B"]), keys.map(table["B"]), check_names=False)


def test_lookup_needs_unique_index():
    with pytest.raises(ValueError, match="unique"):
        lookup(text(5), pd.Series([1, 2], index=pd.Index(["a", "a"], dtype="string")))


def test_per_distinct_equals_direct():
    dates = pd.Series(RNG.choice(["2020-01-31", "2020-02-30", "2019-12-01T10:00", "bad", None], size=300),
                      dtype="string")
    pd.testing.assert_series_equal(per_distinct(dates, _parse_each_date), _parse_each_date(dates))
    is_missing = per_distinct(dates, lambda s: s.isna())     # fn(NA) is honoured
    pd.testing.assert_series_equal(is_missing, dates.isna())


def sortable(n=600):
    df = pd.DataFrame({
        "USUBJID": text(n, missing=0.0).reset_index(drop=True),
        "PARAMCD": pd.Series(RNG.choice(["A", "B", "C"], n), dtype="string"),
        "GRP": text(n, missing=0.05).reset_index(drop=True),
        "ADT": pd.Series(pd.to_datetime("2020-01-01") + pd.to_timedelta(RNG.integers(0, 20, n), "D")),
        "X": RNG.integers(0, 5, n).astype(float), "S": RNG.integers(0, 3, n)})
    df.loc[RNG.random(n) < 0.1, "ADT"] = pd.NaT
    df.loc[RNG.random(n) < 0.1, "X"] = np.nan
    df.index = RNG.permutation(np.arange(n)) * 3
    return df


@pytest.mark.parametrize("ascending", [True, False, [True, False, True, False], [False, True, False, True]])
@pytest.mark.parametrize("na_position", ["first", "last"])
def test_sort_order_equals_pandas_mergesort(ascending, na_position):
    df, by = sortable(), ["GRP", "ADT", "X", "S"]
    expected = df.sort_values(by, ascending=ascending, na_position=na_position, kind="mergesort").index
    np.testing.assert_array_equal(df.index[sort_order(df, by, ascending, na_position)], expected)


@pytest.mark.parametrize("last", [False, True])
@pytest.mark.parametrize("na_position", ["first", "last"])
def test_pick_per_group_equals_groupby_head_tail(last, na_position):
    df, group, order = sortable(), ["USUBJID", "GRP"], ["ADT", "X", "S"]
    asc = [False, True, False]
    s = df.sort_values(group + order, ascending=[True, True] + asc, na_position=na_position, kind="mergesort")
    g = s.groupby(group, sort=False)
    expected = (g.tail(1) if last else g.head(1)).index
    got = pick_per_group(df, group, order, asc, na_position, last=last)
    assert sorted(got) == sorted(expected)


def test_sort_order_many_wide_keys_equals_pandas():       # codes too wide for one combined key
    df = pd.DataFrame(RNG.integers(0, 700, size=(3000, 8)).astype(float), columns=list("abcdefgh"))
    df[df > 690] = np.nan
    expected = df.sort_values(list(df), ascending=False, kind="mergesort").index
    np.testing.assert_array_equal(df.index[sort_order(df, list(df), False)], expected)


def test_empty_frames():
    df = sortable().iloc[:0]
    assert len(sort_order(df, ["GRP", "ADT"])) == 0
    assert len(pick_per_group(df, ["USUBJID"], ["ADT"])) == 0
    assert len(lookup(df["USUBJID"], pd.Series([1.0], index=pd.Index(["S0001"], dtype="string")))) == 0


@pytest.mark.parametrize("fraction", [False, True])
def test_record_matching_equals_pairs(fraction):
    """Record accounting matches (USUBJID, --SEQ) pairs on integer codes; a fractional sequence
    number falls back to matching the pairs themselves. Both equal MultiIndex.isin."""
    from trialstats.adam.accounting import _is_carried
    n = 500
    df = pd.DataFrame({"USUBJID": text(n, missing=0.02).reset_index(drop=True),
                       "LBSEQ": RNG.integers(1, 40, n).astype(float)})
    df.loc[RNG.random(n) < 0.05, "LBSEQ"] = np.nan
    if fraction:
        df.loc[3, "LBSEQ"] = 2.5
    carried = df.sample(200, random_state=1).rename(columns={"LBSEQ": "_SEQ"}).dropna()
    carried = pd.concat([carried, pd.DataFrame({"USUBJID": pd.array(["NOT-A-SUBJECT"], dtype="string"),
                                                "_SEQ": [1.0]})], ignore_index=True)
    pairs = pd.MultiIndex.from_arrays([df["USUBJID"].astype(object), df["LBSEQ"]])
    expected = pairs.isin(pd.MultiIndex.from_frame(carried.astype({"USUBJID": object})))
    np.testing.assert_array_equal(_is_carried(df, "LB", carried), expected)
