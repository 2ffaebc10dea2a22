"""ADTTE: time to first event from the first dose (ADSL TRTSDT = study day 1; no day 0, so an
event on the day of the first dose has one day at risk), censored at the end of observation; and
the parameter of a time_to_event primary endpoint as the protocol defines it (derive_primary_tte)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..dates import compute_dt


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
                     paramcd: str = "", start_column: str = "TRTSDT") -> pd.DataFrame:
    """Time to the first event as ADTTE records, one per subject of `adsl`: USUBJID, ARM_, PARAMCD,
    STARTDT (`start_column`, the first dose by default), ADT (the first event, else the end of
    observation; never before STARTDT), AVAL (days STARTDT to ADT, day 1 = STARTDT), CNSR (0 event,
    1 censored). `event_dates`: USUBJID, DT (any number per subject)."""
    first = event_dates.dropna(subset=["DT"]).groupby("USUBJID")["DT"].min()
    s = adsl.set_index("USUBJID")
    start = pd.to_datetime(s[start_column])
    when = first.reindex(s.index)
    stop = when.fillna(end.reindex(s.index))
    stop = stop.where(stop >= start, start)                    # never before the start
    return pd.DataFrame({"USUBJID": s.index, "ARM_": s["ARM_"].to_numpy(), "PARAMCD": paramcd,
                         "STARTDT": start.to_numpy(), "ADT": stop.to_numpy(),
                         "AVAL": ((stop - start).dt.days + 1).to_numpy(dtype=float),
                         "CNSR": when.isna().to_numpy(dtype=int)}).reset_index(drop=True)


START_COLUMNS = {"first_dose": "TRTSDT", "randomization": "RANDDT"}
START_WORDS = {"first_dose": "the first dose", "randomization": "randomization"}
POST_BASELINE_EXCLUDED = ("BASELINE", "PRE-TREATMENT")


def event_label(event: dict, names: dict | None = None) -> str:
    """One event of protocol time_to_event.events in words: "Haemoglobin A1c < 7", "death", ..."""
    names = names or {}
    if "lab" in event:
        lab = event["lab"]
        op, limit = ("<", lab["below"]) if "below" in lab else (">", lab["above"])
        return f"{names.get(lab['paramcd'], lab['paramcd'])} {op} {limit:g}"
    if "ae" in event:
        ae = event["ae"]
        return f"AESI {ae['aesi']}" if "aesi" in ae else "adverse event " + " or ".join(ae["terms"])
    if "death" in event:
        return "death"
    return "disposition " + " or ".join(event["disposition"]["terms"])


def _event_dates(event: dict, adsl: pd.DataFrame, adlb: pd.DataFrame, adae: pd.DataFrame,
                 ds: pd.DataFrame | None, aesi_ids: list[str]) -> tuple[pd.DataFrame, str]:
    """USUBJID, DT of every record meeting one event definition, and its source domain."""
    if "lab" in event:
        lab = event["lab"]
        d = adlb[(adlb["PARAMCD"] == lab["paramcd"]) & ~adlb["AVISIT"].isin(POST_BASELINE_EXCLUDED)]
        met = d["AVAL"] < lab["below"] if "below" in lab else d["AVAL"] > lab["above"]
        return d.loc[met.fillna(False).astype(bool), ["USUBJID", "ADT"]].set_axis(["USUBJID", "DT"], axis=1), "ADLB"
    if "ae" in event:
        ae = event["ae"]
        if "aesi" in ae:
            col = f"CQ{aesi_ids.index(ae['aesi']) + 1:02d}NAM"         # derive_adae's column of that AESI
            hit = adae[col].astype("string").str.strip().ne("")
        else:
            terms = {t.upper() for t in ae["terms"]}
            hit = adae["AEDECOD"].astype("string").str.upper().isin(terms)
        d = adae[hit.fillna(False).astype(bool)]
        return d[["USUBJID", "ASTDT"]].set_axis(["USUBJID", "DT"], axis=1), "ADAE"
    if "death" in event:
        return adsl[["USUBJID", "DTHDT"]].set_axis(["USUBJID", "DT"], axis=1), "ADSL"
    terms = {t.upper() for t in event["disposition"]["terms"]}
    if ds is None:
        return pd.DataFrame({"USUBJID": pd.Series(dtype=str), "DT": pd.Series(dtype="datetime64[ns]")}), "DS"
    d = ds[ds["DSDECOD"].astype("string").str.upper().isin(terms).fillna(False).astype(bool)]
    return pd.DataFrame({"USUBJID": d["USUBJID"], "DT": compute_dt(d["DSSTDTC"])}), "DS"


def check_tte_events(protocol: dict) -> None:
    """Every event of time_to_event.events names what the protocol defines: a lab under labs, an
    AESI id under aesi; a ValueError naming the key otherwise."""
    labs, aesi = protocol.get("labs", {}), [a["id"] for a in protocol.get("aesi", [])]
    for k, event in enumerate(protocol["time_to_event"]["events"]):
        where = f"protocol.yaml time_to_event.events[{k}]"
        if "lab" in event and event["lab"]["paramcd"] not in labs:
            raise ValueError(f"{where}: lab {event['lab']['paramcd']} is not defined under labs "
                             f"(defined: {sorted(labs)})")
        if "ae" in event and "aesi" in event["ae"] and event["ae"]["aesi"] not in aesi:
            raise ValueError(f"{where}: AESI {event['ae']['aesi']} is not defined under aesi (defined: {aesi})")


def derive_primary_tte(adsl: pd.DataFrame, adlb: pd.DataFrame, adae: pd.DataFrame, ds: pd.DataFrame | None,
                       end: pd.Series, spec: dict, cut: str, names: dict | None = None,
                       aesi_ids: list[str] = ()) -> pd.DataFrame:
    """ADTTE of the protocol's time_to_event primary, one record per subject with a start date
    (`spec["start"]`: the first dose, default, or randomization): the first record meeting any of
    `spec["events"]` from the start to the data cut (a laboratory value after baseline: neither the
    baseline record nor before the first dose) is the event; without one, censored at the end of
    observation (`end`) or the data cut, whichever is earlier. Columns: USUBJID, PARAMCD, PARAM,
    STARTDT, ADT, AVAL (days, day 1 = STARTDT), AVALU, CNSR, EVNTDESC (the event met first), CNSDTDSC
    (why censored then), SRCDOM (the event's dataset).
    `names`: PARAMCD -> name of the labs; `aesi_ids`: the protocol's AESI ids in order (ADAE CQnnNAM)."""
    start_key = spec.get("start", "first_dose")
    start_column = START_COLUMNS[start_key]
    subjects = adsl[adsl[start_column].notna()]
    starts = subjects.set_index("USUBJID")[start_column]
    if start_key == "randomization" and "FASFL" in adsl:
        missing = adsl.loc[(adsl["FASFL"] == "Y") & adsl["RANDDT"].isna(), "USUBJID"]
        if len(missing):
            raise ValueError(f"protocol.yaml time_to_event.start randomization: ADSL RANDDT (the DS RANDOMIZED "
                             f"milestone) is missing for {len(missing)} subject(s) of the full analysis set "
                             f"({', '.join(missing.head(10))}); record the milestone or use start: first_dose")
    cutoff = pd.Timestamp(cut)
    found = []
    for k, event in enumerate(spec["events"]):
        dates, source = _event_dates(event, adsl, adlb, adae, ds, list(aesi_ids))
        dates = dates.dropna(subset=["DT"])
        dates = dates[(dates["DT"] >= dates["USUBJID"].map(starts)) & (dates["DT"] <= cutoff)]
        found.append(dates.assign(ORDER=k, EVNTDESC=event_label(event, names), SRCDOM=source))
    events = pd.concat(found, ignore_index=True).sort_values(["USUBJID", "DT", "ORDER"], kind="mergesort")
    first = events.drop_duplicates("USUBJID").set_index("USUBJID")
    ends = end.reindex(starts.index)
    capped = ends.isna() | (ends > cutoff)
    censor = ends.where(~capped, cutoff)
    tte = derive_param_tte(subjects.assign(ARM_=""), first.reset_index()[["USUBJID", "DT"]], censor,
                           spec["paramcd"], start_column).drop(columns="ARM_")      # blinded: no arm
    ids = tte["USUBJID"]
    is_event = tte["CNSR"].eq(0)
    tte.insert(2, "PARAM", spec["name"])
    tte["AVALU"] = "DAYS"
    tte["EVNTDESC"] = ids.map(first["EVNTDESC"]).where(is_event, "")
    tte["CNSDTDSC"] = np.where(is_event, "", np.where(ids.map(capped).astype(bool), "data cut", "end of observation"))
    tte["SRCDOM"] = ids.map(first["SRCDOM"]).where(is_event, "")
    return tte.sort_values("USUBJID", kind="mergesort").reset_index(drop=True)


POPULATION_NAMES = {"FASFL": "Full analysis set", "SAFFL": "Safety set", "PPROTFL": "Per-protocol set"}


def tte_definition(spec: dict, names: dict | None = None) -> str:
    """The endpoint as the SAP states it: the event(s), day 1 and the censoring."""
    events = [event_label(e, names) + (" (a value after the first dose, scheduled or not)" if "lab" in e else "")
              for e in spec["events"]]
    what = events[0] if len(events) == 1 else "the first of " + ", ".join(events[:-1]) + " or " + events[-1]
    return (f"Event: {what}; day 1 = "
            f"{START_WORDS[spec.get('start', 'first_dose')]}. Without the event: censored at the end of observation "
            "(the end-of-study date, else the last date of any record) or at the data cut, whichever is earlier.")
