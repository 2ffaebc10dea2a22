"""Validation of a study's SDTM: each domain against its pandera schema, then across domains.

Every failure becomes one row of a findings table (file, column, rows, problem, expected,
examples); nothing stops at the first error, so one report lists everything to fix.
"""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from ..columns import is_number, isin, lookup, numbers, per_distinct, to_float
from ..dates import compute_dt_bounds, is_iso_date, parse_dates
from .ingest import Study, problem
from .queries import AE_BEFORE_CONSENT, AE_END_BEFORE_START_PARTIAL, CODED_VARIABLES, NOT_YET_CODED, \
    SCREENING_BEFORE_CONSENT, SCREENING_BEFORE_CONSENT_DAYS, consent_dates
from .spec import (CUT_DATES, DOMAINS, FINDINGS, NULL_ARMS, columns_of, may_be_empty, numeric_columns, permissible,
                   spec_name)

NUMBER_EXPECTED = "a number"
DATE_EXPECTED = ("an ISO 8601 date or date-time of any precision that exists: YYYY, YYYY-MM, YYYY-MM-DD, "
                 "YYYY-MM-DDThh[:mm[:ss]]")
FINDING_COLUMNS = ["file", "column", "rows", "n", "problem", "expected", "examples", "rule"]


class ValidationFailed(ValueError):
    """The stops of the validation: the first ten in the message, every one in the report."""
    def __init__(self, issues: pd.DataFrame, report_path: str | None = None):
        self.issues, self.report_path = issues, report_path
        where = f"the full report (values found) is in {report_path}" if report_path else ""
        shown = [f"- {f.file}" + (f", column {f.column}" if f.column else "") + f", {_row_text(f.rows)}: "
                 f"{f.problem}; expected {f.expected}" for f in issues.head(10).itertuples(index=False)]
        more = [f"... and {len(issues) - 10} more"] if len(issues) > 10 else []
        super().__init__("\n".join([f"{len(issues)} validation problem(s):", *shown, *more] + [where] * bool(where)))


def _valid_date(values: pd.Series) -> pd.Series:
    return per_distinct(values.astype("string"), _each_valid_date)


def _each_valid_date(text: pd.Series) -> pd.Series:
    """Valid at any ISO 8601 precision (SDTM IG 4.4: partial dates are legitimate); the time, if
    any, must exist too."""
    ok = is_iso_date(text)
    timed = ok & text.str.contains("T", regex=False).fillna(False).astype(bool)
    if timed.any():
        t = text[timed].str.split("T").str[1]
        ok[timed] = t.str.fullmatch(r"([01]\d|2[0-3])(:[0-5]\d(:[0-5]\d(\.\d+)?)?)?").fillna(False).astype(bool)
    return ok


def schema_for(domain: str) -> pa.DataFrameSchema:
    """The pandera schema of a domain: required columns (Permissible ones may be absent), blanks,
    numbers, terms and dates."""
    cols = {}
    may_be_absent = set(permissible(domain))
    for name, kind in columns_of(domain).items():
        required = name not in may_be_absent
        if isinstance(kind, tuple):
            how, values = kind
            cols[name] = pa.Column(str, nullable=how == "in?", required=required, checks=pa.Check(
                lambda s, v=values: s.isin(v) | s.isna(), error=f"one of {', '.join(values)}"))
        elif kind in ("num", "num?"):
            cols[name] = pa.Column(str, nullable=kind == "num?", required=required,
                                   checks=pa.Check(is_number, error=NUMBER_EXPECTED))
        elif kind in ("date", "date?"):
            cols[name] = pa.Column(str, nullable=kind == "date?", required=required,
                                   checks=pa.Check(_valid_date, error=DATE_EXPECTED))
        else:
            cols[name] = pa.Column(str, nullable=kind == "text", required=required)
    return pa.DataFrameSchema(cols, name=domain)


EXPECTED = {"column_in_dataframe": "the column (required in this domain)",
            "not_nullable": "a value in every row"}


def _schema_findings(domain: str, path, df: pd.DataFrame) -> list[dict]:
    # columns present but never filled in are read as text NA; let pandera judge them
    try:
        schema_for(domain).validate(df, lazy=True)
        return []
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    out = []
    cases = cases[~cases["check"].astype(str).str.startswith("dtype(")]
    for (column, check), grp in cases.groupby(["column", "check"], dropna=False, sort=True):
        check = str(check)
        if check == "column_in_dataframe":
            missing = grp["failure_case"].astype(str).tolist()
            for col in missing:
                out.append(problem(path, col, [], f"missing column {col}", EXPECTED[check]))
            continue
        rows = [int(i) + 1 for i in grp["index"].dropna()]
        what = {"not_nullable": "blank value", NUMBER_EXPECTED: "not a number",
                DATE_EXPECTED: "invalid date"}.get(check, "value not allowed")
        if check == "not_nullable" and domain == "AE" and column in CODED_VARIABLES and "AETERM" in df:
            reported = df["AETERM"].iloc[[r - 1 for r in rows]].notna().to_numpy()
            coded, uncoded = [r for r, t in zip(rows, reported) if not t], [r for r, t in zip(rows, reported) if t]
            if uncoded:      # an interim transfer: reported, not yet MedDRA-coded
                out.append(problem(path, str(column), uncoded, f"an adverse event not yet coded ({column} blank)",
                                   "the MedDRA term", []) | {"rule": NOT_YET_CODED})
            rows = coded
            if not rows:
                continue
        out.append(problem(path, str(column), rows, f"{what} in {column}", EXPECTED.get(check, check),
                           grp["failure_case"].astype(str).unique()))
    return out


def _rows(mask) -> list[int]:
    return [i + 1 for i in range(len(mask)) if bool(mask.iloc[i])]


def _domain_findings(domain: str, path, df: pd.DataFrame, protocol: dict) -> list[dict]:
    spec = DOMAINS.get(spec_name(domain))
    out = []
    if spec is None:
        return out
    if len(df) == 0 and not may_be_empty(domain):
        return [problem(path, "", [], f"domain {domain} has no records", "at least one record")]
    study_id = (protocol.get("study") or {}).get("id")
    if study_id and "STUDYID" in df:
        bad = df["STUDYID"].notna() & (df["STUDYID"] != study_id)
        if bad.any():
            out.append(problem(path, "STUDYID", _rows(bad), "records of another study",
                               f"STUDYID {study_id} as in protocol.yaml", df.loc[bad, "STUDYID"].unique()))
    for key in spec.get("keys", []):
        if all(k in df for k in key):
            dup = df.duplicated(key, keep=False) & df[key[0]].notna()
            if dup.any():
                values = df.loc[dup, key].astype(object).fillna("").astype(str).agg(" ".join, axis=1).unique()
                out.append(problem(path, "+".join(key), _rows(dup), f"duplicate key {'+'.join(key)}",
                                   "each key value once", values))
    for col in numeric_columns(domain):
        if col in df and col in spec.get("nonnegative", []):
            num = pd.to_numeric(df[col], errors="coerce")
            bad = num < 0
            if bad.any():
                out.append(problem(path, col, _rows(bad), f"negative {col}", "a value of 0 or more",
                                   df.loc[bad, col].unique()))
    for start, end in spec.get("order", []):
        if start in df and end in df:
            # partial dates: wrong only when the latest day the end can mean is before the earliest
            # day the start can mean
            sb, eb = compute_dt_bounds(df[start]), compute_dt_bounds(df[end])
            a, b = sb["LO"], eb["HI"]
            bad = a.notna() & b.notna() & (b < a)
            # an AE whose start and end contradict each other only through a partial date: a query
            partial = bad & ((sb["PREC"] != "D") | (eb["PREC"] != "D")) if domain == "AE" else bad & False
            for sel, rule in ((bad & ~partial, ""), (partial, AE_END_BEFORE_START_PARTIAL)):
                if sel.any():
                    out.append(problem(path, end, _rows(sel), f"{end} before {start}" + (
                        " (a partial date)" if rule else ""), f"{end} on or after {start}",
                        (df.loc[sel, start] + " > " + df.loc[sel, end]).unique()) | {"rule": rule})
    if domain in FINDINGS:
        out += _findings_results(domain, path, df, protocol)
    return out


def _missing_ranges(domain: str, path, df: pd.DataFrame, testcd: str, num) -> list[dict]:
    """A numeric result without a reference range, for a test whose other results have one: its
    range indicator (and shift, Hy's-law screen) could not be derived."""
    lo, hi = f"{domain}STNRLO", f"{domain}STNRHI"
    if num is None or lo not in df or hi not in df:
        return []
    ranged = df[lo].notna() | df[hi].notna()
    tests_with_ranges = df.loc[ranged, testcd].unique()
    bad = num.notna() & ~ranged & df[testcd].isin(tests_with_ranges)
    if not bad.any():
        return []
    return [problem(path, f"{lo}/{hi}", _rows(bad), "result without a reference range (other results of the "
                    "test have one)", "the reference range of the laboratory that measured it",
                    df.loc[bad, testcd].unique())]


def _findings_results(domain: str, path, df: pd.DataFrame, protocol: dict) -> list[dict]:
    """Test codes, units and result ranges of LB/VS against the protocol's definitions."""
    section, testcd, num_col, text_col, unit_col = FINDINGS[domain]
    defs = protocol.get(section) or {}
    out = []
    if testcd not in df:
        return out
    unknown = ~df[testcd].isin(list(defs)) & df[testcd].notna()
    if unknown.any():
        out.append(problem(path, testcd, _rows(unknown), f"test code not defined in protocol.yaml {section}",
                           f"one of {', '.join(defs)}", df.loc[unknown, testcd].unique()))
    num = numbers(df[num_col]) if num_col in df else None
    out += _missing_ranges(domain, path, df, testcd, num)
    test_index, tests = pd.factorize(df[testcd])
    for code, d in defs.items():
        if code not in tests:
            continue
        sel = pd.Series(test_index == tests.get_loc(code), index=df.index)
        if "results" in d:
            if text_col in df:
                bad = sel & df[text_col].notna() & ~df[text_col].isin(d["results"])
                if bad.any():
                    out.append(problem(path, text_col, _rows(bad), f"{code} result not allowed",
                                       f"one of {', '.join(d['results'])}", df.loc[bad, text_col].unique()))
            continue
        if unit_col in df:
            units = df.loc[sel & df[num_col].notna(), unit_col].fillna("(blank)") if num_col in df else \
                df.loc[sel, unit_col].fillna("(blank)")
            wrong = units[units != (d["unit"] or "(blank)")]       # unit "": a unitless test (pH)
            if len(wrong):
                what = (f"{code} in more than one unit: {', '.join(sorted(units.unique()))}"
                        if units.nunique() > 1 else f"{code} in unit {wrong.iloc[0]}")
                out.append(problem(path, unit_col, [i + 1 for i in wrong.index], what,
                                   f"one unit per test: {d['unit']} (protocol.yaml {section}.{code}.unit)",
                                   wrong.unique()))
        if num is not None:
            lo, hi = d["plausible"]
            bad = sel & num.notna() & ((num < lo) | (num > hi))
            if bad.any():
                out.append(problem(path, num_col, _rows(bad), f"{code} outside the physiological range",
                                   f"{lo} to {hi} {d['unit']} (protocol.yaml {section}.{code}.plausible)",
                                   df.loc[bad, num_col].unique()))
    return out


def _cross_findings(study: Study) -> list[dict]:
    """Across domains: every subject in DM; records not before informed consent; RFSTDTC = first dose."""
    out = []
    dm = study.frames.get("DM")
    if dm is None or "USUBJID" not in dm:
        return out
    subjects = set(dm["USUBJID"].dropna())
    consent = consent_dates(study.frames)[0]     # RFICDTC, else its fallback (sdtm/queries.py)
    ex = study.frames.get("EX")
    first_dose = compute_dt_bounds(ex["EXSTDTC"])["LO"].groupby(ex["USUBJID"].to_numpy()).min() \
        if ex is not None and {"USUBJID", "EXSTDTC"} <= set(ex) else pd.Series(dtype="datetime64[ns]")
    days = ((study.protocol or {}).get("sdtm") or {}).get("screening_before_consent_days",
                                                         SCREENING_BEFORE_CONSENT_DAYS)
    for domain, df in study.frames.items():
        path = study.files[domain]
        if domain == "DM" or "USUBJID" not in df:
            continue
        orphan = df["USUBJID"].notna() & ~isin(df["USUBJID"], subjects)
        if orphan.any():
            out.append(problem(path, "USUBJID", _rows(orphan), "subject not in DM",
                               "every USUBJID to be a subject of dm", df.loc[orphan, "USUBJID"].unique()))
        date_col = CUT_DATES.get(domain, (None,))[0]
        if consent is not None and date_col in df and domain in ("EX", "LB", "VS", "DS", "AE"):
            when = compute_dt_bounds(df[date_col])["HI"]     # a partial date: its latest day
            ic = lookup(df["USUBJID"], consent)
            early = when.notna() & ic.notna() & (when < ic)
            screening = pd.Series(False, index=df.index)
            if domain in ("LB", "VS"):     # a screening finding a few days before consent, before any dose
                dose = lookup(df["USUBJID"], first_dose).astype("datetime64[ns]")
                screening = early & (when >= ic - pd.Timedelta(days=days)) & (dose.isna() | (when < dose))
            for sel, rule in ((early & ~screening, AE_BEFORE_CONSENT if domain == "AE" else ""),
                              (screening, SCREENING_BEFORE_CONSENT.format(days=days))):
                if sel.any():
                    out.append(problem(path, date_col, _rows(sel), f"{date_col} before informed consent",
                                       "on or after DM.RFICDTC", df.loc[sel, date_col].unique()) | {"rule": rule})
    ex = study.frames.get("EX")
    if ex is not None and {"USUBJID", "EXSTDTC"} <= set(ex) and "RFSTDTC" in dm:
        first = parse_dates(ex["EXSTDTC"]).groupby(ex["USUBJID"]).min()
        rf = parse_dates(dm["RFSTDTC"])
        mapped = dm["USUBJID"].map(first).astype("datetime64[ns]")
        bad = (rf.notna() | mapped.notna()) & ~(rf == mapped)
        if bad.any():
            out.append(problem(study.files["DM"], "RFSTDTC", _rows(bad), "RFSTDTC differs from the first EXSTDTC",
                               "DM.RFSTDTC = date of the first EX record (blank when never dosed)",
                               dm.loc[bad, "USUBJID"].unique()))
    return out


ARM_COLUMNS = {"DM": ("ARMCD", "ARM", "ACTARMCD", "ACTARM", "ACTARMUD"), "EX": ("EXTRT",), "EC": ("ECTRT",)}
# what was given, how much and how: one value for every subject in a blinded transfer (DM.ARMNRS,
# the reason an arm is null, names no arm and is not checked)
DOSE_COLUMNS = {d: tuple(f"{d[:2]}{v}" for v in ("DOSE", "DOSU", "DOSFRM", "DOSFRQ", "DOSTXT", "ROUTE", "DOSRGM"))
                for d in ("EX", "EC")}


def masking_terms(protocol: dict) -> set[str]:
    """Values that hide the treatment (protocol.yaml blinding.masking_terms), upper case."""
    terms = ((protocol.get("blinding") or {}).get("masking_terms")) or ["BLINDED", "MASKED"]
    return {str(t).strip().upper() for t in terms}


def _blinding_findings(study: Study) -> list[dict]:
    """A randomized study's open-side SDTM must not carry the assignment: DM.ARM/ARMCD/ACTARM/
    ACTARMCD blank, masked or an SDTM null arm (SCRNFAIL, NOTASSGN, NOTTRT); EX.EXTRT (EC.ECTRT)
    blank, masked or the protocol's blinded treatment name (treatment.name)."""
    protocol = study.protocol
    if (protocol.get("study") or {}).get("design") != "randomized":
        return []
    masked = masking_terms(protocol)
    blinded_name = str((protocol.get("treatment") or {}).get("name", "")).strip().upper()
    out = []
    for domain, columns in ARM_COLUMNS.items():
        df = study.frames.get(domain)
        if df is None:
            continue
        allowed = masked | ({blinded_name} if domain != "DM" else NULL_ARMS)
        for col in columns:
            if col not in df:
                continue
            value = df[col].astype("string").str.strip().str.upper()
            bad = value.notna() & ~isin(value, allowed)
            if bad.any():
                what = "the name of the blinded treatment" if domain != "DM" else "an SDTM null arm"
                out.append(problem(study.files[domain], col, _rows(bad),
                                   f"{col} carries treatment assignments on the open side: blinding would be broken",
                                   f"blank, a masking term ({', '.join(sorted(masked))}; protocol.yaml "
                                   f"blinding.masking_terms) or {what}; the assignment belongs in the "
                                   "randomization key only", df.loc[bad, col].unique()))
    return out + _dose_findings(study, masked)


def _dose_findings(study: Study, masked: set[str]) -> list[dict]:
    """EX/EC dose, unit, form, frequency, route, ...: a column that takes more than one value on
    the open side could separate the arms (EXDOSE 0 for placebo, 54 and 81 mg for two doses)."""
    out = []
    for domain, columns in DOSE_COLUMNS.items():
        df = study.frames.get(domain)
        if df is None:
            continue
        for col in columns:
            if col not in df:
                continue
            text = df[col].astype("string").str.strip()
            value = text.str.upper()
            num = pd.to_numeric(text, errors="coerce")
            key = value.where(num.isna(), num.astype("string"))    # 54 and 54.0: one dose
            shown = key.notna() & ~isin(value, masked)
            if key[shown].nunique() < 2:
                continue
            values = sorted(text[shown].unique(), key=lambda v: (pd.to_numeric(v, errors="coerce"), v))
            out.append(problem(study.files[domain], col, _rows(shown),
                               f"{col} takes {key[shown].nunique()} values on the open side "
                               f"({', '.join(values[:5])}): it could separate the arms, blinding would be broken",
                               "one value for every record (a blinded transfer), blank or a masking term "
                               f"({', '.join(sorted(masked))}; protocol.yaml blinding.masking_terms); the doses "
                               "of the arms belong in the randomization key only", values))
    return out


def validate_study(study: Study, strict: bool = False) -> pd.DataFrame:
    """The findings that stop the run, as a table (empty when the data can be analysed); without
    `strict`, those a stated rule resolves are data queries (check_study), not listed here."""
    found = check_study(study)
    return found if strict else found[found["rule"] == ""].reset_index(drop=True)


def check_study(study: Study) -> pd.DataFrame:
    """All findings for a study folder as a table; `rule` names the rule of a data query (blank:
    a stop)."""
    found = list(study.problems)
    found += _blinding_findings(study)
    for domain, df in sorted(study.frames.items()):
        path = study.files[domain]
        found += _schema_findings(domain, path, df) if spec_name(domain) in DOMAINS else []
        found += _domain_findings(domain, path, df, study.protocol)
    found += _cross_findings(study)
    return pd.DataFrame(found, columns=FINDING_COLUMNS)


def _row_text(rows: list[int]) -> str:
    if not rows:
        return "(whole file)"
    shown = ", ".join(map(str, rows[:10]))
    more = f" and {len(rows) - 10} more" if len(rows) > 10 else ""
    return f"row {shown}" if len(rows) == 1 else f"rows {shown}{more} ({len(rows)} rows)"


def format_report(issues: pd.DataFrame, source) -> str:
    """A readable report of validation findings."""
    if len(issues) == 0:
        return f"Validation of {source}: no problems found.\n"
    lines = [f"Validation of {source}: {len(issues)} problem(s). Row n is the n-th data row of the file "
             "(line n+1 of a CSV file, after its header).", ""]
    for i, f in enumerate(issues.itertuples(index=False), 1):
        where = f"{f.file}" + (f", column {f.column}" if f.column else "")
        lines.append(f"[{i}] {where}, {_row_text(f.rows)}")
        lines.append(f"    problem:  {f.problem}")
        lines.append(f"    expected: {f.expected}")
        if len(f.examples):
            lines.append(f"    found:    {', '.join(f.examples)}")
        lines.append("")
    return "\n".join(lines) + "\n"


def typed(domain: str, df: pd.DataFrame) -> pd.DataFrame:
    """A validated text frame with its numeric columns as floats."""
    df = df.copy()
    for col in numeric_columns(domain):
        if col in df:
            try:                    # validated numbers: a plain cast (several times faster)
                df[col] = to_float(df[col])
            except (ValueError, TypeError):
                df[col] = pd.to_numeric(df[col], errors="raise").astype("float64")
    return df


__all__ = ["ValidationFailed", "validate_study", "format_report", "typed", "schema_for"]
