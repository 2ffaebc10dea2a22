"""Reading and writing tables: CSV, SAS XPT (pyreadstat), parquet, CDISC Dataset-JSON v1.1;
checksums."""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

READABLE = (".csv", ".xpt", ".parquet", ".json", ".ndjson")
# XPT files carry no declared encoding; real ones are often Windows-1252 or Latin-1 (a curly
# apostrophe is byte 0x92). Tried in this order unless the study declares one (protocol.yaml
# sdtm.encoding): valid UTF-8 is kept as UTF-8, else Windows-1252, else Latin-1 (which reads
# any byte).
XPT_ENCODINGS = ("utf-8", "cp1252", "latin1")
TABLE_SUFFIXES = (".csv", ".csv.gz", ".xpt", ".parquet")


class UnreadableFile(ValueError):
    """A file that cannot be read as the table its extension promises."""


def read_table(path: str | Path, encoding: str | None = None) -> pd.DataFrame:
    """Read a CSV, XPT, parquet or Dataset-JSON file as text columns (blank -> NA), column names
    upper-case. `encoding` is the text encoding of an XPT or CSV file (default: XPT detected,
    CSV UTF-8).

    Everything is read as text so that validation sees what the file holds (a "7,5" stays a
    string to be reported, not a silent NaN); numeric columns are converted after validation.
    SAS XPT goes through pyreadstat: pandas.read_sas turns zeros into 5.4e-79 (pandas #50670).
    """
    path = Path(path)
    suffix = ".csv" if path.name.lower().endswith(".csv.gz") else path.suffix.lower()
    if path.stat().st_size == 0:
        raise UnreadableFile("the file is empty (0 bytes)")
    try:
        if suffix == ".csv":
            df = _read_csv_text(path, encoding or "utf-8")
        elif suffix == ".xpt":
            df = _read_xpt(path, encoding)
        elif suffix in (".json", ".ndjson"):
            from .dataset_json import read_dataset_json

            df = read_dataset_json(path)
        elif suffix == ".parquet":
            df = pd.read_parquet(path)
        else:
            raise UnreadableFile(f"unknown file type {suffix!r}; expected one of {', '.join(READABLE)}")
    except UnicodeDecodeError as err:
        raise UnreadableFile(f"not UTF-8 text (byte {err.start}: {err.reason}); save the file as UTF-8") from err
    except pd.errors.EmptyDataError as err:
        raise UnreadableFile("the file has no header row") from err
    except pd.errors.ParserError as err:
        raise UnreadableFile(f"not a well-formed CSV file: {err}") from err
    except UnreadableFile:
        raise
    except Exception as err:  # pyreadstat / pyarrow raise their own types
        raise UnreadableFile(f"cannot be read as {suffix[1:].upper()}: {type(err).__name__}: {err}") from err
    return normalise_text(df)


DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def _check_csv_header(path: Path, encoding: str) -> None:
    """The header of a comma-separated file: another delimiter (an Excel export with the locale's ";")
    or a column name twice (pandas would rename the second AEDECOD.1 and analyse the first) is named."""
    import csv
    import gzip

    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig" if encoding.replace("-", "").lower() == "utf8" else encoding,
                newline="") as f:
        names = next(csv.reader(f), [])
    if len(names) == 1:
        found = [(names[0].count(d), d) for d in DELIMITERS if d in names[0]]
        if found:
            delimiter = max(found)[1]
            raise UnreadableFile(f"the header row is one column split by {DELIMITERS[delimiter]} ({delimiter!r}): "
                                 f"the file is delimited by {delimiter!r}; expected comma-separated values (save "
                                 "it as CSV with commas, e.g. 'CSV UTF-8 (comma delimited)')")
    upper = [n.strip().upper() for n in names]
    twice = [n for n in dict.fromkeys(upper) if upper.count(n) > 1]
    if twice:
        where = "; ".join(f"{n} in columns {', '.join(str(i + 1) for i, u in enumerate(upper) if u == n)}"
                          for n in twice)
        raise UnreadableFile(f"column name(s) given more than once: {where}; expected each variable once "
                             "(which copy is right cannot be told)")


def _read_csv_text(path: Path, encoding: str = "utf-8") -> pd.DataFrame:
    """Every cell as text: pyarrow's parser (several times faster on large extracts), and on any
    complaint pandas' own, whose errors read_table turns into messages naming the problem."""
    _check_csv_header(path, encoding)
    try:
        if encoding.replace("-", "").lower() != "utf8":
            raise ValueError("pyarrow reads UTF-8 only")
        return _read_csv_arrow_text(path)
    except Exception:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)


def _read_csv_arrow_text(path: Path) -> pd.DataFrame:
    """pyarrow's parser with every column typed as text: pandas' engine="pyarrow" lets pyarrow
    infer types before dtype=str (pyarrow 26 turns "2015-10-26T09:00" into "2015-10-26 09:00:00")."""
    import csv

    import pyarrow.csv as pacsv
    with open(path, encoding="utf-8-sig", newline="") as f:
        names = next(csv.reader(f), [])
    table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
        column_types={n: "string" for n in names}, strings_can_be_null=False, quoted_strings_can_be_null=False))
    return table.to_pandas().astype(str)


def _iconv_name(encoding: str) -> str:
    """A Python codec name (latin-1, windows-1252, utf8) as ReadStat's iconv knows it."""
    import codecs

    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return encoding
    return name.upper().replace("ISO8859", "ISO-8859")


def _read_xpt(path: Path, encoding: str | None) -> pd.DataFrame:
    """An XPT file in its declared encoding, or the first of XPT_ENCODINGS that decodes it."""
    import pyreadstat

    last = None
    for enc in [_iconv_name(encoding)] if encoding else XPT_ENCODINGS:
        try:
            df, _ = pyreadstat.read_xport(str(path), encoding=enc)
            return df
        except (UnicodeDecodeError, pyreadstat.ReadstatError) as err:
            if "encoding" not in str(err) and not isinstance(err, UnicodeDecodeError):
                raise
            last = err
    raise UnreadableFile(f"text not in encoding {encoding or ' or '.join(XPT_ENCODINGS)} ({last}); "
                         "declare the file's encoding in protocol.yaml sdtm.encoding")


def normalise_text(df: pd.DataFrame) -> pd.DataFrame:
    """Upper-case stripped column names; every column as text with blanks as NA."""
    df = df.copy()
    df.columns = [str(c).strip().upper() for c in df.columns]
    twice = sorted({c for c in df.columns if list(df.columns).count(c) > 1})
    if twice:
        raise UnreadableFile(f"column name(s) {', '.join(twice)} given more than once (names compared in upper "
                             "case); expected each variable once")
    for col in df.columns:
        values = df[col]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            text = values.map(_number_text)
        else:
            text = values.astype("string").fillna("")
        text = text.astype("string").str.strip()
        df[col] = text.mask(text == "")
    return df


def _number_text(v) -> str:
    if pd.isna(v):
        return ""
    v = float(v)
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)


def write_parquet(df: pd.DataFrame, path: str | Path) -> None:
    """Parquet without the pandas index; byte-stable for the same data and library versions."""
    df.reset_index(drop=True).to_parquet(path, index=False, compression="zstd")


def write_csv(df: pd.DataFrame, path: str | Path) -> None:
    """CSV as pandas writes it (no index, blank for missing, "\\n" line ends); long frames of
    plain columns (text, float, int, bool) through a writer several times faster, same bytes."""
    text = csv_text(df) if len(df) >= FAST_CSV_ROWS else None
    if text is None:
        df.to_csv(path, index=False, lineterminator="\n", na_rep="")
    else:
        Path(path).write_text(text, encoding="utf-8", newline="")


FAST_CSV_ROWS = 10_000


def csv_text(df: pd.DataFrame) -> str | None:
    """The text of df.to_csv(index=False, lineterminator="\\n", na_rep=""), or None where a
    column is of a kind this writer does not format (dates, mixed objects, one-column frames)."""
    if df.shape[1] < 2 or not all(isinstance(c, str) for c in df.columns):
        return None
    columns = []
    for name in df.columns:
        cells = _csv_cells(df[name])
        if cells is None:
            return None
        columns.append(cells)
    header = ",".join(_csv_quote(c) for c in df.columns)
    return "\n".join([header, *map(",".join, zip(*columns))]) + "\n"


def _csv_quote(text: str) -> str:
    if any(c in text for c in ',"\n'):   # csv.QUOTE_MINIMAL with lineterminator "\n"
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_cells(values: pd.Series) -> list | None:
    dtype = values.dtype
    if dtype.kind in "fiub" and not isinstance(dtype, pd.api.extensions.ExtensionDtype):
        cells = list(map(repr if dtype.kind == "f" else str, values.to_numpy().tolist()))  # as numpy's str
        if dtype.kind == "f":
            for i in np.flatnonzero(values.isna().to_numpy()):
                cells[i] = ""
        return cells
    if not (isinstance(dtype, pd.StringDtype) or pd.api.types.is_object_dtype(dtype)):
        return None
    codes, distinct = pd.factorize(values)                     # quote once per distinct text
    if not all(isinstance(v, str) for v in distinct):
        return None
    formatted = np.array([_csv_quote(v) for v in distinct] + [""], dtype=object)  # code -1 (missing): ""
    return formatted[codes].tolist()


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_datasets(frames: dict[str, pd.DataFrame], folder: str | Path) -> None:
    """Each frame as <folder>/<name>.parquet."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in sorted(frames.items()):
        write_parquet(df, folder / f"{name.lower()}.parquet")


def read_datasets(folder: str | Path, names=None) -> dict[str, pd.DataFrame]:
    """Every <name>.parquet of a folder (or those of `names` it has), keyed by name."""
    return {p.stem: pd.read_parquet(p) for p in sorted(Path(folder).glob("*.parquet"))
            if names is None or p.stem in names}
