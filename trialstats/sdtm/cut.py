"""The data cut: what the database looked like on the cut date.

A record dated after the cut is removed; an interval record (AE, CM, EX) that starts on or before
the cut and ends after it is kept with its end unknown at the cut (--ENDTC blank, --ENRTPT
"ONGOING", --ENTPT the cut date). A subject whose informed consent is after the cut is removed
with all records. Every removed record is listed with its reason; every changed one too.

Partial dates (ISO 8601 of any precision, e.g. 2016-03) are placed by the earliest day they can
mean: a record whose earliest possible day is after the cut is removed; one that may be on or
before the cut is kept (its ADaM date is imputed, never after the cut). Likewise an end is
unknown at the cut only when its earliest possible day is after the cut. A record without a date
cannot be placed and is kept.
"""
from __future__ import annotations

import pandas as pd

from ..columns import isin
from ..dates import compute_dt_bounds, parse_dates
from .spec import CUT_DATES
from .suppqual import is_supp, parent_of, supp_orphans


def earliest_day(values: pd.Series) -> pd.Series:
    """The earliest day an ISO 8601 date of any precision can mean (NaT when blank)."""
    return compute_dt_bounds(values)["LO"]

LISTING_COLUMNS = ["DOMAIN", "ROW", "USUBJID", "DATE", "ACTION", "REASON"]


class CutError(ValueError):
    """A data-cut date that cannot be applied to the study."""


def apply_cut(frames: dict[str, pd.DataFrame], cut: str):
    """Return (cut frames, listing of removed and changed records, per-domain reconciliation)."""
    cut_day = pd.Timestamp(cut)
    dm = frames["DM"]
    consent = parse_dates(dm["RFICDTC"])
    enrolled = set(dm.loc[consent <= cut_day, "USUBJID"])
    if not enrolled:
        first = consent.min()
        raise CutError(f"data cut {cut} is before the first informed consent "
                       f"({first.date() if pd.notna(first) else 'none recorded'}, dm column RFICDTC): no subject "
                       "would be analysed; expected a cut date on or after the first consent (config.yaml cuts)")
    out, listing, recon = {}, [], []
    # SUPP-- records follow their parent: cut after every parent domain
    for domain in sorted(frames, key=lambda d: (is_supp(d), d)):
        df = frames[domain]
        date_col, end_col = CUT_DATES.get(domain, (None, None))
        when = earliest_day(df[date_col]) if date_col in df else pd.Series(pd.NaT, index=df.index)
        later_subject = ~isin(df["USUBJID"], enrolled) if "USUBJID" in df else pd.Series(False, index=df.index)
        after = when.notna() & (when > cut_day) & ~later_subject
        drop = later_subject | after
        parent_gone = pd.Series(False, index=df.index)
        if is_supp(domain) and parent_of(domain) in frames:
            parent_gone = supp_orphans(out[parent_of(domain)], df) & ~supp_orphans(frames[parent_of(domain)], df)
            parent_gone &= ~drop
            drop = drop | parent_gone
        reason = pd.Series("", index=df.index, dtype="string")
        reason[after] = f"{date_col} after the data cut {cut}"
        if date_col in df:
            partial = after & df[date_col].notna() & ~df[date_col].str.match(r"^\d{4}-\d{2}-\d{2}").fillna(False)
            reason[partial] = f"{date_col} (partial date) after the data cut {cut}: its earliest possible day is later"
        reason[later_subject] = f"subject's informed consent after the data cut {cut}"
        reason[parent_gone] = f"its parent {parent_of(domain)} record removed at the data cut {cut}"
        kept = df.loc[~drop].copy()
        changed = pd.Series(False, index=kept.index)
        if end_col and end_col in kept:
            ends = earliest_day(kept[end_col])
            changed = ends.notna() & (ends > cut_day)
            kept = _censor_end(domain, kept, end_col, changed, cut)
        if domain == "DM":
            kept, changed = _cut_reference_dates(kept, cut_day)
        for mask, action, why in ((drop, "removed", reason),
                                  (changed.reindex(df.index, fill_value=False), "end unknown at cut",
                                   pd.Series(f"ends after the data cut {cut}", index=df.index))):
            if mask.any():
                rows = df.loc[mask]
                listing.append(pd.DataFrame({
                    "DOMAIN": domain, "ROW": rows.index + 1,
                    "USUBJID": rows["USUBJID"] if "USUBJID" in rows else "",
                    "DATE": rows[date_col] if date_col in rows else "",
                    "ACTION": action, "REASON": why[mask]}))
        out[domain] = kept.reset_index(drop=True)
        recon.append(dict(DOMAIN=domain, RECORDS_IN=len(df), RECORDS_KEPT=len(kept),
                          RECORDS_REMOVED=int(drop.sum()), RECORDS_CHANGED=int(changed.sum())))
    listing = (pd.concat(listing, ignore_index=True) if listing
               else pd.DataFrame(columns=LISTING_COLUMNS))
    return out, listing[LISTING_COLUMNS], pd.DataFrame(recon)


def _censor_end(domain: str, df: pd.DataFrame, end_col: str, mask: pd.Series, cut: str) -> pd.DataFrame:
    if not mask.any():
        return df
    df[end_col] = df[end_col].mask(mask)
    for col, value in ((f"{domain}ENRTPT", "ONGOING"), (f"{domain}ENTPT", cut)):
        if col not in df:
            df[col] = pd.Series(pd.NA, index=df.index, dtype="string")
        df[col] = df[col].mask(mask, value)
    if domain == "AE" and "AEOUT" in df:
        df["AEOUT"] = df["AEOUT"].mask(mask, "NOT RECOVERED/NOT RESOLVED")
    if domain == "AE" and "AESDTH" in df:      # a death after the cut is not known at the cut
        df["AESDTH"] = df["AESDTH"].mask(mask)
    return df


def _cut_reference_dates(dm: pd.DataFrame, cut_day) -> tuple[pd.DataFrame, pd.Series]:
    """First/last dose, study end and death dates after the cut are not known at the cut (nor is the
    death: DTHFL is blanked with its date)."""
    changed = pd.Series(False, index=dm.index)
    for col in ("RFSTDTC", "RFENDTC", "RFXSTDTC", "RFXENDTC", "RFPENDTC", "DTHDTC"):
        if col in dm:
            late = parse_dates(dm[col]) > cut_day
            dm[col] = dm[col].mask(late)
            changed |= late
            if col == "DTHDTC" and "DTHFL" in dm:       # the death itself is not known at the cut
                dm["DTHFL"] = dm["DTHFL"].mask(late)
    return dm, changed
