"""Column operations that stay fast on pandas' Arrow-backed text columns.

pandas 3 stores text in Arrow; some of its operations turn every value into a Python object
(`isin` boxes each wanted value, `map`/`reindex` by a text index convert the whole column).
These do the same work in Arrow's C++ kernels or once per distinct value, with pandas' results.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def _arrow(values) -> pa.Array | pa.ChunkedArray:
    if isinstance(values, pd.Series | pd.Index):
        values = values.array
    if isinstance(values, (set, frozenset)):
        values = list(values)
    return pa.array(values, from_pandas=True) if not hasattr(values, "__arrow_array__") else pa.array(values)


def _is_text(series: pd.Series) -> bool:
    return isinstance(series.dtype, pd.StringDtype)


def isin(series: pd.Series, values) -> pd.Series:
    """series.isin(values) for text: one hash lookup per row in Arrow (a missing value matches
    a missing wanted value, as in pandas)."""
    wanted = pd.Series(list(values) if isinstance(values, (set, frozenset)) else values, dtype=object)
    if not _is_text(series) or not all(isinstance(v, str) for v in wanted.dropna()):
        return series.isin(values)
    wanted_text = pa.array(pd.unique(wanted.dropna().to_numpy()).tolist(), type=pa.string())
    found = pc.is_in(_arrow(series), value_set=wanted_text).to_numpy(zero_copy_only=False)
    found = np.asarray(found, dtype=bool)
    if wanted.isna().any():
        found |= series.isna().to_numpy()
    return pd.Series(found, index=series.index)


def positions(keys: pd.Series, index: pd.Index) -> np.ndarray:
    """Position of each key in a unique index, -1 where absent (Index.get_indexer, in Arrow for text)."""
    if not (_is_text(keys) and isinstance(index.dtype, pd.StringDtype)):
        return index.get_indexer(keys)
    pos = pc.index_in(_arrow(keys), value_set=_arrow(index)).fill_null(-1)
    return np.asarray(pos.to_numpy(zero_copy_only=False), dtype=np.int64)


def lookup(keys: pd.Series, table: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
    """table.reindex(keys) with keys' index: the row of a uniquely indexed table for each key,
    missing where the key is absent (Series.map with a Series, a left join on one key)."""
    if not table.index.is_unique:
        raise ValueError("lookup needs a uniquely indexed table")
    pos = positions(keys, table.index)
    absent = pos < 0
    if len(table) == 0:
        out = table.reindex(pd.RangeIndex(len(keys)))
    else:
        out = table.take(np.where(absent, 0, pos))
        if absent.any():
            out = out.mask(pd.Series(absent, index=out.index), axis=0) if isinstance(out, pd.Series) \
                else out.mask(np.broadcast_to(absent[:, None], out.shape))
    out.index = keys.index
    return out


def per_distinct(values: pd.Series, fn: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """fn(values) computed once per distinct value (dates repeat over thousands of records).
    fn must be elementwise; it also sees one missing value, so fn(NA) is honoured."""
    codes, uniques = pd.factorize(values)
    distinct = pd.concat([pd.Series(uniques, dtype=values.dtype), pd.Series([pd.NA], dtype=values.dtype)],
                         ignore_index=True)
    result = fn(distinct)
    return pd.Series(result.to_numpy()[codes], index=values.index, dtype=result.dtype, name=values.name)


def to_float(values: pd.Series) -> pd.Series:
    """Text -> float64 (missing -> NaN) by Arrow's cast; raises ValueError on a non-number."""
    if not _is_text(values):
        return values.astype("float64")
    try:
        cast = pc.cast(_arrow(values), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as err:
        raise ValueError(str(err)) from err
    out = np.asarray(cast.to_numpy(zero_copy_only=False), dtype="float64")
    if np.isnan(out).sum() != values.isna().sum():          # Arrow reads "nan"; it is no number
        raise ValueError("text 'nan' is not a number")
    return pd.Series(out, index=values.index, name=values.name)


def numbers(values: pd.Series) -> pd.Series:
    """Text -> float64, NaN where missing or not a number (pandas.to_numeric(errors="coerce"))."""
    try:
        return to_float(values)
    except ValueError:
        return pd.to_numeric(values, errors="coerce").astype("float64")


def is_number(values: pd.Series) -> pd.Series:
    """Whether each value is missing or reads as a number."""
    return numbers(values).notna() | values.isna()


def join_text(keys: pd.Series, text: pd.Series, sep: str) -> pd.Series:
    """sep.join of the texts of each key, texts sorted: groupby(keys).agg(sep.join) on sorted
    rows, in Arrow's kernels instead of a Python call per group. Indexed by key, sorted."""
    table = pa.table({"key": pa.array(keys.to_numpy(dtype=object), type=pa.string()),
                      "text": pa.array(text.to_numpy(dtype=object), type=pa.string())})
    table = table.filter(pc.is_valid(table["key"])).sort_by([("key", "ascending"), ("text", "ascending")])
    grouped = table.group_by("key", use_threads=False).aggregate([("text", "list")])
    joined = pc.binary_join(grouped["text_list"], sep)
    index = pd.Index(grouped["key"].to_numpy(zero_copy_only=False), name=keys.name)
    return pd.Series(joined.to_numpy(zero_copy_only=False), index=index, name=text.name, dtype=object)


def _sort_codes(df: pd.DataFrame, by: list[str], ascending: list[bool], na_position: str) -> list[np.ndarray]:
    """One integer key per column, ordered as pandas sorts the column (missing first or last)."""
    keys = []
    for col, asc in zip(by, ascending):
        codes, uniques = pd.factorize(df[col], sort=True)
        k = len(uniques)
        codes = codes.astype(np.int64) if asc else np.where(codes < 0, -1, k - 1 - codes)
        keys.append(np.where(codes < 0, k if na_position == "last" else -1, codes))
    return keys


def _stable_order(keys: list[np.ndarray], n: int) -> np.ndarray:
    """np.lexsort(keys[::-1]) (first key most significant), as one stable argsort of a combined
    key when the codes fit in 63 bits."""
    if not keys:
        return np.arange(n)
    spans = [int(k.max()) + 2 if len(k) else 1 for k in keys]        # codes run from -1
    if sum(np.log2(spans)) >= 62:
        return np.lexsort(keys[::-1])
    combined = np.zeros(n, dtype=np.int64)
    for k, span in zip(keys, spans):
        combined = combined * span + (k + 1)
    return np.argsort(combined, kind="stable")


def sort_order(df: pd.DataFrame, by: list[str], ascending=True, na_position: str = "last") -> np.ndarray:
    """Row positions of df.sort_values(by, ascending=..., na_position=..., kind="mergesort"),
    from integer codes of each column (a stable sort, like mergesort)."""
    ascending = [ascending] * len(by) if isinstance(ascending, bool) else list(ascending)
    return _stable_order(_sort_codes(df, by, ascending, na_position), len(df))


def pick_per_group(df: pd.DataFrame, group: list[str], order_by: list[str], ascending=True,
                   na_position: str = "last", last: bool = False) -> pd.Index:
    """Index labels of the first (or last) row of each group after sorting by group + order_by:
    df.sort_values(group + order_by, ...).groupby(group).head(1) (or .tail(1)), groups with a
    missing key left out as pandas does."""
    if len(df) == 0:
        return df.index
    ascending = [ascending] * len(order_by) if isinstance(ascending, bool) else list(ascending)
    keys = _sort_codes(df, group + order_by, [True] * len(group) + ascending, na_position)
    order = _stable_order(keys, len(df))
    grouped = np.stack([k[order] for k in keys[: len(group)]])
    change = np.any(grouped[:, 1:] != grouped[:, :-1], axis=0)
    chosen = np.r_[change, True] if last else np.r_[True, change]
    complete = ~df[group].isna().any(axis=1).to_numpy()[order]
    return df.index[order[chosen & complete]]


def finite_or_inf(x) -> float:
    """A rank as a float that sorts last when unknown (None or NA -> inf)."""
    return float(x) if x is not None and pd.notna(x) else np.inf


def _exact_at(v: np.ndarray, d: int) -> bool:
    return bool(np.all(np.abs(np.round(v, d) - v) <= 1e-9 * np.maximum(1, np.abs(v))))


def collected_decimals(values: pd.Series, most: int = 2) -> int:
    """The decimals the values were collected with: the fewest that represent every value exactly,
    at most `most` (values converted to SI units carry spurious decimals)."""
    v = pd.to_numeric(values, errors="coerce").dropna().unique()
    return next((d for d in range(most + 1) if _exact_at(v, d)), most)


def reported_decimals(values: pd.Series, limits: pd.Series | None = None, most: int = 2) -> int:
    """The decimals to report values at: collected_decimals, unless the values carry float noise (not
    exactly the decimal numbers they round to: computed, e.g. converted to SI units, creatinine
    79.55999999999999 umol/L, urate 291.452 from 4.9 mg/dL). Those are reported at the decimals of
    their reference limits (`limits`, e.g. A1LO and A1HI: the laboratory's precision for the unit),
    with at least two significant digits for the median value and at most the collected decimals."""
    v = pd.to_numeric(values, errors="coerce").dropna().unique()
    collected = collected_decimals(values, most)
    lim = pd.to_numeric(limits, errors="coerce").dropna() if limits is not None else pd.Series(dtype=float)
    noisy = any(round(float(x), collected) != float(x) for x in v)
    if not noisy or lim.empty:
        return collected
    median = float(np.median(np.abs(v)))
    legible = max(0, 1 - int(np.floor(np.log10(median)))) if median > 0 else collected
    return min(collected, max(collected_decimals(lim, most), legible))


def text_column(d: pd.DataFrame, col: str) -> pd.Series:
    """A column as text; all blank (NA) where the frame has no such column."""
    return d[col].astype("string") if col in d else pd.Series(pd.NA, index=d.index, dtype="string")
