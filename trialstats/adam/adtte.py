"""ADTTE: time to first event from the first dose (ADSL TRTSDT = study day 1; no day 0, so an
event on the day of the first dose has one day at risk), censored at the end of observation."""
from __future__ import annotations

import pandas as pd


def derive_end_of_observation(adsl: pd.DataFrame, dated: list[tuple[pd.DataFrame, str]]) -> pd.Series:
    """USUBJID -> end of observation: the end-of-study date (EOSDT) where the subject has one, else
    the last date of any record (`dated`: [(frame, date column)]), i.e. last known alive."""
    parts = [d[["USUBJID", col]].set_axis(["USUBJID", "DT"], axis=1) for d, col in dated if col in d]
    last = pd.concat(parts).dropna().groupby("USUBJID")["DT"].max() if parts else pd.Series(dtype="datetime64[ns]")
    ids = adsl["USUBJID"]
    eos = pd.to_datetime(adsl.set_index("USUBJID")["EOSDT"], errors="coerce") if "EOSDT" in adsl else \
        pd.Series(pd.NaT, index=ids)
    return eos.reindex(ids).fillna(last.reindex(ids)).rename("ENDDT")


def derive_param_tte(adsl: pd.DataFrame, event_dates: pd.DataFrame, end: pd.Series,
                     paramcd: str = "") -> pd.DataFrame:
    """Time to the first event as ADTTE records, one per safety subject: USUBJID, ARM_, PARAMCD,
    STARTDT (TRTSDT), ADT (the first event, else the end of observation; never before STARTDT),
    AVAL (study days STARTDT to ADT, day 1 = STARTDT), CNSR (0 event, 1 censored).
    `event_dates`: USUBJID, DT (any number per subject)."""
    first = event_dates.dropna(subset=["DT"]).groupby("USUBJID")["DT"].min()
    s = adsl.set_index("USUBJID")
    start = pd.to_datetime(s["TRTSDT"])
    when = first.reindex(s.index)
    stop = when.fillna(end.reindex(s.index))
    stop = stop.where(stop >= start, start)                    # never before the first dose
    return pd.DataFrame({"USUBJID": s.index, "ARM_": s["ARM_"].to_numpy(), "PARAMCD": paramcd,
                         "STARTDT": start.to_numpy(), "ADT": stop.to_numpy(),
                         "AVAL": ((stop - start).dt.days + 1).to_numpy(dtype=float),
                         "CNSR": when.isna().to_numpy(dtype=int)}).reset_index(drop=True)
