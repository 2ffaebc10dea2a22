"""The fast CSV writer gives exactly pandas' bytes (pandas.to_csv is the reference)."""
import numpy as np
import pandas as pd
import pytest

from trialstats.io import csv_text, write_csv

RNG = np.random.default_rng(11)
TEXTS = ["plain", "with, comma", 'with "quote"', "line\nbreak", "carriage\rreturn", "", " padded ",
         "ünïcödé", "tab\there", "semi;colon", "A - B", "A vs B"]


def frame(n=400):
    floats = RNG.normal(size=n) * 10.0 ** RNG.integers(-300, 300, size=n)
    floats[RNG.random(n) < 0.1] = np.nan
    floats[:6] = [0.0, -0.0, np.inf, -np.inf, 1e16, 123456789.0]
    text = RNG.choice(np.array(TEXTS, dtype=object), size=n)
    text[RNG.random(n) < 0.1] = None
    return pd.DataFrame({
        "group1": pd.array(text, dtype="string"),
        "obj": pd.Series(text, dtype=object),
        "str": pd.Series(text, dtype="str"),
        "level": RNG.integers(-5, 10**12, size=n),
        "small": RNG.integers(0, 200, size=n).astype("uint8"),
        "flag": RNG.random(n) < 0.5,
        "stat": floats,
        "probability": RNG.random(n),
        'odd, "name"': RNG.random(n),
    })


def expected(df):
    return df.to_csv(index=False, lineterminator="\n", na_rep="")


def test_fast_writer_equals_pandas():
    df = frame()
    assert csv_text(df) == expected(df)


@pytest.mark.parametrize("column", [pd.to_datetime(["2020-01-01"] * 3), pd.array([1, None, 3], dtype="Int64"),
                                    pd.Series([1, "a", None], dtype=object)])
def test_other_columns_are_left_to_pandas(column):
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": column})
    assert csv_text(df) is None


def test_one_column_frames_are_left_to_pandas():       # pandas quotes an empty lone field
    assert csv_text(pd.DataFrame({"a": ["", "x"]})) is None


def test_write_csv_long_frame(tmp_path):
    df = pd.concat([frame()] * 30, ignore_index=True)  # over the fast-path threshold
    write_csv(df, tmp_path / "fast.csv")
    df.to_csv(tmp_path / "pandas.csv", index=False, lineterminator="\n", na_rep="")
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()
