"""What real SDTM transfers contain, laid over a generated study (its own random stream, so the
calibrated counts and values of the study are untouched):

- standard variables: DM.DMDTC and the masked ARMCD/ARM/ACTARMCD/ACTARM (BLINDED; screen
  failures SCRNFAIL), AE.AELLT/EPOCH/AESTDY, LB.LBSPEC/LBFAST/LBNRIND/LBLOBXFL, VS.VSPOS/VSLOBXFL;
- partial dates: some AE starts and ends known to the month (AESTDTC = 2016-03) or the year;
- Chinese verbatim terms (the Beijing site records AETERM as the investigator wrote it) and
  investigator comments, with SUPPAE qualifiers (AEINFPR related to the infusion procedure,
  AECOMENT comment) keyed by AESEQ;
- laboratory results NOT DONE (LBSTAT, LBREASND) followed by an unscheduled retest
  (VISITNUM 4.1, "UNSCHEDULED 4.1"), and repeat samples at unscheduled visits.

Only safety laboratory tests and AEs without an onset-timed AESI are touched, so the efficacy
data and the primary endpoint keep their calibrated values.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

# The Beijing site's verbatim terms for the commonest preferred terms (AEDECOD stays the MedDRA PT)
CHINESE_TERMS = {"Headache": "头痛", "Dizziness": "头晕", "Back pain": "背痛", "Diarrhoea": "腹泻",
                 "Upper respiratory tract infection": "上呼吸道感染", "Urinary tract infection": "尿路感染",
                 "Hypertension": "高血压"}
COMMENTS = ("患者自述症状轻微，未予处理", "对症治疗后缓解", "与输注无关")
# AEs whose dates may be partial: no AESI defined by onset time after an infusion, no hypoglycaemia
# (its level is read from the glucose of the onset day), not serious
PARTIAL_OK = ("Headache", "Dizziness", "Back pain", "Diarrhoea", "Hypertension")
SAFETY_LABS = ("ALT", "AST", "BILI", "CREAT")
SPECIMEN = {"URINALYSIS": "URINE", "SEROLOGY": "SERUM", "HYPOGLYCAEMIA": "CAPILLARY BLOOD"}
FASTING = ("GLUC", "INSULIN", "CPEPTIDE")
NOT_DONE_REASONS = ("SAMPLE HAEMOLYSED", "SAMPLE NOT RECEIVED BY THE LABORATORY", "INSUFFICIENT SAMPLE")


def _day(text: pd.Series) -> pd.Series:
    return pd.to_datetime(text.astype(str).str.slice(0, 10), format="%Y-%m-%d", errors="coerce")


def _insert_after(df: pd.DataFrame, after: str, columns: dict) -> pd.DataFrame:
    pos = list(df.columns).index(after) + 1
    for i, (name, values) in enumerate(columns.items()):
        df.insert(pos + i, name, values)
    return df


def _resequence(df: pd.DataFrame, domain: str, order: list[str]) -> pd.DataFrame:
    df = df.sort_values(["USUBJID", *order], kind="mergesort", ignore_index=True)
    df[f"{domain}SEQ"] = df.groupby("USUBJID").cumcount() + 1
    return df


def _dm(dm: pd.DataFrame) -> pd.DataFrame:
    dosed_or_randomized = dm["RFENDTC"].astype(str) != ""
    armcd = np.where(dosed_or_randomized, "BLINDED", "SCRNFAIL")
    arm = np.where(dosed_or_randomized, "BLINDED", "Screen Failure")
    dm = _insert_after(dm, "RFENDTC", {"DMDTC": dm["RFICDTC"]})
    return _insert_after(dm, "ETHNIC", {"ARMCD": armcd, "ARM": arm, "ACTARMCD": armcd, "ACTARM": arm})


def _epoch(when: pd.Series, first_dose: pd.Series) -> np.ndarray:
    return np.where(first_dose.isna() | (when < first_dose), "SCREENING", "TREATMENT")


def _ae(rng, ae: pd.DataFrame, first_dose: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    start, dose = _day(ae["AESTDTC"]), ae["USUBJID"].map(first_dose)
    study_day = (start - dose).dt.days
    ae = _insert_after(ae, "AETERM", {"AELLT": ae["AEDECOD"]})
    ae["EPOCH"] = _epoch(start, dose)
    ae["AESTDY"] = np.where(study_day.notna(), (study_day + (study_day >= 0)).astype("Int64").astype(str), "")
    chinese = ae["AEDECOD"].isin(list(CHINESE_TERMS)) & (rng.uniform(size=len(ae)) < 0.3)
    ae.loc[chinese, "AETERM"] = ae.loc[chinese, "AEDECOD"].map(CHINESE_TERMS)
    eligible = ae["AEDECOD"].isin(PARTIAL_OK) & (ae["AESER"] == "N") & (ae["EPOCH"] == "TREATMENT")
    idx = np.flatnonzero(eligible.to_numpy())
    picks = rng.permutation(idx)
    to_month, to_year, end_month = picks[:6], picks[6:7], picks[7:11]
    ae["AESTDTC"] = ae["AESTDTC"].astype(object)
    ae.loc[ae.index[to_month], "AESTDTC"] = ae.loc[ae.index[to_month], "AESTDTC"].str.slice(0, 7)
    ae.loc[ae.index[to_year], "AESTDTC"] = ae.loc[ae.index[to_year], "AESTDTC"].str.slice(0, 4)
    ae.loc[ae.index[np.concatenate([to_month, to_year])], "AESTDY"] = ""      # no study day of a partial date
    has_end = ae["AEENDTC"].astype(str) != ""
    end_month = [i for i in end_month if has_end.iloc[i]]
    ae.loc[ae.index[end_month], "AEENDTC"] = ae.loc[ae.index[end_month], "AEENDTC"].str.slice(0, 7)
    supp = []
    related = ae["AEREL"] != "NOT RELATED"
    for i in np.flatnonzero(related.to_numpy()):
        r = ae.iloc[i]
        on_infusion = r["AEDECOD"] in ("Pyrexia", "Phlebitis", "Pruritus")
        supp.append((r["USUBJID"], r["AESEQ"], "AEINFPR", "Related to Infusion Procedure", "Y" if on_infusion else "N"))
    for i in np.flatnonzero(chinese.to_numpy()):
        r = ae.iloc[i]
        supp.append((r["USUBJID"], r["AESEQ"], "AECOMENT", "Investigator Comment",
                     COMMENTS[int(rng.integers(len(COMMENTS)))]))
    suppae = pd.DataFrame(supp, columns=["USUBJID", "IDVARVAL", "QNAM", "QLABEL", "QVAL"])
    suppae = suppae.sort_values(["USUBJID", "IDVARVAL", "QNAM"], kind="mergesort", ignore_index=True)
    suppae.insert(0, "STUDYID", ae["STUDYID"].iloc[0] if len(ae) else "")
    suppae.insert(1, "RDOMAIN", "AE")
    suppae.insert(3, "IDVAR", "AESEQ")
    suppae["IDVARVAL"] = suppae["IDVARVAL"].astype(int).astype(str)
    suppae["QORIG"], suppae["QEVAL"] = "CRF", ""
    return ae, suppae


def _lobxfl(df: pd.DataFrame, domain: str, first_dose: pd.Series, value: str) -> np.ndarray:
    """Y on the last record with a result on or before the first dose day, per subject and test."""
    when, dose = _day(df[f"{domain}DTC"]), df["USUBJID"].map(first_dose)
    has = df[value].astype(str) != ""
    if f"{domain}TPTNUM" in df:                    # time points after the dose are not baseline
        has &= ~(pd.to_numeric(df[f"{domain}TPTNUM"], errors="coerce") > 0)
    cand = df[has & when.notna() & dose.notna() & (when <= dose)].assign(_W=when)
    last = cand.sort_values(["_W", f"{domain}SEQ"], kind="mergesort").groupby(
        ["USUBJID", f"{domain}TESTCD"]).tail(1).index
    return np.where(df.index.isin(last), "Y", "")


def _nrind(df: pd.DataFrame) -> np.ndarray:
    value = pd.to_numeric(df["LBSTRESN"], errors="coerce")
    lo, hi = pd.to_numeric(df["LBSTNRLO"], errors="coerce"), pd.to_numeric(df["LBSTNRHI"], errors="coerce")
    ranged = value.notna() & (lo.notna() | hi.notna())
    return np.select([ranged & (value < lo), ranged & (value > hi), ranged], ["LOW", "HIGH", "NORMAL"], "")


def _lb(rng, lb: pd.DataFrame, first_dose: pd.Series) -> pd.DataFrame:
    lb = lb.copy()
    lb["LBSTAT"], lb["LBREASND"] = "", ""
    post = pd.to_numeric(lb["VISITNUM"], errors="coerce").isin([4, 8, 12, 24, 36])
    safety = lb["LBTESTCD"].isin(SAFETY_LABS) & post
    idx = rng.permutation(np.flatnonzero(safety.to_numpy()))
    not_done, repeat = idx[:6], idx[6:12]
    new = []
    for i in np.concatenate([not_done, repeat]):
        r = lb.iloc[i].copy()
        when = _day(pd.Series([r["LBDTC"]])).iloc[0] + pd.Timedelta(days=int(rng.integers(2, 6)))
        num = float(r["LBSTRESN"]) * float(np.exp(rng.normal(0, 0.08)))
        dec = 1 if r["LBTESTCD"] == "BILI" else 0
        text = f"{num:.{dec}f}"
        r["VISITNUM"] = float(r["VISITNUM"]) + 0.1
        r["VISIT"] = f"UNSCHEDULED {float(r['VISITNUM']):.1f}"
        r["LBDTC"] = f"{when.date().isoformat()}T{int(rng.integers(8, 11)):02d}:{int(rng.integers(0, 60)):02d}"
        r["LBORRES"], r["LBSTRESC"], r["LBSTRESN"] = text, text, round(num, dec)
        new.append(r)
    rows = lb.index[not_done]
    for col in ("LBORRES", "LBSTRESC", "LBSTRESN"):
        lb[col] = lb[col].astype(object)
        lb.loc[rows, col] = ""
    lb.loc[rows, "LBSTAT"] = "NOT DONE"
    lb.loc[rows, "LBREASND"] = [NOT_DONE_REASONS[int(rng.integers(len(NOT_DONE_REASONS)))] for _ in rows]
    lb = pd.concat([lb, pd.DataFrame(new)], ignore_index=True) if new else lb
    lb = _resequence(lb, "LB", ["LBDTC", "LBTESTCD"])
    spec = lb["LBCAT"].map(SPECIMEN).fillna("BLOOD")
    lb = _insert_after(lb, "LBCAT", {"LBSPEC": spec})
    lb = _insert_after(lb, "LBSTNRHI", {"LBNRIND": _nrind(lb)})
    lb = _insert_after(lb, "LBREASND", {"LBFAST": np.where(lb["LBTESTCD"].isin(FASTING), "Y", "")})
    lb = _insert_after(lb, "LBFAST", {"LBLOBXFL": _lobxfl(lb, "LB", first_dose, "LBSTRESC")})
    return lb


def _vs(vs: pd.DataFrame, first_dose: pd.Series) -> pd.DataFrame:
    pos = np.where(vs["VSTESTCD"].isin(["SYSBP", "DIABP", "PULSE"]), "SITTING", "")
    vs = _insert_after(vs, "VSSTRESU", {"VSPOS": pos})
    return _insert_after(vs, "VSPOS", {"VSLOBXFL": _lobxfl(vs, "VS", first_dose, "VSSTRESN")})


def add_real_world_shapes(domains: dict[str, pd.DataFrame], seed: int) -> dict[str, pd.DataFrame]:
    """The domains with the shapes of real transfers (module docstring), plus SUPPAE."""
    rng = np.random.default_rng(seed)
    out = dict(domains)
    dm = domains["DM"]
    first_dose = pd.Series(_day(dm["RFSTDTC"]).to_numpy(), index=dm["USUBJID"])
    out["DM"] = _dm(dm.copy())
    out["AE"], out["SUPPAE"] = _ae(rng, domains["AE"].copy(), first_dose)
    out["LB"] = _lb(rng, domains["LB"], first_dose)
    out["VS"] = _vs(domains["VS"].copy(), first_dose)
    return out
