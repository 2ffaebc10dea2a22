"""The dosing period: the infusions given (ADEX, one record per infusion), the infusion of onset of an AE, and
the days of a daily-dosing period."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..dates import compute_dt


def infusions(adex: pd.DataFrame) -> pd.DataFrame:
    """One record per infusion given (dated), numbered INFNUM (from the data, else by date)."""
    ex = adex[pd.to_datetime(adex["ASTDT"]).notna()].assign(ASTDT=lambda d: compute_dt_ns(d["ASTDT"]),
                                                         USUBJID=lambda d: d["USUBJID"].astype(object))
    if "INFNUM" not in ex:
        ex = ex.assign(INFNUM=ex.groupby("USUBJID")["ASTDT"].rank(method="first").astype(int))
    return ex


def derive_infusion_of_onset(adae: pd.DataFrame, adex: pd.DataFrame) -> pd.DataFrame:
    """ADAE with INFNUM_ (the latest infusion on or before the onset date ASTDT) and DSLI_ (days
    since that infusion, 0 = the day of the infusion); blank before the first infusion or
    without an onset date. Row order kept."""
    ex = infusions(adex)[["USUBJID", "ASTDT", "INFNUM"]].rename(columns={"ASTDT": "EXDT"})
    ae = adae.assign(ROW_=np.arange(len(adae)), ASTDT_=compute_dt_ns(adae["ASTDT"]),
                     USUBJID=adae["USUBJID"].astype(object))
    dated = ae[ae["ASTDT_"].notna()].sort_values("ASTDT_", kind="mergesort")
    joined = pd.merge_asof(dated[["ROW_", "USUBJID", "ASTDT_"]], ex.sort_values("EXDT", kind="mergesort"),
                           left_on="ASTDT_", right_on="EXDT", by="USUBJID", direction="backward")
    joined = joined.set_index("ROW_").reindex(ae["ROW_"])
    out = adae.copy()
    out["INFNUM_"] = joined["INFNUM"].astype("Int64").to_numpy()
    out["DSLI_"] = (joined["ASTDT_"] - joined["EXDT"]).dt.days.astype("Int64").to_numpy()
    return out


def compute_dt_ns(values: pd.Series) -> pd.Series:
    """Dates in one dtype (merge_asof needs equal key types)."""
    return pd.to_datetime(values, errors="coerce").astype("datetime64[ns]")


def compute_open_period_end(ex: pd.DataFrame, dm: pd.DataFrame, cut: str | None = None) -> pd.Series:
    """EXENDTC with the end of each subject's last dosing period left open (EXENDTC and EXENTPT blank) set
    to DM.RFENDTC, the SDTM reference end (the last exposure), at most the data cut, where that is on or
    after the period's start (else it stays open: compute_period_days counts its start day only). For a
    daily regimen: a patch or tablet taken up to the end of participation, as the CDISC pilot's ADSL has it."""
    end = ex["EXENDTC"].astype("string").fillna("")
    if "RFENDTC" not in dm:
        return end
    start = compute_dt(ex["EXSTDTC"])
    last = start.eq(start.groupby(ex["USUBJID"].astype("string").to_numpy()).transform("max"))
    ref = compute_dt(ex["USUBJID"].astype("string").map(dm.set_index(dm["USUBJID"].astype("string"))["RFENDTC"]))
    if cut is not None:
        ref = ref.where(ref <= pd.Timestamp(cut), pd.Timestamp(cut))
    point = ex["EXENTPT"].astype("string").fillna("") if "EXENTPT" in ex else ""
    fill = end.eq("") & (point == "") & last.to_numpy(bool) & (ref >= start).fillna(False).to_numpy(bool)
    return end.mask(fill, ref.dt.strftime("%Y-%m-%d"))


def compute_period_days(ex: pd.DataFrame) -> pd.Series:
    """Days of each EX record's dosing period, EXSTDTC..EXENDTC inclusive; a period ongoing at the data
    cut (EXENDTC blank, EXENTPT the cut date) to EXENTPT; without an end date, or ending before it
    starts: 1 day, its start."""
    start = compute_dt(ex["EXSTDTC"])
    end = compute_dt(ex["EXENDTC"]) if "EXENDTC" in ex else start
    if "EXENTPT" in ex:
        end = end.fillna(compute_dt(ex["EXENTPT"]))
    days = (end - start).dt.days + 1
    return days.where(days >= 1, 1).fillna(1).astype("int64")
