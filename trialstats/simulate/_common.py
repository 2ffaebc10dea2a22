"""Building blocks shared by the study generators: record tables, dates, SDTM finishing."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

# SDTM column order of each generated domain (STUDYID, DOMAIN, USUBJID and --SEQ are added).
COLUMNS = {
    "DM": ["SUBJID", "SITEID", "RFICDTC", "RFSTDTC", "RFENDTC", "BRTHDTC", "AGE", "AGEU",
           "SEX", "RACE", "ETHNIC", "COUNTRY"],
    "EX": ["EXTRT", "EXDOSE", "EXDOSU", "EXROUTE", "EXSTDTC", "EXENDTC", "VISITNUM", "VISIT"],
    "LB": ["LBTESTCD", "LBTEST", "LBCAT", "LBORRES", "LBORRESU", "LBORNRLO", "LBORNRHI",
           "LBSTRESC", "LBSTRESN", "LBSTRESU", "LBSTNRLO", "LBSTNRHI", "VISITNUM", "VISIT", "LBDTC"],
    "VS": ["VSTESTCD", "VSTEST", "VSORRES", "VSORRESU", "VSSTRESN", "VSSTRESU", "VSTPT",
           "VSTPTNUM", "VISITNUM", "VISIT", "VSDTC"],
    "AE": ["AETERM", "AEDECOD", "AEBODSYS", "AESEV", "AESER", "AEREL", "AEACN", "AEACNOTH",
           "AEOUT", "AESTDTC", "AEENDTC"],
    "DS": ["DSTERM", "DSDECOD", "DSCAT", "DSSTDTC"],
    "CM": ["CMTRT", "CMDECOD", "CMCLAS", "CMCAT", "CMINDC", "CMDOSE", "CMDOSU", "CMDOSFRQ",
           "CMSTDTC", "CMENDTC"],
    "MH": ["MHTERM", "MHDECOD", "MHCAT", "MHSTDTC", "MHDTC"],
    "IE": ["IETESTCD", "IETEST", "IECAT", "IEORRES", "IESTRESC", "IEDTC"],
    "SU": ["SUTRT", "SUCAT", "SUDOSE", "SUDOSU", "SUDOSFRQ", "SUDTC"],
    "QS": ["QSTESTCD", "QSTEST", "QSCAT", "QSORRES", "QSSTRESN", "QSDTC"],
    "PR": ["PRTRT", "PRCAT", "PRSTDTC", "PRDTC"],
}
# Sort keys within a subject before --SEQ is assigned.
ORDER = {
    "DM": [], "EX": ["EXSTDTC"], "LB": ["LBDTC", "LBTESTCD"], "VS": ["VSDTC", "VSTESTCD"],
    "AE": ["AESTDTC", "AEDECOD"], "DS": ["DSSTDTC", "DSCAT", "DSDECOD"],
    "CM": ["CMSTDTC", "CMTRT"], "MH": ["MHSTDTC", "MHTERM"], "IE": ["IETESTCD"],
    "SU": ["SUDTC", "SUTRT", "SUDOSFRQ"], "QS": ["QSDTC", "QSTESTCD"], "PR": ["PRSTDTC", "PRTRT"],
}


class Records:
    """Column-wise record collector for one SDTM domain."""

    def __init__(self, domain: str):
        self.domain = domain
        self.columns = ["USUBJID", *COLUMNS[domain]]
        self.data: dict[str, list] = {c: [] for c in self.columns}

    def add(self, **values) -> None:
        unknown = set(values) - set(self.columns)
        if unknown:
            raise KeyError(f"{self.domain}: unknown columns {sorted(unknown)}")
        for c in self.columns:
            self.data[c].append(values.get(c, ""))

    def frame(self, studyid: str) -> pd.DataFrame:
        df = pd.DataFrame(self.data, columns=self.columns)
        df = df.sort_values(["USUBJID", *ORDER[self.domain]], kind="mergesort", ignore_index=True)
        df.insert(0, "DOMAIN", self.domain)
        df.insert(0, "STUDYID", studyid)
        if self.domain != "DM":
            df.insert(3, f"{self.domain}SEQ", df.groupby("USUBJID").cumcount() + 1)
        return df


def iso(d: dt.date) -> str:
    return d.isoformat()


def iso_time(d: dt.date, hhmm: str) -> str:
    return f"{d.isoformat()}T{hhmm}"


def add_days(d: dt.date, n: int) -> dt.date:
    return d + dt.timedelta(days=int(n))


def study_date(day1: dt.date, study_day: int) -> dt.date:
    """Calendar date of a study day (day 1 = day1; no day 0, so day -1 is the day before)."""
    return add_days(day1, study_day - 1 if study_day > 0 else study_day)


def birth_date(rng: np.random.Generator, on: dt.date, age: int) -> dt.date:
    """A birth date giving exactly `age` completed years on date `on`."""
    born = on - dt.timedelta(days=int(round((age + rng.uniform(0.03, 0.97)) * 365.25)))
    assert age_on(born, on) == age
    return born


def age_on(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def truncnorm(rng: np.random.Generator, mean: float, sd: float, lo: float, hi: float, size=None):
    """Normal draws restricted to [lo, hi] by rejection (vectorised)."""
    out = rng.normal(mean, sd, size)
    bad = (out < lo) | (out > hi)
    while np.any(bad):
        out = np.where(bad, rng.normal(mean, sd, np.shape(out)), out)
        bad = (out < lo) | (out > hi)
    return out


def fmt(x: float, decimals: int) -> str:
    return f"{x:.{decimals}f}"


def scaled(count: int, n: int, reference: int) -> int:
    """A calibrated count scaled from the reference size to n (exact at n == reference)."""
    return int(round(count * n / reference))


def staggered_dates(rng, n: int, start: dt.date, end: dt.date) -> list[dt.date]:
    """n sorted dates between start and end, accrual accelerating after a slow start."""
    span = (end - start).days
    u = np.sort(rng.uniform(0, 1, n)) ** 0.8
    return [add_days(start, int(round(x * span))) for x in u]


def lab_row(rec: Records, usubjid: str, testcd: str, spec: dict, value, decimals: int,
            visitnum, visit: str, when: str, cat: str, normal: tuple | None) -> None:
    """One LB record in the protocol's standard unit; `normal` is (low, high) or None."""
    if "results" in spec:
        text, num, unit = str(value), "", ""
    else:
        text, num, unit = fmt(value, decimals), round(float(value), decimals), spec["unit"]
    lo, hi = ("", "") if normal is None else normal
    rec.add(USUBJID=usubjid, LBTESTCD=testcd, LBTEST=spec["name"], LBCAT=cat,
            LBORRES=text, LBORRESU=unit, LBORNRLO=lo, LBORNRHI=hi, LBSTRESC=text,
            LBSTRESN=num, LBSTRESU=unit, LBSTNRLO=lo, LBSTNRHI=hi,
            VISITNUM=visitnum, VISIT=visit, LBDTC=when)


def vs_row(rec: Records, usubjid: str, testcd: str, spec: dict, value: float, decimals: int,
           visitnum, visit: str, when: str, tpt: str = "", tptnum="") -> None:
    rec.add(USUBJID=usubjid, VSTESTCD=testcd, VSTEST=spec["name"], VSORRES=fmt(value, decimals),
            VSORRESU=spec["unit"], VSSTRESN=round(float(value), decimals), VSSTRESU=spec["unit"],
            VSTPT=tpt, VSTPTNUM=tptnum, VISITNUM=visitnum, VISIT=visit, VSDTC=when)


def bp_rows(rng, rec: Records, vitals: dict, usubjid: str, means: tuple, visitnum, visit: str,
            when: str) -> None:
    """Systolic and diastolic blood pressure and pulse at one visit; means = (systolic, pulse)."""
    sys_ = rng.normal(means[0], 12)
    vs_row(rec, usubjid, "SYSBP", vitals["SYSBP"], sys_, 0, visitnum, visit, when)
    vs_row(rec, usubjid, "DIABP", vitals["DIABP"], sys_ * 0.61 + rng.normal(0, 6), 0, visitnum, visit, when)
    vs_row(rec, usubjid, "PULSE", vitals["PULSE"], rng.normal(means[1], 8), 0, visitnum, visit, when)


# MedDRA-style coding of the adverse events the generators use: PT -> SOC.
SOC = {
    "Pyrexia": "General disorders and administration site conditions",
    "Fatigue": "General disorders and administration site conditions",
    "Chills": "General disorders and administration site conditions",
    "Pruritus": "Skin and subcutaneous tissue disorders",
    "Rash": "Skin and subcutaneous tissue disorders",
    "Nausea": "Gastrointestinal disorders",
    "Vomiting": "Gastrointestinal disorders",
    "Diarrhoea": "Gastrointestinal disorders",
    "Phlebitis": "Vascular disorders",
    "Hypertension": "Vascular disorders",
    "Upper respiratory tract infection": "Infections and infestations",
    "Urinary tract infection": "Infections and infestations",
    "Pneumonia": "Infections and infestations",
    "Hypoglycaemia": "Metabolism and nutrition disorders",
    "Headache": "Nervous system disorders",
    "Dizziness": "Nervous system disorders",
    "Back pain": "Musculoskeletal and connective tissue disorders",
    "Arthralgia": "Musculoskeletal and connective tissue disorders",
    "Hepatic function abnormal": "Hepatobiliary disorders",
    "Cholecystitis": "Hepatobiliary disorders",
    "Anaphylactic reaction": "Immune system disorders",
}

SEVERITY = np.array(["MILD", "MODERATE", "SEVERE"])


def ae_row(rec: Records, rng, usubjid: str, pt: str, start: dt.date, end: dt.date | None,
           severity: str | None = None, serious: bool = False, rel: str = "NOT RELATED",
           term: str | None = None, acn: str = "NOT APPLICABLE", acnoth: str = "") -> None:
    sev = severity or str(rng.choice(SEVERITY, p=[0.72, 0.24, 0.04]))
    out = "RECOVERED/RESOLVED" if end is not None else "NOT RECOVERED/NOT RESOLVED"
    rec.add(USUBJID=usubjid, AETERM=(term or pt).upper(), AEDECOD=pt, AEBODSYS=SOC[pt], AESEV=sev,
            AESER="Y" if serious else "N", AEREL=rel, AEACN=acn, AEACNOTH=acnoth, AEOUT=out,
            AESTDTC=iso(start), AEENDTC=iso(end) if end is not None else "")

