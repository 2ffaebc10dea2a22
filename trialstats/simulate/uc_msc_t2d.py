"""Synthetic NCT02302599: UC-MSCs vs placebo in insulin-treated type 2 diabetes.

Calibrated to the publication (STUDIES.md, "Calibration"): at the default size of 103 screened
the counts are exact (12 screen failures, 45/46 randomized, FAS 45/44, responders 9/45 and 2/44);
HbA1c, insulin reduction and clamp GIR follow the published means and SDs in distribution.
At other sizes every count scales from those (used for performance work only).
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .realism import add_real_world_shapes
from ._common import (Records, add_days, ae_row, birth_date, age_on, bp_rows, iso, iso_time, lab_row,
                      scaled, staggered_dates, study_date, truncnorm, vs_row)

STUDYID = "NCT02302599"
N_SCREENED = 103
SEED = 20151001
ARMS = {"UCMSC": "UC-MSC 1.5x10^6 cells/kg", "PBO": "Placebo"}

# Screen failures, cycled: criterion id and how the screening data fails it.
FAILURES = ["IN05_high", "IN05_low", "IN06", "IN03", "IN01", "IN04_low", "IN04_high", "EX03",
            "IN02", "EX01", "EX04", "IN05_high"]
# Published arm-level targets (Zang et al. 2022): HbA1c baseline and week 48 mean (SD),
# insulin dose reduction at week 48, clamp glucose infusion rate baseline and week 48.
TARGET = {
    "UCMSC": dict(a1c0=(9.02, 1.27), a1c48=(7.52, 1.07), red=0.2778, gir=(3.12, 4.76)),
    "PBO": dict(a1c0=(8.89, 1.11), a1c48=(8.19, 1.02), red=0.1562, gir=(3.26, 3.60)),
}
# Discontinuations after dosing, per arm: (last visit week attended, reason); cycled when scaled.
DISCONTINUED = {
    "UCMSC": [(12, "WITHDRAWAL BY SUBJECT"), (24, "LOST TO FOLLOW-UP"), (24, "ADVERSE EVENT"),
              (36, "WITHDRAWAL BY SUBJECT")],
    "PBO": [(8, "WITHDRAWAL BY SUBJECT"), (24, "LOST TO FOLLOW-UP"), (36, "LACK OF EFFICACY"),
            (36, "LOST TO FOLLOW-UP")],
}
# Sampling parameters, tuned so that the realised data (after truncation to the eligibility range
# and the exact responder counts) land near TARGET; tests compare the data with TARGET.
SAMPLING = {
    "UCMSC": dict(a1c0=(8.95, 1.5), a1c48=(7.62, 1.2), red=0.2, gir=(3.12, 4.8)),
    "PBO": dict(a1c0=(8.78, 1.3), a1c48=(8.12, 1.1), red=0.145, gir=(3.26, 3.75)),
}
PROHIBITED = {"UCMSC": ("DAPAGLIFLOZIN", "SGLT2 INHIBITORS", 30),
              "PBO": ("SITAGLIPTIN", "DPP-4 INHIBITORS", 20)}
NORMAL = {"HBA1C": (4.0, 6.0), "GLUC": (3.9, 6.1), "CPEPTIDE": (1.1, 4.4), "INSULIN": (2.6, 24.9),
          "ALT": (7.0, 40.0), "AST": (13.0, 35.0), "BILI": (3.4, 20.5)}
CREAT_NORMAL = {"M": (57.0, 111.0), "F": (41.0, 81.0)}
DECIMALS = {"HBA1C": 1, "GLUC": 1, "CPEPTIDE": 2, "INSULIN": 1, "GIR": 2, "GLUCSMBG": 1,
            "ALT": 0, "AST": 0, "BILI": 1, "CREAT": 0}
POST_WEEKS = [4, 8, 12, 24, 36, 48]


def simulate(protocol: dict, n_screened: int = N_SCREENED, seed: int = SEED):
    """Return ({domain: DataFrame}, randomization key DataFrame) for n_screened subjects."""
    rng = np.random.default_rng(seed)
    subjects = _screening(rng, n_screened)
    key = _randomize(rng, subjects)
    _plan_course(rng, subjects)
    _plan_outcomes(rng, subjects)
    recs = {d: Records(d) for d in ["DM", "EX", "LB", "VS", "AE", "DS", "CM", "MH", "IE"]}
    for s in subjects:
        _write_subject(rng, protocol, s, recs)
    domains = {d: r.frame(STUDYID) for d, r in recs.items()}
    return add_real_world_shapes(domains, seed + 1), key


# --- screening -------------------------------------------------------------------------------

def _screening(rng, n: int) -> list[dict]:
    width = max(3, len(str(n)))
    dates = staggered_dates(rng, n, dt.date(2015, 10, 8), dt.date(2017, 11, 24))
    n_fail = scaled(len(FAILURES), n, N_SCREENED)
    failing = set(rng.choice(n, size=n_fail, replace=False).tolist())
    subjects, k = [], 0
    for i in range(n):
        sex = "M" if rng.uniform() < 0.6 else "F"
        height = rng.normal(170 if sex == "M" else 158, 6)
        s = dict(
            usubjid=f"{STUDYID}-01-{i + 1:0{width}d}", subjid=f"{i + 1:0{width}d}",
            screen=dates[i], sex=sex, age=int(np.clip(round(rng.normal(51, 8)), 22, 65)),
            height=height, bmi=float(truncnorm(rng, 27.5, 3.0, 24.2, 39.5)),
            dm_years=float(rng.uniform(2, 18)), ukgday=float(rng.uniform(0.52, 0.98)),
            cpep=float(np.exp(rng.normal(np.log(1.9), 0.3))), creat_high=False, ketones=False,
            mi=False, fail=None, arm=None,
        )
        s["cpep"] = max(s["cpep"], 1.05)
        if i in failing:
            s["fail"] = FAILURES[k % len(FAILURES)]
            k += 1
            _apply_failure(rng, s)
        subjects.append(s)
    return subjects


def _apply_failure(rng, s: dict) -> None:
    f = s["fail"]
    if f == "IN05_high":
        s["a1c_screen"] = float(rng.uniform(12.3, 13.4))
    elif f == "IN05_low":
        s["a1c_screen"] = float(rng.uniform(6.3, 6.9))
    elif f == "IN06":
        s["cpep"] = float(rng.uniform(0.45, 0.9))
    elif f == "IN03":
        s["bmi"] = float(rng.uniform(40.6, 43.0))
    elif f == "IN01":
        s["age"] = int(rng.integers(66, 71))
    elif f == "IN04_low":
        s["ukgday"] = float(rng.uniform(0.3, 0.45))
    elif f == "IN04_high":
        s["ukgday"] = float(rng.uniform(1.1, 1.35))
    elif f == "EX03":
        s["creat_high"] = True
    elif f == "IN02":
        s["dm_years"] = float(rng.uniform(21, 26))
    elif f == "EX01":
        s["ketones"] = True
    elif f == "EX04":
        s["mi"] = True


def _randomize(rng, subjects: list[dict]) -> pd.DataFrame:
    """Permuted blocks of 4; the last block takes the remainder, so arms are n//2 and the rest."""
    rand = [s for s in subjects if s["fail"] is None]
    n = len(rand)
    n_a, n_b = n // 2, n - n // 2
    seq = []
    for _ in range(n // 4):
        seq += list(rng.permutation(["UCMSC", "UCMSC", "PBO", "PBO"]))
    rest = ["UCMSC"] * (n_a - seq.count("UCMSC")) + ["PBO"] * (n_b - seq.count("PBO"))
    seq += list(rng.permutation(rest))
    rows = []
    for i, (s, arm) in enumerate(zip(rand, seq)):
        s["arm"] = str(arm)
        s["day1"] = add_days(s["screen"], 14 + int(rng.integers(-2, 4)))
        rows.append(dict(STUDYID=STUDYID, USUBJID=s["usubjid"], RANDNO=f"R{i + 1:04d}",
                         RANDDT=iso(s["day1"]), ARMCD=s["arm"], ARM=ARMS[s["arm"]]))
    return pd.DataFrame(rows)


# --- course on study: dosing, discontinuation, deviations ----------------------------------------

def _pick(rng, pool: list[dict], k: int, taken: set) -> list[dict]:
    free = [s for s in pool if s["usubjid"] not in taken]
    chosen = [free[i] for i in sorted(rng.choice(len(free), size=min(k, len(free)), replace=False))]
    taken.update(s["usubjid"] for s in chosen)
    return chosen


def _plan_course(rng, subjects: list[dict]) -> None:
    rand = [s for s in subjects if s["arm"]]
    for s in rand:
        s.update(n_inf=3, last_week=48, reason="COMPLETED", prohibited=None, miss48=False,
                 skip=set(), disagree=False, sae=False, liver=False, gilbert=False)
    for arm in ARMS:
        pool = [s for s in rand if s["arm"] == arm]
        n, taken = len(pool), set()
        if arm == "PBO":   # not in the FAS: never dosed; dosed once then lost before week 4
            for s in _pick(rng, pool, scaled(1, n, 46), taken):
                s.update(n_inf=0, last_week=0, reason="WITHDRAWAL BY SUBJECT")
            for s in _pick(rng, pool, scaled(1, n, 46), taken):
                s.update(n_inf=1, last_week=1, reason="LOST TO FOLLOW-UP")
        plan = DISCONTINUED[arm]
        for j, s in enumerate(_pick(rng, pool, scaled(len(plan), n, 45), taken)):
            s["last_week"], s["reason"] = plan[j % len(plan)]
        for s in _pick(rng, pool, scaled(1, n, 45), taken):
            s["n_inf"] = 2                                  # missed the third infusion
        for s in _pick(rng, pool, scaled(1, n, 45), taken):
            s["prohibited"] = PROHIBITED[arm]
        if arm == "UCMSC":
            for s in _pick(rng, pool, scaled(1, n, 45), taken):
                s["miss48"] = True                          # week-48 HbA1c sample lost
        for s in pool:                                      # intermittent missed visits
            if s["usubjid"] not in taken and s["last_week"] == 48:
                s["skip"] = {w for w in (12, 24, 36) if rng.uniform() < 0.04}
        completers = [s for s in pool if s["last_week"] == 48 and not s["skip"]]
        for s in _pick(rng, completers, scaled(1, n, 45), set()):
            s["sae"] = True                                 # one serious AE per arm
        for s in _pick(rng, completers, scaled(1, n, 45), set()):
            s["liver" if arm == "UCMSC" else "gilbert"] = True
    # investigator enrolled on a local HbA1c; the central screening value is above 12.0%
    for s in _pick(rng, rand, scaled(1, len(rand), 91), set()):
        s["disagree"] = True


def _fas(s: dict) -> bool:
    return s["n_inf"] >= 1 and s["last_week"] >= 4


def _plan_outcomes(rng, subjects: list[dict]) -> None:
    """Latent week-48 HbA1c and insulin reduction, then exactly the calibrated responders."""
    for s in subjects:
        t = SAMPLING[s["arm"] or "PBO"]
        (m0, sd0), (m48, sd48) = t["a1c0"], t["a1c48"]
        lo = 7.05 if s["fail"] is None else 7.0
        s["a1c0"] = float(truncnorm(rng, m0, sd0, lo, 11.9))
        rho = 0.6
        s["a1c48"] = float(m48 + rho * sd48 / sd0 * (s["a1c0"] - m0)
                           + rng.normal(0, sd48 * np.sqrt(1 - rho**2)))
        s["a1c48"] = float(np.clip(s["a1c48"], 5.6, 12.5))
        s["red"] = float(np.clip(rng.normal(t["red"], 0.17), -0.25, 0.8))
        s["responder"] = False
    for arm, rate in (("UCMSC", 9 / 45), ("PBO", 2 / 44)):
        pool = [s for s in subjects if s["arm"] == arm]
        fas = [s for s in pool if _fas(s)]
        k = int(round(rate * len(fas)))
        candidates = [s for s in fas if s["last_week"] == 48 and not s["miss48"]
                      and s["prohibited"] is None]
        score = np.array([(s["a1c48"] - 7.0) / 1.0 - (s["red"] - 0.5) / 0.2 for s in candidates])
        chosen = {candidates[i]["usubjid"] for i in np.argsort(score, kind="stable")[:k]}
        for s in pool:
            if s["usubjid"] in chosen:
                s["responder"] = True
                s["a1c48"] = min(s["a1c48"], float(rng.uniform(6.2, 6.9)))
                s["red"] = max(s["red"], float(rng.uniform(0.52, 0.7)))
            elif s["prohibited"] is not None and arm == "UCMSC":
                # meets both value criteria but took a prohibited drug: composite non-responder
                s["a1c48"], s["red"] = float(rng.uniform(6.3, 6.8)), float(rng.uniform(0.52, 0.6))
            elif s["a1c48"] < 7.0 and s["red"] >= 0.45:
                s["red"] = float(rng.uniform(0.25, 0.44))


# --- records ---------------------------------------------------------------------------------

def _curve(week: float) -> float:
    """Fraction of the week-48 change reached by a week (smooth, 1 at week 48)."""
    return float((1 - np.exp(-week / 10)) / (1 - np.exp(-4.8)))


def _write_subject(rng, protocol: dict, s: dict, recs: dict) -> None:
    u, screen = s["usubjid"], s["screen"]
    labs, vitals = protocol["labs"], protocol["vitals"]
    weight0 = s["bmi"] * (s["height"] / 100) ** 2
    dose0 = int(round(s["ukgday"] * weight0))
    born = birth_date(rng, screen, s["age"])
    scr = iso(screen)

    # screening: labs, vitals, history, medications, consent
    a1c_scr = s.get("a1c_screen", np.clip(s["a1c0"] + rng.normal(0, 0.12), 7.0, 12.0))
    if s.get("disagree"):
        a1c_scr = 12.2
    creat0 = float(np.exp(rng.normal(np.log(75 if s["sex"] == "M" else 58), 0.12)))
    if s["creat_high"]:
        creat0 = float(rng.uniform(180, 230))
    base_labs = dict(
        GLUC=max(4.2, 1.25 * s["a1c0"] - 1.9 + rng.normal(0, 0.9)),
        INSULIN=float(np.exp(rng.normal(np.log(15), 0.4))),
        ALT=float(np.exp(rng.normal(np.log(22), 0.35))), AST=float(np.exp(rng.normal(np.log(21), 0.3))),
        BILI=float(np.exp(rng.normal(np.log(10.5), 0.3))), CREAT=creat0)
    _labs_at(rng, recs["LB"], labs, s, 0, "SCREENING", scr,
             dict(base_labs, HBA1C=a1c_scr, CPEPTIDE=s["cpep"]))
    for testcd in ("KETONES", "HIV", "HBSAG", "HCVAB", "SYPHILIS"):
        res = "POSITIVE" if testcd == "KETONES" and s["ketones"] else "NEGATIVE"
        lab_row(recs["LB"], u, testcd, labs[testcd], res, 0, 0, "SCREENING", scr,
                "URINALYSIS" if testcd == "KETONES" else "SEROLOGY", None)
    for testcd, val, dec in (("HEIGHT", s["height"], 0), ("WEIGHT", weight0, 1),
                             ("BMI", weight0 / (s["height"] / 100) ** 2, 1)):
        vs_row(recs["VS"], u, testcd, vitals[testcd], val, dec, 0, "SCREENING", scr)
    bp_rows(rng, recs["VS"], vitals, u, (132, 76), 0, "SCREENING", scr)
    dx = add_days(screen, -int(s["dm_years"] * 365.25))
    recs["MH"].add(USUBJID=u, MHTERM="TYPE 2 DIABETES MELLITUS", MHDECOD="Type 2 diabetes mellitus",
                   MHCAT="DIABETES HISTORY", MHSTDTC=iso(dx), MHDTC=scr)
    for term, decod, p in (("HYPERTENSION", "Hypertension", 0.4), ("HYPERLIPIDAEMIA",
                           "Hyperlipidaemia", 0.35), ("DIABETIC PERIPHERAL NEUROPATHY",
                           "Diabetic neuropathy", 0.15)):
        if rng.uniform() < p:
            onset = add_days(screen, -int(rng.uniform(200, 3000)))
            recs["MH"].add(USUBJID=u, MHTERM=term, MHDECOD=decod, MHCAT="GENERAL",
                           MHSTDTC=iso(max(onset, dx)), MHDTC=scr)
    if s["mi"]:
        recs["MH"].add(USUBJID=u, MHTERM="ACUTE MYOCARDIAL INFARCTION", MHDECOD="Myocardial infarction",
                       MHCAT="GENERAL", MHSTDTC=iso(add_days(screen, -int(rng.uniform(120, 300)))),
                       MHDTC=scr)
    recs["DS"].add(USUBJID=u, DSTERM="INFORMED CONSENT OBTAINED", DSDECOD="INFORMED CONSENT OBTAINED",
                   DSCAT="PROTOCOL MILESTONE", DSSTDTC=scr)
    if s["fail"] is not None:
        _screen_failure(rng, protocol, s, recs, born, dose0)
        return

    # randomized: the course from day 1
    day1 = s["day1"]
    shift = int(rng.integers(-2, 3))
    visit_day = {0: 1, 4: 29 + shift, 8: 57 + shift, 12: 85 + int(rng.integers(-3, 4)),
                 24: 169 + int(rng.integers(-7, 8)), 36: 253 + int(rng.integers(-7, 8)),
                 48: 337 + int(rng.integers(-7, 8))}
    attended = [w for w in POST_WEEKS if w <= s["last_week"] and w not in s["skip"]]
    if s["last_week"] == 1:
        end = study_date(day1, 20)
    elif s["last_week"] == 0:
        end = day1
    else:
        end = study_date(day1, visit_day[s["last_week"]] + (0 if s["reason"] == "COMPLETED"
                                                             else int(rng.integers(7, 30))))
    recs["DS"].add(USUBJID=u, DSTERM="RANDOMIZED", DSDECOD="RANDOMIZED", DSCAT="PROTOCOL MILESTONE",
                   DSSTDTC=iso(day1))
    recs["DS"].add(USUBJID=u, DSTERM=s["reason"], DSDECOD=s["reason"], DSCAT="DISPOSITION EVENT",
                   DSSTDTC=iso(end))
    infusions = [study_date(day1, d) for d in (1, visit_day[4], visit_day[8])][: s["n_inf"]]
    recs["DM"].add(USUBJID=u, SUBJID=s["subjid"], SITEID="01", RFICDTC=scr,
                   RFSTDTC=iso(infusions[0]) if infusions else "", RFENDTC=iso(end),
                   BRTHDTC=iso(born), AGE=age_on(born, screen), AGEU="YEARS", SEX=s["sex"],
                   RACE="ASIAN", ETHNIC="NOT HISPANIC OR LATINO", COUNTRY="CHN")
    for k, d in enumerate(infusions):
        visit = ["BASELINE", "WEEK 4", "WEEK 8"][k]
        recs["EX"].add(USUBJID=u, EXTRT=protocol["treatment"]["name"].upper(),
                       EXDOSE=protocol["treatment"]["dose"], EXDOSU=protocol["treatment"]["dose_unit"],
                       EXROUTE="INTRAVENOUS", EXSTDTC=iso_time(d, "09:00"), EXENDTC=iso_time(d, "09:40"),
                       VISITNUM=[1, 4, 8][k], VISIT=visit)

    # efficacy and safety measurements by visit
    t = SAMPLING[s["arm"]]
    gir0 = float(max(0.8, rng.normal(t["gir"][0], 0.8)))
    weight, dose = weight0, {0: dose0}
    for w in [0, *attended]:
        frac = _curve(w) if w else 0.0
        a1c = s["a1c0"] + (s["a1c48"] - s["a1c0"]) * frac + (rng.normal(0, 0.22) if 0 < w < 48 else 0)
        when = iso(study_date(day1, visit_day[w]))
        visitnum, visit = (1, "BASELINE") if w == 0 else (w, f"WEEK {w}")
        values = dict(HBA1C=a1c, CPEPTIDE=s["cpep"] * np.exp(rng.normal(0, 0.12)),
                      GLUC=max(3.3, 1.25 * a1c - 1.9 + rng.normal(0, 0.8)),
                      INSULIN=base_labs["INSULIN"] * np.exp(rng.normal(0, 0.25)),
                      ALT=base_labs["ALT"] * np.exp(rng.normal(0, 0.2)),
                      AST=base_labs["AST"] * np.exp(rng.normal(0, 0.18)),
                      BILI=base_labs["BILI"] * np.exp(rng.normal(0, 0.15)),
                      CREAT=creat0 * np.exp(rng.normal(0, 0.06)))
        if w == 48 and s["miss48"]:
            values.pop("HBA1C")
        if s["liver"] and w == 12:                        # transient transaminase rise
            values.update(ALT=3.6 * 40, AST=2.6 * 35)
        if s["gilbert"] and w >= 24:                      # isolated bilirubin above ULN
            values.update(BILI=1.6 * 20.5 * np.exp(rng.normal(0, 0.05)))
        if w in (0, 48):
            values["GIR"] = gir0 if w == 0 else max(0.8, t["gir"][1] + 0.5 * (gir0 - t["gir"][0])
                                                    + rng.normal(0, 0.8))
        _labs_at(rng, recs["LB"], labs, s, visitnum, visit, when, values)
        weight = weight0 + rng.normal(-0.3 * frac, 0.8)
        vs_row(recs["VS"], u, "WEIGHT", vitals["WEIGHT"], weight, 1, visitnum, visit, when)
        bp_rows(rng, recs["VS"], vitals, u, (132, 76), visitnum, visit, when)
        if w:
            reduction = s["red"] * frac + (rng.normal(0, 0.04) if w < 48 else 0)
            dose[w] = int(round(dose0 * (1 - reduction)))
            if w == 48:   # recorded integer doses must keep the responder status exact
                limit = dose0 * 0.5
                if s["red"] >= 0.5 and dose[w] > limit:
                    dose[w] = int(np.floor(limit))
                if s["red"] < 0.5 and dose[w] <= limit:
                    dose[w] = int(np.floor(limit)) + 1
    _insulin_periods(recs["CM"], protocol, u, screen, day1, visit_day, dose, end)
    _other_medications(rng, recs["CM"], s, screen, day1, end)
    _temperatures(rng, recs["VS"], vitals, s, infusions)
    _adverse_events(rng, recs, s, screen, infusions, day1, end)


def _labs_at(rng, rec, labs, s, visitnum, visit, when, values: dict) -> None:
    for testcd in ("HBA1C", "GLUC", "CPEPTIDE", "INSULIN", "GIR", "ALT", "AST", "BILI", "CREAT"):
        if testcd not in values:
            continue
        cat = {"HBA1C": "GLYCAEMIC", "GLUC": "GLYCAEMIC", "CPEPTIDE": "GLYCAEMIC",
               "INSULIN": "GLYCAEMIC", "GIR": "CLAMP"}.get(testcd, "CHEMISTRY")
        normal = CREAT_NORMAL[s["sex"]] if testcd == "CREAT" else NORMAL.get(testcd)
        lab_row(rec, s["usubjid"], testcd, labs[testcd], float(values[testcd]), DECIMALS[testcd],
                visitnum, visit, when, cat, normal)



def _screen_failure(rng, protocol, s, recs, born, dose0) -> None:
    u, scr = s["usubjid"], iso(s["screen"])
    crit = {c["id"]: c for c in protocol["criteria"]}[s["fail"].split("_")[0]]
    recs["IE"].add(USUBJID=u, IETESTCD=crit["id"], IETEST=crit["text"], IECAT=crit["category"],
                   IEORRES="N" if crit["category"] == "INCLUSION" else "Y",
                   IESTRESC="N" if crit["category"] == "INCLUSION" else "Y", IEDTC=scr)
    fail_date = add_days(s["screen"], int(rng.integers(3, 10)))
    recs["DS"].add(USUBJID=u, DSTERM=f"SCREEN FAILURE: {crit['text'].upper()}",
                   DSDECOD="SCREEN FAILURE", DSCAT="DISPOSITION EVENT", DSSTDTC=iso(fail_date))
    recs["DM"].add(USUBJID=u, SUBJID=s["subjid"], SITEID="01", RFICDTC=scr, RFSTDTC="", RFENDTC="",
                   BRTHDTC=iso(born), AGE=age_on(born, s["screen"]), AGEU="YEARS", SEX=s["sex"],
                   RACE="ASIAN", ETHNIC="NOT HISPANIC OR LATINO", COUNTRY="CHN")
    recs["CM"].add(USUBJID=u, CMTRT="INSULIN", CMDECOD="INSULIN", CMCLAS="INSULINS AND ANALOGUES",
                   CMCAT=protocol["insulin"]["cmcat"], CMINDC="TYPE 2 DIABETES MELLITUS", CMDOSE=dose0,
                   CMDOSU=protocol["insulin"]["unit"], CMDOSFRQ="QD",
                   CMSTDTC=iso(add_days(s["screen"], -180)), CMENDTC="")


def _insulin_periods(rec, protocol, u, screen, day1, visit_day, dose: dict, end) -> None:
    """Daily insulin dose as CM periods: the baseline dose, then a new period at each visit."""
    weeks = sorted(dose)
    starts = [add_days(screen, -180)] + [study_date(day1, visit_day[w]) for w in weeks[1:]]
    for i, w in enumerate(weeks):
        stop = add_days(starts[i + 1], -1) if i + 1 < len(weeks) else end
        rec.add(USUBJID=u, CMTRT="INSULIN", CMDECOD="INSULIN", CMCLAS="INSULINS AND ANALOGUES",
                CMCAT=protocol["insulin"]["cmcat"], CMINDC="TYPE 2 DIABETES MELLITUS",
                CMDOSE=dose[w], CMDOSU=protocol["insulin"]["unit"], CMDOSFRQ="QD",
                CMSTDTC=iso(starts[i]), CMENDTC=iso(stop))


def _other_medications(rng, rec, s, screen, day1, end) -> None:
    u = s["usubjid"]
    for trt, cls, indc, p in (("METFORMIN", "BIGUANIDES", "TYPE 2 DIABETES MELLITUS", 0.55),
                              ("ATORVASTATIN", "HMG COA REDUCTASE INHIBITORS", "HYPERLIPIDAEMIA", 0.35),
                              ("AMLODIPINE", "DIHYDROPYRIDINE DERIVATIVES", "HYPERTENSION", 0.3),
                              ("ASPIRIN", "PLATELET AGGREGATION INHIBITORS", "PROPHYLAXIS", 0.2)):
        if rng.uniform() < p:
            rec.add(USUBJID=u, CMTRT=trt, CMDECOD=trt, CMCLAS=cls, CMCAT="CONCOMITANT", CMINDC=indc,
                    CMSTDTC=iso(add_days(screen, -int(rng.uniform(100, 2000)))), CMENDTC="")
    if s["prohibited"]:
        trt, cls, week = s["prohibited"]
        start = study_date(day1, 7 * week + int(rng.integers(-5, 6)))
        rec.add(USUBJID=u, CMTRT=trt, CMDECOD=trt, CMCLAS=cls, CMCAT="CONCOMITANT",
                CMINDC="TYPE 2 DIABETES MELLITUS", CMSTDTC=iso(start), CMENDTC=iso(end))


def _temperatures(rng, rec, vitals, s, infusions) -> None:
    """Temperature before and 2, 24 and 48 hours after each infusion; fever where planned."""
    s["fever"] = [rng.uniform() < (0.12 if s["arm"] == "UCMSC" else 0.03) for _ in infusions]
    for k, d in enumerate(infusions):
        visitnum, visit = [(1, "BASELINE"), (4, "WEEK 4"), (8, "WEEK 8")][k]
        peak = float(rng.uniform(38.0, 39.1)) if s["fever"][k] else None
        for tpt, tptnum, day, hhmm in (("PRE-DOSE", 0, 0, "08:30"), ("2H POST-DOSE", 2, 0, "11:40"),
                                       ("24H POST-DOSE", 24, 1, "09:40"), ("48H POST-DOSE", 48, 2, "09:40")):
            temp = rng.normal(36.6, 0.25)
            if peak is not None and tptnum in (2, 24):
                temp = peak if tptnum == 24 else peak - rng.uniform(0.2, 0.6)
            vs_row(rec, s["usubjid"], "TEMP", vitals["TEMP"], temp, 1, visitnum, visit,
                   iso_time(add_days(d, day), hhmm), tpt, tptnum)


def _adverse_events(rng, recs, s, screen, infusions, day1, end) -> None:
    ae, lb = recs["AE"], recs["LB"]
    u, active = s["usubjid"], s["arm"] == "UCMSC"
    span = max(1, (end - day1).days)
    if rng.uniform() < 0.04:   # before the first infusion: not treatment-emergent
        start = add_days(screen, int(rng.integers(1, 10)))
        ae_row(ae, rng, u, "Upper respiratory tract infection", start, add_days(start, 6), "MILD")
    if not infusions:
        return
    for k, d in enumerate(infusions):
        if s["fever"][k]:
            ae_row(ae, rng, u, "Pyrexia", add_days(d, 1), add_days(d, int(rng.integers(1, 3))),
                   "MILD" if rng.uniform() < 0.8 else "MODERATE", rel="PROBABLY RELATED",
                   term="Fever after infusion")
        if rng.uniform() < (0.035 if active else 0.015):
            ae_row(ae, rng, u, "Pruritus", d, add_days(d, int(rng.integers(1, 4))), "MILD",
                   rel="POSSIBLY RELATED")
        if rng.uniform() < (0.015 if active else 0.01):
            ae_row(ae, rng, u, "Phlebitis", add_days(d, 1), add_days(d, int(rng.integers(3, 8))),
                   rel="PROBABLY RELATED", term="Phlebitis at infusion site")
    for pt, p_active, p_pbo in (("Nausea", 0.08, 0.05), ("Vomiting", 0.03, 0.02),
                                ("Upper respiratory tract infection", 0.18, 0.16),
                                ("Urinary tract infection", 0.05, 0.07), ("Headache", 0.08, 0.07),
                                ("Dizziness", 0.05, 0.05), ("Back pain", 0.05, 0.04),
                                ("Hypertension", 0.03, 0.04), ("Diarrhoea", 0.04, 0.04)):
        if rng.uniform() < (p_active if active else p_pbo):
            start = add_days(day1, int(rng.integers(0, span)))
            stop = add_days(start, int(rng.integers(1, 15)))
            ae_row(ae, rng, u, pt, start, stop if stop <= end and rng.uniform() > 0.05 else None,
                   rel="POSSIBLY RELATED" if pt in ("Nausea", "Vomiting") and start - day1 < dt.timedelta(60)
                   else "NOT RELATED")
    # hypoglycaemia: each event with its self-monitored glucose; SEVERE = needed assistance
    for _ in range(rng.poisson(0.45 if active else 0.35)):
        start = add_days(day1, int(rng.integers(0, span)))
        kind = rng.choice(3, p=[0.7, 0.25, 0.05])
        glucose = [rng.uniform(3.0, 3.85), rng.uniform(2.2, 2.95), rng.uniform(1.8, 2.8)][kind]
        ae_row(ae, rng, u, "Hypoglycaemia", start, start, ["MILD", "MODERATE", "SEVERE"][kind],
               rel="NOT RELATED")
        lab_row(lb, u, "GLUCSMBG", {"name": "Self-monitored blood glucose at hypoglycaemia",
                                    "unit": "mmol/L"}, glucose, 1, "", "UNSCHEDULED",
                iso_time(start, f"{int(rng.integers(5, 23)):02d}:{int(rng.integers(0, 60)):02d}"),
                "HYPOGLYCAEMIA", None)
    if s["reason"] == "ADVERSE EVENT":
        start = add_days(end, -int(rng.integers(2, 6)))
        ae_row(ae, rng, u, "Rash", start, add_days(end, 10), "MODERATE", rel="POSSIBLY RELATED",
               acnoth="SUBJECT WITHDRAWN FROM STUDY")
    if s["sae"]:
        start = add_days(day1, int(rng.integers(30, span)))
        ae_row(ae, rng, u, "Pneumonia" if not active else "Cholecystitis", start,
               add_days(start, int(rng.integers(7, 20))), "SEVERE", serious=True)
    if s["liver"]:
        start = add_days(day1, 84)
        ae_row(ae, rng, u, "Hepatic function abnormal", start, add_days(start, 40), "MODERATE",
               rel="POSSIBLY RELATED", term="Raised transaminases")
