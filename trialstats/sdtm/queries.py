"""Data queries: records of a real transfer that are imperfect but analysable.

Each is kept or changed by a stated rule and listed (DOMAIN, USUBJID, ROW, SEQ, VARIABLE, VALUE,
QUERY, RULE) in `sdtm/data_queries.csv` and `adam/data_queries.csv`, an appendix of every report;
`strict: true` in config.yaml makes each of them stop the run instead, like any other finding.
Data that would make a number wrong (duplicate keys, unknown units, a broken key) always stop.
"""
from __future__ import annotations

import pandas as pd

from ..columns import text_column

from ..columns import lookup
from ..dates import compute_dt_bounds

QUERY_COLUMNS = ["DOMAIN", "USUBJID", "ROW", "SEQ", "VARIABLE", "VALUE", "QUERY", "RULE"]

CONSENT_TERM = "INFORMED CONSENT OBTAINED"
# the records of screening that can stand in for a blank consent date (not AE, MH, CM: history)
SCREENING_DATES = {"DS": "DSSTDTC", "SV": "SVSTDTC", "IE": "IEDTC", "LB": "LBDTC", "VS": "VSDTC", "EG": "EGDTC",
                   "QS": "QSDTC", "EX": "EXSTDTC"}

# the rule applied to each kind of finding that becomes a data query (the finding's `rule`)
AE_BEFORE_CONSENT = ("kept: a condition present before informed consent (pre-existing), not treatment-emergent "
                     "as it starts before the first dose")
# a screening lab or vital sign a few days before the consent date (the consent recorded at the visit,
# the sample drawn or the measurement taken earlier): protocol.yaml sdtm.screening_before_consent_days
SCREENING_BEFORE_CONSENT_DAYS = 7
SCREENING_BEFORE_CONSENT = ("kept as a screening record: dated at most {days} days before informed consent and "
                            "before the first dose (the consent date is often the visit's, the sample or "
                            "measurement earlier); pre-treatment, so it may be the baseline")
AE_END_BEFORE_START_PARTIAL = ("kept with AEENDTC set to blank (end unknown, imputed by the end-date rules); "
                               "the start and end contradict each other only through a partial date")


NOT_YET_CODED_TERM = "Not yet coded"
CODED_VARIABLES = ("AEDECOD", "AEBODSYS")
NOT_YET_CODED = (f"kept with the term and body system '{NOT_YET_CODED_TERM}': tabulated under it (a SOC and a PT of "
                 "that name) until MedDRA coding is done; AETERM as reported in the listings")
FATAL_NOT_SERIOUS = ("kept as recorded: counted as a TEAE with fatal outcome and as a death (Table 14.3.1, Listing "
                     "16.2.2), not as serious (AESER is not Y; a fatal event is serious by ICH E2A: to confirm)")


NOT_ADMINISTERED = ("kept in EX, not a dose received: no first dose, dose count, exposure or per-protocol credit "
                    "from it (SDTM: EXOCCUR N, or a dose of 0 in a study without a placebo arm, is not administered)")


def not_administered(ex: pd.DataFrame, randomized: bool) -> pd.Series:
    """EX records of a dose not given: EXOCCUR N, or EXDOSE 0 where no arm is a placebo (a study without
    randomization; in a randomized study a 0 is the placebo's dose, and a masked transfer has none)."""
    occur = text_column(ex, "EXOCCUR").fillna("").str.strip().str.upper().eq("N")
    zero = pd.to_numeric(text_column(ex, "EXDOSE"), errors="coerce").eq(0).fillna(False)
    return (occur | (zero & (not randomized))).astype(bool)


def not_administered_queries(ex: pd.DataFrame, randomized: bool) -> pd.DataFrame:
    """Data queries of the EX records of a dose not given (not_administered)."""
    mask = not_administered(ex, randomized)
    rows = [int(i) + 1 for i in mask.to_numpy().nonzero()[0]]
    occur = text_column(ex, "EXOCCUR").fillna("").str.strip().str.upper().eq("N").to_numpy()
    out = [query_records("EX", ex, [r for r in rows if occur[r - 1]], "EXOCCUR", "a dose not administered (EXOCCUR N)",
                         NOT_ADMINISTERED),
           query_records("EX", ex, [r for r in rows if not occur[r - 1]], "EXDOSE",
                         "a dose of 0: not administered", NOT_ADMINISTERED)]
    return pd.concat([q for q in out if len(q)] or [out[0]], ignore_index=True)


def fatal_not_serious(ae: pd.DataFrame) -> pd.DataFrame:
    """Data queries of AEs with a fatal outcome (AEOUT FATAL or AESDTH Y) that are not flagged serious."""
    text = lambda column: text_column(ae, column).fillna("").str.strip().str.upper()  # noqa: E731
    fatal = (text("AEOUT").eq("FATAL") | text("AESDTH").eq("Y")) & text("AESER").ne("Y")
    rows = [int(i) + 1 for i in fatal.to_numpy(dtype=bool).nonzero()[0]]
    return query_records("AE", ae, rows, "AESER", "a fatal adverse event not flagged serious", FATAL_NOT_SERIOUS)


def consent_dates(frames: dict[str, pd.DataFrame]) -> tuple[pd.Series, pd.DataFrame]:
    """Each DM subject's informed-consent day: DM.RFICDTC; where blank (an Expected variable), the
    DS INFORMED CONSENT OBTAINED date, else the subject's earliest screening record (DS, SV, IE, LB,
    VS, EG, QS, EX). Returns (consent day by USUBJID, data queries of the fallbacks)."""
    dm = frames["DM"]
    subjects = dm["USUBJID"]
    given = compute_dt_bounds(dm["RFICDTC"])["LO"] if "RFICDTC" in dm else pd.Series(pd.NaT, index=dm.index)
    consent = pd.Series(given.to_numpy(), index=pd.Index(subjects), dtype="datetime64[ns]")
    consent = consent[~consent.index.duplicated(keep="last")]
    blank = consent.isna()
    if not blank.any():
        return consent, pd.DataFrame(columns=QUERY_COLUMNS)
    source = pd.Series("", index=consent.index, dtype=object)
    ds = frames.get("DS")
    if ds is not None and {"DSDECOD", "DSSTDTC"} <= set(ds):
        ic = ds[ds["DSDECOD"].astype("string").str.upper() == CONSENT_TERM]
        first = compute_dt_bounds(ic["DSSTDTC"])["LO"].groupby(ic["USUBJID"].to_numpy()).min()
        fill = blank & consent.index.isin(first.index)
        consent[fill] = lookup(pd.Series(consent.index[fill]), first).to_numpy()
        source[fill] = f"DS {CONSENT_TERM} (DSSTDTC)"
    earliest = []
    for domain, column in SCREENING_DATES.items():
        df = frames.get(domain)
        if df is not None and column in df and len(df):
            day = compute_dt_bounds(df[column])["LO"]
            earliest.append(pd.DataFrame({"USUBJID": df["USUBJID"].to_numpy(), "day": day.to_numpy(),
                                          "src": f"{domain}.{column}"}))
    still = consent.isna()
    if earliest and still.any():
        recs = pd.concat(earliest, ignore_index=True).dropna(subset=["day"])
        recs = recs.sort_values(["USUBJID", "day"], kind="mergesort").drop_duplicates("USUBJID")
        recs = recs.set_index("USUBJID")
        fill = still & consent.index.isin(recs.index)
        consent[fill] = recs.loc[consent.index[fill], "day"].to_numpy()
        source[fill] = "the earliest screening record (" + recs.loc[consent.index[fill], "src"].to_numpy() + ")"
    missing = set(consent.index[blank])
    rows = [i + 1 for i, u in enumerate(subjects) if u in missing]
    query = pd.DataFrame({
        "DOMAIN": "DM", "USUBJID": subjects.iloc[[r - 1 for r in rows]].to_numpy(), "ROW": rows, "SEQ": "",
        "VARIABLE": "RFICDTC", "VALUE": "", "QUERY": "RFICDTC blank (an Expected variable)"})
    days, srcs = consent[query["USUBJID"]], source[query["USUBJID"]]
    query["RULE"] = [f"RFICDTC set to the date of {s} in the cut DM" if pd.notna(d) else
                     "no consent date found in DS or any screening record: removed at the data cut"
                     for d, s in zip(days, srcs)]
    return consent, query[QUERY_COLUMNS]


def fill_consent(dm: pd.DataFrame, consent: pd.Series) -> pd.DataFrame:
    """DM with each blank RFICDTC filled by its fallback consent day (YYYY-MM-DD)."""
    dm = dm.copy()
    day = lookup(dm["USUBJID"], consent)
    blank = dm["RFICDTC"].isna() if "RFICDTC" in dm else pd.Series(True, index=dm.index)
    dm["RFICDTC"] = dm.get("RFICDTC", pd.Series(pd.NA, index=dm.index, dtype="string")).astype("string")
    dm.loc[blank & day.notna(), "RFICDTC"] = day[blank & day.notna()].dt.strftime("%Y-%m-%d")
    return dm


def query_records(domain: str, df: pd.DataFrame, rows: list[int], variable: str, query: str,
                  rule: str) -> pd.DataFrame:
    """Data queries of the given 1-based rows of a domain."""
    idx = [r - 1 for r in rows]
    seq = f"{domain}SEQ"
    part = df.iloc[idx]
    return pd.DataFrame({
        "DOMAIN": domain, "USUBJID": part["USUBJID"].to_numpy() if "USUBJID" in part else "", "ROW": rows,
        "SEQ": part[seq].astype(object).fillna("").astype(str).to_numpy() if seq in part else "",
        "VARIABLE": variable, "VALUE": part[variable].astype(object).fillna("").astype(str).to_numpy()
        if variable in part else "", "QUERY": query, "RULE": rule}, columns=QUERY_COLUMNS)


def apply_rule(df: pd.DataFrame, rows: list[int], variable: str, rule: str) -> pd.DataFrame:
    """A domain with the rule of a data query applied to its rows (a blanked end, a term not yet coded;
    others are kept)."""
    if rule not in (AE_END_BEFORE_START_PARTIAL, NOT_YET_CODED):
        return df
    df = df.copy()
    df.iloc[[r - 1 for r in rows], df.columns.get_loc(variable)] = (
        pd.NA if rule == AE_END_BEFORE_START_PARTIAL else NOT_YET_CODED_TERM)
    return df
