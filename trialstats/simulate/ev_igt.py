"""Synthetic NCT06495437: MSC-derived extracellular vesicles in impaired glucose tolerance.

Single arm, open label, 20 participants (registry). Schedule (infusions at weeks 0, 2, 4;
follow-up to week 24) and dates are assumptions of this project, stated in protocol.yaml.
"""
from __future__ import annotations

import datetime as dt

import numpy as np

from ._common import (Records, add_days, ae_row, age_on, birth_date, bp_rows, iso, iso_time, lab_row,
                      scaled, staggered_dates, study_date, truncnorm, vs_row)

STUDYID = "NCT06495437"
N_SCREENED = 27
SEED = 20250301
FAILURES = ["IN03_low", "IN03_low", "IN03_high", "IN02", "EX05", "EX07", "EX15"]
WEEKS = [0, 2, 4, 8, 12, 24]
NORMAL = {"GLUC": (3.9, 6.1), "HBA1C": (4.0, 6.0), "INSULIN": (2.6, 24.9), "CPEPTIDE": (1.1, 4.4),
          "ALT": (7.0, 40.0), "AST": (13.0, 35.0), "BILI": (3.4, 20.5), "OGTT2H": (0.0, 7.7)}
CREAT_NORMAL = {"M": (57.0, 111.0), "F": (41.0, 81.0)}
DECIMALS = {"OGTT2H": 1, "GLUC": 1, "HBA1C": 1, "INSULIN": 1, "CPEPTIDE": 2, "ALT": 0, "AST": 0,
            "BILI": 1, "CREAT": 0}


def simulate(protocol: dict, n_screened: int = N_SCREENED, seed: int = SEED):
    """Return ({domain: DataFrame}, None): single arm, so there is no randomization key."""
    rng = np.random.default_rng(seed)
    recs = {d: Records(d) for d in ["DM", "EX", "LB", "VS", "AE", "DS", "CM", "MH", "IE",
                                    "SU", "QS", "PR"]}
    width = max(3, len(str(n_screened)))
    dates = staggered_dates(rng, n_screened, dt.date(2025, 3, 3), dt.date(2025, 8, 29))
    n_fail = scaled(len(FAILURES), n_screened, N_SCREENED)
    failing = sorted(rng.choice(n_screened, size=n_fail, replace=False).tolist())
    fail_of = {i: FAILURES[k % len(FAILURES)] for k, i in enumerate(failing)}
    enrolled = [i for i in range(n_screened) if i not in fail_of]
    lost = set(rng.choice(enrolled, size=scaled(1, len(enrolled), 20), replace=False).tolist())
    for i in range(n_screened):
        u = f"{STUDYID}-01-{i + 1:0{width}d}"
        _subject(rng, protocol, recs, u, f"{i + 1:0{width}d}", dates[i], fail_of.get(i), i in lost)
    return {d: r.frame(STUDYID) for d, r in recs.items()}, None


def _subject(rng, protocol, recs, u, subjid, screen, fail, lost) -> None:
    labs, vitals = protocol["labs"], protocol["vitals"]
    sex = "M" if rng.uniform() < 0.5 else "F"
    age = int(rng.integers(66, 70)) if fail == "IN01" else int(np.clip(round(rng.normal(52, 7)), 36, 65))
    height = rng.normal(168 if sex == "M" else 157, 6)
    bmi = float(rng.uniform(30.6, 32.5)) if fail == "IN02" else float(truncnorm(rng, 25.5, 2.3, 20.3, 29.8))
    weight = bmi * (height / 100) ** 2
    born = birth_date(rng, screen, age)
    scr = iso(screen)
    ogtt0 = {"IN03_low": rng.uniform(6.6, 7.6), "IN03_high": rng.uniform(11.3, 12.4)}.get(
        fail, float(truncnorm(rng, 9.2, 0.9, 7.9, 10.9)))
    base = dict(OGTT2H=ogtt0, GLUC=float(rng.normal(5.9, 0.45)), HBA1C=float(rng.normal(5.9, 0.3)),
                INSULIN=float(np.exp(rng.normal(np.log(11), 0.35))),
                CPEPTIDE=float(np.exp(rng.normal(np.log(2.3), 0.25))),
                ALT=float(np.exp(rng.normal(np.log(22), 0.3))), AST=float(np.exp(rng.normal(np.log(21), 0.25))),
                BILI=float(np.exp(rng.normal(np.log(10.5), 0.3))),
                CREAT=float(np.exp(rng.normal(np.log(76 if sex == "M" else 60), 0.1))))
    if fail == "EX05":
        base["ALT"] = 2.8 * 40
    _labs(recs["LB"], labs, u, sex, 0, "SCREENING", scr, base)
    for testcd in ("HIV", "HBSAG", "HCVAB", "SYPHILIS") + (("HCG",) if sex == "F" else ()):
        res = "POSITIVE" if (fail == "EX07" and testcd == "HBSAG") else "NEGATIVE"
        lab_row(recs["LB"], u, testcd, labs[testcd], res, 0, 0, "SCREENING", scr,
                "URINALYSIS" if testcd == "HCG" else "SEROLOGY", None)
    for testcd, val, dec in (("HEIGHT", height, 0), ("WEIGHT", weight, 1), ("BMI", bmi, 1)):
        vs_row(recs["VS"], u, testcd, vitals[testcd], val, dec, 0, "SCREENING", scr)
    bp_rows(rng, recs["VS"], vitals, u, (126, 74), 0, "SCREENING", scr)
    per_week = int(rng.choice([0, 0, 1, 2, 4, 7, 10]))
    for dose, frq in ((min(2, per_week), "PER DAY"), (per_week, "PER WEEK")):
        recs["SU"].add(USUBJID=u, SUTRT="ALCOHOL", SUCAT="ALCOHOL", SUDOSE=dose, SUDOSU="DRINKS",
                       SUDOSFRQ=frq, SUDTC=scr)
    padua, caprini = int(rng.integers(0, 3)), 5 if fail == "EX15" else int(rng.integers(0, 4))
    for code, name, score in (("PADUA", "Padua prediction score", padua),
                              ("CAPRINI", "Caprini risk score", caprini)):
        recs["QS"].add(USUBJID=u, QSTESTCD=code, QSTEST=name, QSCAT="VTE RISK", QSORRES=str(score),
                       QSSTRESN=score, QSDTC=scr)
    if rng.uniform() < 0.15:   # older surgery, outside the 6-month exclusion window
        recs["PR"].add(USUBJID=u, PRTRT="CHOLECYSTECTOMY", PRCAT="MAJOR SURGERY",
                       PRSTDTC=iso(add_days(screen, -int(rng.uniform(400, 3000)))), PRDTC=scr)
    if rng.uniform() < 0.3:
        recs["MH"].add(USUBJID=u, MHTERM="HYPERTENSION", MHDECOD="Hypertension", MHCAT="GENERAL",
                       MHSTDTC=iso(add_days(screen, -int(rng.uniform(300, 3000)))), MHDTC=scr)
    if rng.uniform() < 0.25:
        recs["CM"].add(USUBJID=u, CMTRT="AMLODIPINE", CMDECOD="AMLODIPINE",
                       CMCLAS="DIHYDROPYRIDINE DERIVATIVES", CMCAT="CONCOMITANT", CMINDC="HYPERTENSION",
                       CMSTDTC=iso(add_days(screen, -int(rng.uniform(100, 1500)))))
    recs["DS"].add(USUBJID=u, DSTERM="INFORMED CONSENT OBTAINED", DSDECOD="INFORMED CONSENT OBTAINED",
                   DSCAT="PROTOCOL MILESTONE", DSSTDTC=scr)
    dm = dict(USUBJID=u, SUBJID=subjid, SITEID="01", RFICDTC=scr, BRTHDTC=iso(born),
              AGE=age_on(born, screen), AGEU="YEARS", SEX=sex, RACE="ASIAN",
              ETHNIC="NOT HISPANIC OR LATINO", COUNTRY="CHN")
    if fail is not None:
        crit = {c["id"]: c for c in protocol["criteria"]}[fail.split("_")[0]]
        flag = "N" if crit["category"] == "INCLUSION" else "Y"
        recs["IE"].add(USUBJID=u, IETESTCD=crit["id"], IETEST=crit["text"], IECAT=crit["category"],
                       IEORRES=flag, IESTRESC=flag, IEDTC=scr)
        recs["DS"].add(USUBJID=u, DSTERM=f"SCREEN FAILURE: {crit['text'].upper()}",
                       DSDECOD="SCREEN FAILURE", DSCAT="DISPOSITION EVENT",
                       DSSTDTC=iso(add_days(screen, int(rng.integers(3, 10)))))
        recs["DM"].add(**dm)
        return

    day1 = add_days(screen, 14 + int(rng.integers(-2, 3)))
    visit_day = {0: 1, 2: 15, 4: 29, 8: 57 + int(rng.integers(-3, 4)), 12: 85 + int(rng.integers(-4, 5)),
                 24: 169 + int(rng.integers(-7, 8))}
    attended = [w for w in WEEKS if not (lost and w > 12)]
    last = visit_day[attended[-1]]
    end = study_date(day1, last + (int(rng.integers(10, 30)) if lost else 0))
    infusions = [study_date(day1, d) for d in (1, 15, 29)]
    recs["DM"].add(**dm, RFSTDTC=iso(infusions[0]), RFENDTC=iso(end))
    recs["DS"].add(USUBJID=u, DSTERM="LOST TO FOLLOW-UP" if lost else "COMPLETED",
                   DSDECOD="LOST TO FOLLOW-UP" if lost else "COMPLETED", DSCAT="DISPOSITION EVENT",
                   DSSTDTC=iso(end))
    trt = protocol["treatment"]
    for k, d in enumerate(infusions):
        recs["EX"].add(USUBJID=u, EXTRT=trt["name"].upper(), EXDOSE=trt["dose"], EXDOSU=trt["dose_unit"],
                       EXROUTE="INTRAVENOUS", EXSTDTC=iso_time(d, "09:00"), EXENDTC=iso_time(d, "09:30"),
                       VISITNUM=[1, 2, 4][k], VISIT=["BASELINE", "WEEK 2", "WEEK 4"][k])
    delta_ogtt = rng.normal(-0.8, 1.1)
    for w in attended:
        when = iso(study_date(day1, visit_day[w]))
        visitnum, visit = (1, "BASELINE") if w == 0 else (w, f"WEEK {w}")
        frac = min(w, 12) / 12
        values = {k: v * np.exp(rng.normal(0, 0.15)) for k, v in base.items()
                  if k in ("INSULIN", "CPEPTIDE", "ALT", "AST", "BILI")}
        values.update(CREAT=base["CREAT"] * np.exp(rng.normal(0, 0.05)),
                      GLUC=base["GLUC"] - 0.25 * frac + rng.normal(0, 0.25),
                      HBA1C=base["HBA1C"] - 0.15 * frac + rng.normal(0, 0.1))
        if w in (12, 24):
            values["OGTT2H"] = max(4.5, ogtt0 + delta_ogtt * frac + rng.normal(0, 0.5))
        _labs(recs["LB"], labs, u, sex, visitnum, visit, when, values)
        vs_row(recs["VS"], u, "WEIGHT", vitals["WEIGHT"], weight + rng.normal(0, 0.7), 1, visitnum, visit, when)
        bp_rows(rng, recs["VS"], vitals, u, (126, 74), visitnum, visit, when)
    fever = [rng.uniform() < 0.06 for _ in infusions]
    for k, d in enumerate(infusions):
        visitnum, visit = [(1, "BASELINE"), (2, "WEEK 2"), (4, "WEEK 4")][k]
        for tpt, tptnum, day, hhmm in (("PRE-DOSE", 0, 0, "08:30"), ("2H POST-DOSE", 2, 0, "11:30"),
                                       ("24H POST-DOSE", 24, 1, "09:30"), ("48H POST-DOSE", 48, 2, "09:30")):
            temp = float(rng.uniform(38.0, 38.6)) if fever[k] and tptnum == 24 else rng.normal(36.6, 0.25)
            vs_row(recs["VS"], u, "TEMP", vitals["TEMP"], temp, 1, visitnum, visit,
                   iso_time(add_days(d, day), hhmm), tpt, tptnum)
        if fever[k]:
            ae_row(recs["AE"], rng, u, "Pyrexia", add_days(d, 1), add_days(d, 2), "MILD",
                   rel="PROBABLY RELATED", term="Fever after infusion")
    span = max(1, (end - day1).days)
    for pt, p in (("Headache", 0.12), ("Fatigue", 0.1), ("Upper respiratory tract infection", 0.15),
                  ("Dizziness", 0.05), ("Nausea", 0.05), ("Arthralgia", 0.05)):
        if rng.uniform() < p:
            start = add_days(day1, int(rng.integers(0, span)))
            stop = add_days(start, int(rng.integers(1, 10)))
            ae_row(recs["AE"], rng, u, pt, start, stop if stop <= end else None,
                   rel="POSSIBLY RELATED" if pt in ("Headache", "Fatigue") else "NOT RELATED")


def _labs(rec, labs, u, sex, visitnum, visit, when, values) -> None:
    for testcd in ("OGTT2H", "GLUC", "HBA1C", "INSULIN", "CPEPTIDE", "ALT", "AST", "BILI", "CREAT"):
        if testcd in values:
            cat = "CHEMISTRY" if testcd in ("ALT", "AST", "BILI", "CREAT") else "GLYCAEMIC"
            normal = CREAT_NORMAL[sex] if testcd == "CREAT" else NORMAL[testcd]
            lab_row(rec, u, testcd, labs[testcd], float(values[testcd]), DECIMALS[testcd],
                    visitnum, visit, when, cat, normal)
