"""ADSL: one record per screened subject. Blinded: no treatment variable (see unblind.py).

Population flags (SAP, STUDIES.md): ENRLFL passed screening (RANDFL for a randomized design);
SAFFL >= 1 infusion; FASFL enrolled, >= 1 infusion, baseline and >= 1 post-baseline value of the
key parameter; PPROTFL FAS with every planned infusion, key parameter at the final visit and no
prohibited medication on study; COMPLFL completed the study. FASREAS/PPREAS give the first
reason a subject is outside the set. Death: one definition (derive_vars_death), from DM, DS and AE.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..columns import text_column

from ..protocol import dose_words, regimen
from ..vocabulary import visit_label
from ..dates import compute_dt, compute_dtm
from .exposure import compute_period_days
from .occds import is_fatal

DEATH_SOURCES = ("DM", "DS", "AE")      # in the order their date of death is trusted


def baseline_names(protocol: dict) -> dict[str, str]:
    """PARAMCD -> ADSL column of its baseline value, from the protocol's `baseline` list (a
    parameter not named there gets the first 6 characters of its code + "BL")."""
    return {b["paramcd"]: b["variable"] for b in protocol.get("baseline", []) if "paramcd" in b}


def derive_vars_dm(dm: pd.DataFrame) -> pd.DataFrame:
    keep = [c for c in ("STUDYID", "USUBJID", "SUBJID", "SITEID", "AGE", "AGEU", "SEX", "RACE", "ETHNIC",
                        "COUNTRY") if c in dm]
    out = dm[keep].copy()
    out["AGE"] = pd.to_numeric(out["AGE"])
    out["RFICDT"] = compute_dt(dm["RFICDTC"])
    return out


def _death_records(dm: pd.DataFrame, ds: pd.DataFrame | None, ae: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    """Per source, its records of a death: USUBJID, DT (complete dates only), CAUS."""
    dead = (text_column(dm, "DTHFL").eq("Y") | text_column(dm, "DTHDTC").str.strip().ne(""))
    dead = dead.fillna(False).to_numpy(bool)
    d = dm[dead]
    out = {"DM": pd.DataFrame({"USUBJID": d["USUBJID"], "DT": compute_dt(text_column(d, "DTHDTC")),
                               "CAUS": pd.Series(pd.NA, index=d.index, dtype="string")})}
    none = pd.DataFrame({"USUBJID": pd.Series(dtype="string")})
    ds, ae = none if ds is None else ds, none if ae is None else ae
    d = ds[text_column(ds, "DSDECOD").eq("DEATH").fillna(False).to_numpy(bool)]
    out["DS"] = pd.DataFrame({"USUBJID": d["USUBJID"], "DT": compute_dt(text_column(d, "DSSTDTC")),
                              "CAUS": text_column(d, "DSTERM")})
    d = ae[is_fatal(ae).to_numpy()]
    out["AE"] = pd.DataFrame({"USUBJID": d["USUBJID"], "CAUS": text_column(d, "AEDECOD"),
                              "DT": compute_dt(text_column(d, "AEENDTC")).fillna(
                                  compute_dt(text_column(d, "AESTDTC")))})
    return out


def derive_vars_death(dm: pd.DataFrame, ds: pd.DataFrame | None = None, ae: pd.DataFrame | None = None) -> pd.DataFrame:
    """One definition of death, per DM subject. DTHFL = "Y" where DM says so (DTHFL = Y or a DTHDTC),
    DS has a death record (DSDECOD = DEATH) or an AE was fatal (AEOUT = FATAL or AESDTH = Y).
    DTHDT: DM DTHDTC, else the DS death date, else the fatal AE's end (else start) date, complete
    dates only (the latest day an AE end date may be imputed to). DTHCAUS: the fatal AE's AEDECOD,
    else the DS term. DTHSRC: the source of DTHDT (DM, DS, AE), else the first that records the
    death. Within a source, its earliest dated record."""
    ids = dm["USUBJID"]
    blank = pd.Series(pd.NA, index=dm.index, dtype="string")
    dthdt, source, first, cause = compute_dt(blank), blank.copy(), blank.copy(), {}
    for name, rec in _death_records(dm, ds, ae).items():
        rec = rec.sort_values("DT", kind="mergesort", na_position="last").drop_duplicates("USUBJID")
        rec = rec.set_index("USUBJID")
        first = first.mask(first.isna() & ids.isin(rec.index), name)
        dt = pd.Series(rec["DT"].reindex(ids).to_numpy(), index=dm.index)
        source = source.mask(dthdt.isna() & dt.notna(), name)
        dthdt = dthdt.fillna(dt)
        cause[name] = pd.Series(rec["CAUS"].reindex(ids).to_numpy(), index=dm.index, dtype="string")
    return pd.DataFrame({"USUBJID": ids, "DTHFL": blank.mask(first.notna(), "Y"), "DTHDT": dthdt,
                         "DTHCAUS": cause["AE"].fillna(cause["DS"]), "DTHSRC": source.fillna(first)})


def is_dead(adsl: pd.DataFrame) -> pd.Series:
    """ADSL subjects who died (DTHFL = Y); none where ADSL has no DTHFL."""
    return text_column(adsl, "DTHFL").eq("Y").fillna(False).astype(bool)


def derive_vars_exposure(ex: pd.DataFrame, regimen: str = "infusion") -> pd.DataFrame:
    """Per subject. Infusions: TRTSDT/TRTSDTM first infusion, TRTEDT last, NINF number of infusions,
    CUMDOSE the sum of the doses. Daily dosing (periods EXSTDTC..EXENDTC): TRTSDT first day, TRTEDT
    last day dosed (EXENDTC, else EXSTDTC), TRTDURD = TRTEDT - TRTSDT + 1 days, CUMDOSE = sum of
    dose x days per period (compute_period_days), AVGDD = CUMDOSE / TRTDURD, NINF the EX records."""
    e = pd.DataFrame({"USUBJID": ex["USUBJID"], "DT": compute_dt(ex["EXSTDTC"]), "DTM": compute_dtm(ex["EXSTDTC"]),
                      "DOSE": pd.to_numeric(ex["EXDOSE"])})
    if regimen == "daily":
        days = compute_period_days(ex)
        e = e.assign(DOSE=e["DOSE"] * days, END=e["DT"] + pd.to_timedelta(days - 1, unit="D"))
    e = e.sort_values(["USUBJID", "DT", "DTM"])
    g = e.groupby("USUBJID")
    if regimen != "daily":
        return pd.DataFrame({"TRTSDT": g["DT"].min(), "TRTSDTM": g["DTM"].first(), "TRTEDT": g["DT"].max(),
                             "NINF": g.size().astype("int64"), "CUMDOSE": g["DOSE"].sum()}).reset_index()
    out = pd.DataFrame({"TRTSDT": g["DT"].min(), "TRTSDTM": g["DTM"].first(), "TRTEDT": g["END"].max(),
                        "NINF": g.size().astype("int64"), "CUMDOSE": g["DOSE"].sum(min_count=1)})
    out["TRTDURD"] = ((out["TRTEDT"] - out["TRTSDT"]).dt.days + 1).astype("Int64")
    out["AVGDD"] = out["CUMDOSE"] / out["TRTDURD"].astype("float64")
    return out.reset_index()


def derive_vars_disposition(ds: pd.DataFrame) -> pd.DataFrame:
    """RANDDT, SCRFFL, EOSSTT/EOSDT/DCSREAS from DS (ONGOING when no end-of-study record yet)."""
    ds = ds.assign(DT=compute_dt(ds["DSSTDTC"]))
    rand = ds[ds["DSDECOD"] == "RANDOMIZED"].groupby("USUBJID")["DT"].min().rename("RANDDT")
    end = ds[ds["DSCAT"] == "DISPOSITION EVENT"].sort_values("DT").groupby("USUBJID").last()
    out = pd.DataFrame(index=pd.Index(sorted(set(ds["USUBJID"])), name="USUBJID"))
    out = out.join(rand).join(end[["DSDECOD", "DT", "DSTERM"]])
    decod = out["DSDECOD"].astype("object")   # NA: no end-of-study record yet at the cut
    out["SCRFFL"] = np.where(decod == "SCREEN FAILURE", "Y", "N")
    out["EOSSTT"] = np.select([decod == "COMPLETED", decod.notna()], ["COMPLETED", "DISCONTINUED"], "ONGOING")
    out["DCSREAS"] = out["DSDECOD"].where(out["EOSSTT"] == "DISCONTINUED")
    out["EOSDT"] = out["DT"]
    return out.drop(columns=["DSDECOD", "DT", "DSTERM"]).reset_index()


def derive_var_prohibfl(cm: pd.DataFrame, adsl: pd.DataFrame, classes: list[str], cut: str) -> pd.Series:
    """PROHIBFL = "Y" if a prohibited class was taken between first infusion and end of study."""
    if not classes or cm is None or len(cm) == 0:
        return pd.Series("N", index=adsl.index)
    c = cm[cm["CMCLAS"].isin(classes)]
    ref = adsl.set_index("USUBJID")
    start, end = compute_dt(c["CMSTDTC"]), compute_dt(c["CMENDTC"])
    trt_start = c["USUBJID"].map(ref["TRTSDT"])
    study_end = c["USUBJID"].map(ref["EOSDT"]).fillna(pd.Timestamp(cut))
    on_study = trt_start.notna() & (end.isna() | (end >= trt_start)) & (start.isna() | (start <= study_end))
    users = set(c.loc[on_study, "USUBJID"])
    return pd.Series(np.where(adsl["USUBJID"].isin(users), "Y", "N"), index=adsl.index)


def derive_vars_baseline(adsl: pd.DataFrame, adeff: pd.DataFrame, names: dict[str, str] | None = None) -> pd.DataFrame:
    """Baseline characteristics as ADSL columns (one per ADEFF parameter, from its ABLFL records),
    named by `names` (PARAMCD -> column, baseline_names of the protocol) or CODE[:6] + "BL"."""
    names = names or {}
    base = adeff[adeff["ABLFL"] == "Y"].pivot_table(index="USUBJID", columns="PARAMCD", values="AVAL",
                                                    aggfunc="first")
    base = base.rename(columns=lambda c: names.get(c, f"{c[:6]}BL"))
    return adsl.join(base, on="USUBJID")


def derive_var_enrolled(adsl: pd.DataFrame, randomized: bool) -> pd.Series:
    """Enrolled as the open side may know it (it never reads the randomization key). Randomized
    design: the DS RANDOMIZED milestone (RANDDT); where DS records no such milestone for anyone, a
    subject not a screen failure who received a first dose (TRTSDT; DM.RFSTDTC equals it). The
    unblinding rule then makes every subject of the key randomized (unblind.derive_vars_randomization).
    Otherwise: passed screening (SCRFFL = N)."""
    if not randomized:
        return adsl["SCRFFL"] == "N"
    if adsl["RANDDT"].notna().any():
        return adsl["RANDDT"].notna()
    return (adsl["SCRFFL"] != "Y") & adsl["TRTSDT"].notna()


def derive_vars_populations(adsl: pd.DataFrame, adeff: pd.DataFrame, protocol: dict) -> pd.DataFrame:
    """ENRLFL/RANDFL, SAFFL, FASFL, PPROTFL, COMPLFL with FASREAS and PPREAS."""
    out = adsl.copy()
    pop = protocol.get("populations")       # absent (a safety-only study): no key-parameter condition
    if pop:
        key = adeff[(adeff["PARAMCD"] == pop["key_parameter"]) & (adeff["ANL01FL"] == "Y") & adeff["AVAL"].notna()]
        has_base = out["USUBJID"].isin(key.loc[key["ABLFL"] == "Y", "USUBJID"])
        has_post = out["USUBJID"].isin(key.loc[key["CHG"].notna(), "USUBJID"])
        has_final = out["USUBJID"].isin(key.loc[key["AVISIT"] == pop["final_visit"], "USUBJID"])
    else:
        has_base = has_post = has_final = pd.Series(True, index=out.index)
        pop = {"key_parameter": "", "final_visit": protocol["visits"][-1]["name"]}
    randomized = protocol["study"]["design"] == "randomized"
    enrolled = derive_var_enrolled(out, randomized)
    dosed = out["NINF"].fillna(0) >= 1
    planned = len(protocol["treatment"].get("infusion_days", []))     # a daily regimen: no infusion count
    yn = lambda m: np.where(m, "Y", "N")  # noqa: E731
    out["ENRLFL"] = yn(enrolled)
    if randomized:
        out["RANDFL"] = yn(enrolled)
    out["SAFFL"] = yn(dosed)
    kp = pop["key_parameter"]            # reasons in words: "no Week 48 haemoglobin A1c value"
    kp = {**protocol.get("labs", {}), **protocol.get("vitals", {})}.get(kp, {}).get("name", kp) + " value"
    kp = kp[0].lower() + kp[1:] if kp[:2] != kp[:2].upper() else kp
    out["FASREAS"] = np.select(
        [~enrolled, ~dosed, ~has_base, ~has_post],
        ["not enrolled", f"no {dose_words(protocol)['dose_word']} received", f"no baseline {kp}",
         f"no post-baseline {kp}"], "")
    out["FASFL"] = yn(out["FASREAS"] == "")
    out["PPREAS"] = np.select(
        [out["FASFL"] == "N", out["NINF"].fillna(0) < planned, ~has_final, out["PROHIBFL"] == "Y"],
        ["not in the full analysis set", f"fewer than {planned} {dose_words(protocol)['doses_word']}",
         f"no {visit_label(pop['final_visit'])} {kp}", "prohibited medication on study"], "")
    out["PPROTFL"] = yn(out["PPREAS"] == "")
    out["COMPLFL"] = yn(out["EOSSTT"] == "COMPLETED")
    for col in ("FASREAS", "PPREAS"):
        out[col] = out[col].replace("", pd.NA)
    return out


def derive_adsl_core(sdtm: dict, elig_vars: pd.DataFrame, protocol: dict, cut: str) -> pd.DataFrame:
    """ADSL before baseline values and population flags (needs no BDS)."""
    adsl = derive_vars_dm(sdtm["DM"])
    adsl = adsl.merge(derive_vars_death(sdtm["DM"], sdtm.get("DS"), sdtm.get("AE")), on="USUBJID", how="left")
    adsl = adsl.merge(derive_vars_disposition(sdtm["DS"]), on="USUBJID", how="left")
    adsl = adsl.merge(derive_vars_exposure(sdtm["EX"], regimen(protocol)), on="USUBJID", how="left")
    adsl["NINF"] = adsl["NINF"].fillna(0).astype("int64")
    adsl["REFSDT"] = adsl["TRTSDT"].fillna(adsl["RANDDT"])
    if protocol["study"]["design"] != "randomized":
        adsl["REFSDT"] = adsl["TRTSDT"]
    adsl = adsl.merge(elig_vars, on="USUBJID", how="left")
    duration = protocol.get("disease_duration")
    mh = sdtm.get("MH")
    if duration and mh is not None:
        text = duration["mh_term_contains"].lower()
        dx = mh[mh["MHDECOD"].str.lower().str.contains(text, na=False, regex=False)]
        if len(dx):
            onset = compute_dt(dx["MHSTDTC"]).groupby(dx["USUBJID"]).min()
            adsl[duration["variable"]] = ((adsl["RFICDT"] - adsl["USUBJID"].map(onset)).dt.days / 365.25).round(2)
    adsl["PROHIBFL"] = derive_var_prohibfl(sdtm.get("CM"), adsl, protocol.get("prohibited_medications", []), cut)
    return adsl


def finish_adsl(adsl: pd.DataFrame, adeff: pd.DataFrame, protocol: dict) -> pd.DataFrame:
    adsl = derive_vars_baseline(adsl, adeff, baseline_names(protocol))
    adsl = derive_vars_populations(adsl, adeff, protocol)
    return adsl.sort_values("USUBJID", kind="mergesort").reset_index(drop=True)
