"""ADAE (occurrence data) and ADEX (exposure per infusion).

TRTEMFL: onset on or after the first infusion (SAP), on the imputed onset date: partial AESTDTC
and AEENDTC are imputed by the admiral rules of dates.derive_vars_dt_imputed (start: first day of
the period, or the first dose when the period holds it; blank start: the first dose; end: last
day of the period, never after death or the data cut), flagged in ASTDTF and AENDTF. Occurrence
flags among TEAEs, first by onset date then AESEQ: AOCCFL first per subject, AOCCSFL first per SOC,
AOCCPFL first per PT.
AESI: each protocol definition (PTs or SOCs, optionally onset within N hours after an
infusion, dates compared by day) gives CQnnNAM; hypoglycaemia gets its level (HYPOLVL) from the
self-monitored glucose recorded on the onset day, or "SEVERE" when AESEV says so.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..columns import text_column

from ..dates import compute_dt, compute_study_day, derive_vars_dt_imputed
from ..vocabulary import compute_arel, related_terms
from .exposure import compute_period_days

ADAE_KEEP = ["STUDYID", "USUBJID", "AESEQ", "AETERM", "AEDECOD", "AEBODSYS", "AESEV", "AESER", "AEREL",
             "AEACN", "AEACNOTH", "AEOUT", "AEENRTPT", "AESTDTC", "AEENDTC"]


def aesi_columns(adae: pd.DataFrame) -> list[str]:
    """The AESI name columns of an ADAE (CQnnNAM), in name order."""
    return sorted(c for c in adae.columns if c.startswith("CQ") and c.endswith("NAM"))


def is_aesi(adae: pd.DataFrame) -> pd.Series:
    """Records that fall under any adverse event of special interest (a non-blank CQnnNAM)."""
    mask = pd.Series(False, index=adae.index)
    for c in aesi_columns(adae):
        mask |= adae[c].astype("string").fillna("").str.strip().ne("").astype(bool)
    return mask


def is_fatal(ae: pd.DataFrame) -> pd.Series:
    """AEs with a fatal outcome (AEOUT = FATAL) or that resulted in death (AESDTH = Y)."""
    return (text_column(ae, "AEOUT").eq("FATAL") | text_column(ae, "AESDTH").eq("Y")).fillna(False).astype(bool)


DISCONTINUED_FOR_AE = "Discontinued the study because of an adverse event (ADSL DCSREAS)"


def discontinued_for_ae(adsl: pd.DataFrame) -> pd.Series:
    """ADSL subjects whose reason for discontinuation (DCSREAS) is ADVERSE EVENT."""
    return adsl["DCSREAS"].astype("string").str.strip().str.upper().eq("ADVERSE EVENT").fillna(False).astype(bool)


def withdrawal_mask(adae: pd.DataFrame, adsl: pd.DataFrame) -> tuple[pd.Series, str]:
    """TEAEs that led to withdrawal: action taken (AEACN, AEACNOTH) containing WITHDRAWN; for a
    subject who discontinued for an adverse event (ADSL DCSREAS) without such an action recorded,
    every TEAE of the subject (the AE behind the discontinuation is not identified; the label is then
    DISCONTINUED_FOR_AE, a count of subjects, not of events)."""
    withdrawn = (text_column(adae, "AEACN").str.contains("WITHDRAWN", na=False)
                 | text_column(adae, "AEACNOTH").str.contains("WITHDRAWN", na=False)).astype(bool)
    if "DCSREAS" not in adsl:
        return withdrawn, "TEAE leading to withdrawal"
    stopped = set(adsl.loc[discontinued_for_ae(adsl), "USUBJID"]) - set(adae.loc[withdrawn, "USUBJID"])
    recorded = text_column(adae, "AEACN").notna().any() or text_column(adae, "AEACNOTH").notna().any()
    label = "TEAE leading to withdrawal" if recorded else DISCONTINUED_FOR_AE
    return withdrawn | adae["USUBJID"].isin(stopped).astype(bool), label


def derive_var_trtemfl(astdt: pd.Series, trtsdt: pd.Series) -> pd.Series:
    return pd.Series(np.where(trtsdt.notna() & astdt.notna() & (astdt >= trtsdt), "Y", "N"), index=astdt.index)


def derive_var_occurrence(ae: pd.DataFrame, by: list[str]) -> pd.Series:
    """'Y' on the first TEAE (earliest ASTDT, then AESEQ) within each `by` group."""
    teae = ae[ae["TRTEMFL"] == "Y"].sort_values(["ASTDT", "AESEQ"], kind="mergesort")
    first = teae.groupby(by, sort=False).head(1).index
    return pd.Series(np.where(ae.index.isin(first), "Y", None), index=ae.index, dtype="string")


def derive_var_aesi(ae: pd.DataFrame, spec: dict, infusions: pd.DataFrame) -> pd.Series:
    """The AESI name where the AE matches a protocol definition, else NA."""
    terms = {t.lower() for t in spec.get("terms", [])}
    socs = {s.lower() for s in spec.get("socs", [])}
    match = ae["AEDECOD"].str.lower().isin(terms) | ae["AEBODSYS"].str.lower().isin(socs)
    if "hours_after_infusion" in spec:
        days = int(np.ceil(spec["hours_after_infusion"] / 24))
        pairs = ae.loc[match, ["USUBJID", "ASTDT"]].reset_index().merge(infusions, on="USUBJID", how="left")
        lag = (pairs["ASTDT"] - pairs["EXDT"]).dt.days
        near = pairs[(lag >= 0) & (lag <= days)]["index"].unique()
        match &= ae.index.isin(near)
    return pd.Series(np.where(match, spec["name"], None), index=ae.index, dtype="string")


def derive_var_hypolvl(ae: pd.DataFrame, lb: pd.DataFrame, hypo: dict) -> pd.Series:
    is_hypo = ae["AEDECOD"] == hypo["term"]
    g = lb[lb["LBTESTCD"] == hypo["glucose_test"]]
    glucose = pd.DataFrame({"USUBJID": g["USUBJID"], "ASTDT": compute_dt(g["LBDTC"]),
                            "GLU": pd.to_numeric(g["LBSTRESN"])}).groupby(["USUBJID", "ASTDT"])["GLU"].min()
    key = pd.MultiIndex.from_frame(ae[["USUBJID", "ASTDT"]])
    glu = pd.Series(glucose.reindex(key).to_numpy(), index=ae.index)
    level = np.select([ae["AESEV"] == hypo["severe"], glu < hypo["level2_below"], glu < hypo["level1_below"]],
                      ["SEVERE", "LEVEL 2", "LEVEL 1"], "UNKNOWN")
    return pd.Series(np.where(is_hypo, level, None), index=ae.index, dtype="string")


def derive_vars_ae_dates(ae: pd.DataFrame, trtsdt: pd.Series, cut: str | None = None,
                         dthdt: pd.Series | None = None) -> pd.DataFrame:
    """ASTDT/ASTDTF and AENDT/AENDTF: imputed onset and end dates with their imputation flags."""
    start = derive_vars_dt_imputed(ae["AESTDTC"], "first", min_dates=trtsdt)
    caps = [pd.Series(pd.Timestamp(cut), index=ae.index)] if cut else []
    caps += [dthdt] if dthdt is not None else []
    end = derive_vars_dt_imputed(ae["AEENDTC"], "last", max_dates=caps)
    return pd.DataFrame({"ASTDT": start["DT"], "ASTDTF": start["DTF"], "AENDT": end["DT"], "AENDTF": end["DTF"]},
                        index=ae.index)


def derive_adae(ae: pd.DataFrame, adsl: pd.DataFrame, ex: pd.DataFrame, lb: pd.DataFrame,
                protocol: dict, cut: str | None = None) -> pd.DataFrame:
    # the standard variables first, then every other AE variable (AELLT, AEHLT, EPOCH, SUPPAE
    # qualifiers merged as columns, ...) as the ADaM IG carries them
    keep = [c for c in ADAE_KEEP if c in ae] + [c for c in ae if c not in ADAE_KEEP and c != "DOMAIN"]
    out = ae[keep].copy()
    out["AESEQ"] = pd.to_numeric(out["AESEQ"])
    ref = adsl.set_index("USUBJID")
    trtsdt = out["USUBJID"].map(ref["TRTSDT"])
    dthdt = out["USUBJID"].map(ref["DTHDT"]) if "DTHDT" in ref else None
    out[["ASTDT", "ASTDTF", "AENDT", "AENDTF"]] = derive_vars_ae_dates(ae, trtsdt, cut, dthdt)
    out["ASTDY"] = compute_study_day(out["ASTDT"], trtsdt)
    out["AENDY"] = compute_study_day(out["AENDT"], trtsdt)
    out["TRTEMFL"] = derive_var_trtemfl(out["ASTDT"], trtsdt)
    out["AREL"] = compute_arel(out["AEREL"], related_terms(protocol))
    out["AOCCFL"] = derive_var_occurrence(out, ["USUBJID"])
    out["AOCCSFL"] = derive_var_occurrence(out, ["USUBJID", "AEBODSYS"])
    out["AOCCPFL"] = derive_var_occurrence(out, ["USUBJID", "AEBODSYS", "AEDECOD"])
    infusions = pd.DataFrame({"USUBJID": ex["USUBJID"], "EXDT": compute_dt(ex["EXSTDTC"])})
    for i, spec in enumerate(protocol.get("aesi", []), 1):
        out[f"CQ{i:02d}NAM"] = derive_var_aesi(out, spec, infusions)
    if "hypoglycaemia" in protocol:
        out["HYPOLVL"] = derive_var_hypolvl(out, lb, protocol["hypoglycaemia"])
    return out.sort_values(["USUBJID", "ASTDT", "AESEQ"], kind="mergesort").reset_index(drop=True)


def derive_adex(ex: pd.DataFrame, adsl: pd.DataFrame, regimen: str = "infusion") -> pd.DataFrame:
    """One record per infusion (per dosing period for a daily regimen): ASTDT, ASTDY, infusion
    number, nominal (blinded) dose; daily: AENDT the period's last day and ADURN its days
    (adsl.compute_period_days, ADURU = DAYS)."""
    out = pd.DataFrame({"STUDYID": ex["STUDYID"], "USUBJID": ex["USUBJID"], "EXSEQ": pd.to_numeric(ex["EXSEQ"]),
                        "EXTRT": ex["EXTRT"], "ASTDT": compute_dt(ex["EXSTDTC"]), "AVISIT": ex.get("VISIT"),
                        "EXDOSE": pd.to_numeric(ex["EXDOSE"]), "EXDOSU": ex["EXDOSU"]})
    if regimen == "daily":
        days = compute_period_days(ex).to_numpy()
        out["AENDT"] = out["ASTDT"] + pd.to_timedelta(days - 1, unit="D")
        out["ADURN"], out["ADURU"] = days, "DAYS"
    out = out.sort_values(["USUBJID", "ASTDT", "EXSEQ"], kind="mergesort").reset_index(drop=True)
    out["INFNUM"] = out.groupby("USUBJID").cumcount() + 1
    out["ASTDY"] = compute_study_day(out["ASTDT"], out["USUBJID"].map(adsl.set_index("USUBJID")["TRTSDT"]))
    return out


def derive_adcm(cm: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """ADCM (occurrence data): one record per CM record of a subject of ADSL, with ASTDT and AENDT
    (complete dates; partial or blank: blank, no imputation) and ASTDY (study day of the start)."""
    cm = cm[cm["USUBJID"].isin(adsl["USUBJID"])]
    keep = [c for c in ("STUDYID", "USUBJID", "CMSEQ", "CMTRT", "CMDECOD", "CMCLAS", "CMCAT", "CMINDC") if c in cm]
    out = cm[keep].copy()
    out["ASTDT"] = compute_dt(cm["CMSTDTC"]) if "CMSTDTC" in cm else pd.NaT
    out["AENDT"] = compute_dt(cm["CMENDTC"]) if "CMENDTC" in cm else pd.NaT
    out["ASTDY"] = compute_study_day(out["ASTDT"], out["USUBJID"].map(adsl.set_index("USUBJID")["TRTSDT"]))
    return out.reset_index(drop=True)
