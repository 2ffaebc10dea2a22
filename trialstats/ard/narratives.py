"""Narratives of the profiled subjects, generated from the records only: every number, date and coded term
of a sentence is a fact with its source (dataset, key, variable), so a reader (and a test) can trace it.

Facts: USUBJID, FACT (what it is), VALUE (the record's value, or a value derived by the formula named in
VARIABLE), TEXT (as printed), DATASET, KEY ("VAR=value; ..."), VARIABLE. Derived VARIABLEs: AVAL/ANRHI (a
multiple of ULN, one decimal, halves away from zero), ASTDT-LASTDOSE and ADT-LASTDOSE (days from the last
dose on or before the date, ADEX ASTDT), AENDT-ASTDT+1 (duration in days), count(ASTDT) (the number of dated
doses), count(ADT) (the records of a test after the date in KEY).
"""
from __future__ import annotations

import pandas as pd

from ..adam.exposure import derive_infusion_of_onset
from ..listings.profiles import (LIVER_ALERT, LIVER_TESTS, liver_peaks, profile_adverse_events, profile_conmeds,
                                 profile_dosing, profile_history, profile_labs,
                                 select_profile_subjects, t_profile_conmeds, t_profile_events, t_profile_labs)
from ..listings.safety import SERIOUSNESS
from ..numbers import decimal_text
from ..vocabulary import level_label

FACT_COLUMNS = ["USUBJID", "FACT", "VALUE", "TEXT", "DATASET", "KEY", "VARIABLE"]
TEST_WORDS = {"ALT": "ALT", "AST": "AST", "BILI": "bilirubin", "ALP": "alkaline phosphatase"}


TREATMENT_NAMES = ("TRTP", "TRTA", "TRT01P", "TRT01A", "ARM", "ACTARM", "TRTP_", "TRTA_")   # the key's arm names


def number(value) -> str:
    """A recorded number as the data give it (144.0 -> 144, 12.9 -> 12.9)."""
    return f"{float(value):g}"


def day(value) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def _lower(value) -> str:
    return str(value).strip().lower()


class _Facts:
    """The facts of one subject's narrative, collected as the sentences print them: each call records
    one fact and returns its text (`text`, else the value as a string)."""

    def __init__(self, subject: str):
        self.subject, self.rows = subject, []

    def __call__(self, fact: str, value, dataset: str, key: str, variable: str, text: str | None = None) -> str:
        text = str(value) if text is None else text
        self.rows.append((self.subject, fact, str(value), text, dataset,
                          f"USUBJID={self.subject}" + (f"; {key}" if key else ""), variable))
        return text

    def dose(self, fact: str, dose, variable: str) -> str:
        """A fact of an ADEX dose record (INFNUM or its date)."""
        value = int(dose["INFNUM"]) if variable == "INFNUM" else day(dose["ASTDT"])
        return self(fact, value, "ADEX", f"INFNUM={int(dose['INFNUM'])}", variable)

    def lab(self, fact: str, rec, variable: str) -> str:
        """A fact of an ADLB record: its value (AVAL), x ULN (AVAL/ANRHI) or date (ADT)."""
        value = {"AVAL": lambda: number(rec.AVAL), "AVAL/ANRHI": lambda: decimal_text(rec.XULN, 1),
                 "ADT": lambda: day(rec.ADT)}[variable]()
        return self(fact, value, "ADLB", f"PARAMCD={rec.PARAMCD}; ADT={day(rec.ADT)}", variable)


def _dosing_sentence(f: _Facts, doses: pd.DataFrame, regimen_word: str) -> str:
    if doses.empty:
        return "No dose of study treatment is recorded."
    first, last = doses.iloc[0], doses.iloc[-1]
    n = f("number of doses", len(doses), "ADEX", "", "count(ASTDT)")
    text = (f"The subject received {n} {regimen_word}{'s' if len(doses) > 1 else ''}, "
            f"the first on {f.dose('first dose date', first, 'ASTDT')}")
    if len(doses) > 1:
        text += (f" and the last (number {f.dose('last dose number', last, 'INFNUM')}) on "
                 f"{f.dose('last dose date', last, 'ASTDT')}")
    return text + "."


def _history_sentence(f: _Facts, history: pd.DataFrame) -> str:
    if history.empty:
        return "No medical history is recorded."
    items = []
    for h in history.itertuples(index=False):
        key = f"MHSEQ={number(h.MHSEQ)}"
        term = f("medical history", h.MHDECOD, "MH", key, "MHDECOD")
        items.append(term + (f" (since {f('medical history start', h.MHSTDTC, 'MH', key, 'MHSTDTC')})"
                             if h.MHSTDTC else ""))
    return "Medical history: " + "; ".join(items) + "."


def _seriousness(f: _Facts, ae, key: str) -> str:
    """The seriousness criteria (SDTM AES* flags that are Y), or that the data do not record them."""
    recorded = [col for col in SERIOUSNESS if col in ae.index]
    if not recorded:
        return ("the data record no seriousness criterion (" + ", ".join(v.lower() for v in SERIOUSNESS.values())
                + ": not collected)")
    met = [f(f"seriousness criterion {col}", "Y", "ADAE", key, col, SERIOUSNESS[col].lower())
           for col in recorded if str(ae[col]).strip().upper() == "Y"]
    return "criterion: " + ", ".join(met) if met else "no seriousness criterion flagged Y"


def _action_query(f: _Facts, ae, doses: pd.DataFrame, regimen_word: str) -> str:
    """A query where the action is "not applicable" although a dose followed the onset (the treatment
    could have been changed): names that dose."""
    later = doses[pd.to_datetime(doses["ASTDT"]) > pd.Timestamp(ae["ASTDT"])]
    if _lower(ae["AEACN"]) != "not applicable" or later.empty:
        return ""
    dose = later.iloc[0]
    return (f"; to be queried: {regimen_word} {f.dose('dose number after onset', dose, 'INFNUM')} was given on "
            f"{f.dose('dose date after onset', dose, 'ASTDT')}, after the onset, so the action on the study treatment "
            "should read \"dose not changed\" (or interrupted), not \"not applicable\"")


def _aesi_column(ae) -> str:
    return next(c for c in ae.index if c.startswith("CQ") and c.endswith("NAM") and pd.notna(ae[c])
                and str(ae[c]) == ae["AESI_"])


def _event_sentence(f: _Facts, ae, doses: pd.DataFrame, regimen_word: str) -> str:
    """The event: onset (date, study day, days after the last dose), terms, severity, seriousness (with its
    criterion), AESI, relatedness, action (queried where it cannot be "not applicable"), outcome and end."""
    key = f"AESEQ={number(ae['AESEQ'])}"
    text = f"On {f('onset date', day(ae['ASTDT']), 'ADAE', key, 'ASTDT')}"
    if pd.notna(ae.get("ASTDY")):
        text += f" (study day {f('onset day', int(ae['ASTDY']), 'ADAE', key, 'ASTDY')})"
    if pd.notna(ae.get("DSLI_")):
        dose = doses[doses["INFNUM"] == ae["INFNUM_"]].iloc[0]
        days = f("days since the last dose", int(ae["DSLI_"]), "ADAE", key, "ASTDT-LASTDOSE")
        text += (f", {'the day of' if days == '0' else days + (' day' if days == '1' else ' days') + ' after'} "
                 f"{regimen_word} {f.dose('dose number before onset', dose, 'INFNUM')}")
    else:
        text += f", before the first {regimen_word}"
    verbatim = f("verbatim term", ae["AETERM"], "ADAE", key, "AETERM", _lower(ae["AETERM"]))
    text += f", the subject had {f('event', ae['AEDECOD'], 'ADAE', key, 'AEDECOD')} (reported as \"{verbatim}\")"
    if pd.notna(ae.get("AESEV")):
        text += f", {f('severity', ae['AESEV'], 'ADAE', key, 'AESEV', _lower(ae['AESEV']))}"
    serious = str(ae.get("AESER", "")).strip().upper() == "Y"
    text += f", {f('serious', ae['AESER'], 'ADAE', key, 'AESER', 'serious' if serious else 'not serious')}"
    if serious:
        text += f" ({_seriousness(f, ae, key)})"
    if ae.get("AESI_"):
        aesi = f("AESI", ae["AESI_"], "ADAE", key, _aesi_column(ae))
        text += f", an adverse event of special interest ({aesi})"
    text += ". "
    if pd.notna(ae.get("AEREL")):
        text += ("Relationship to study treatment (investigator): "
                 f"{f('relationship', ae['AEREL'], 'ADAE', key, 'AEREL', _lower(ae['AEREL']))}. ")
    if pd.notna(ae.get("AEACN")):
        text += f"Action taken: {f('action taken', ae['AEACN'], 'ADAE', key, 'AEACN', _lower(ae['AEACN']))}"
        if pd.notna(ae.get("AEACNOTH")) and str(ae["AEACNOTH"]).strip():
            text += f" ({f('other action', ae['AEACNOTH'], 'ADAE', key, 'AEACNOTH', _lower(ae['AEACNOTH']))})"
        text += _action_query(f, ae, doses, regimen_word) + ". "
    text += (f"Outcome: {f('outcome', ae['AEOUT'], 'ADAE', key, 'AEOUT', _lower(ae['AEOUT']))}"
             if pd.notna(ae.get("AEOUT")) else "Outcome: not recorded")
    if pd.notna(ae.get("AENDT")):
        duration = (pd.Timestamp(ae["AENDT"]) - pd.Timestamp(ae["ASTDT"])).days + 1
        text += (f", ended {f('end date', day(ae['AENDT']), 'ADAE', key, 'AENDT')} (duration "
                 f"{f('duration in days', duration, 'ADAE', key, 'AENDT-ASTDT+1')} days)")
    else:
        text += ", no end date (ongoing at the data cut)"
    return text + "."


def _withdrawal_sentence(f: _Facts, subject) -> str:
    if _lower(subject.get("DCSREAS", "")) != "adverse event":
        return ""
    when = (f" on {f('end of study date', day(subject['EOSDT']), 'ADSL', '', 'EOSDT')}"
            if pd.notna(subject.get("EOSDT")) else "")
    reason = f("reason for discontinuation", subject["DCSREAS"], "ADSL", "", "DCSREAS", "an adverse event")
    return f"The subject discontinued the study{when} for {reason} (the reason recorded at discontinuation)."


def _death_sentence(f: _Facts, subject) -> str:
    if str(subject.get("DTHFL", "")).strip().upper() != "Y":
        return ""
    when = (f" on {f('death date', day(subject['DTHDT']), 'ADSL', '', 'DTHDT')}"
            if pd.notna(subject.get("DTHDT")) else "")
    cause = (f"; cause: {f('cause of death', subject['DTHCAUS'], 'ADSL', '', 'DTHCAUS', _lower(subject['DTHCAUS']))}"
             if pd.notna(subject.get("DTHCAUS")) else "; cause not recorded")
    return f"The subject died{when}{cause}."


def _since_dose(f: _Facts, peak, doses: pd.DataFrame, regimen_word: str) -> str:
    """", 25 days after infusion 3": the last dose on or before an alert peak (none, or no alert: "")."""
    before = doses[pd.to_datetime(doses["ASTDT"]) <= pd.Timestamp(peak.ADT)]
    if peak.XULN < LIVER_ALERT or before.empty:
        return ""
    dose = before.iloc[-1]
    days = (pd.Timestamp(peak.ADT) - pd.Timestamp(dose["ASTDT"])).days
    key = f"PARAMCD={peak.PARAMCD}; ADT={day(peak.ADT)}"
    days = f(f"days from the last dose to the peak {peak.PARAMCD}", days, "ADLB", key, "ADT-LASTDOSE")
    number_before = f.dose("dose number before the peak", dose, "INFNUM")
    return f", {days} day{'' if days == '1' else 's'} after {regimen_word} {number_before}"


def _lab_value(f: _Facts, rec, which: str, unit: str) -> str:
    """"144 U/L (3.6 x ULN) on 2016-11-09" of an ADLB record (`which`: the fact's name, e.g. "peak ALT")."""
    return (f"{f.lab(which, rec, 'AVAL')}{unit} ({f.lab(f'{which} x ULN', rec, 'AVAL/ANRHI')} x ULN) on "
            f"{f.lab(f'{which} date', rec, 'ADT')}")


def _lab_sentence(f: _Facts, labs: pd.DataFrame, peaks: pd.DataFrame, doses: pd.DataFrame, collected: set[str],
                  regimen_word: str) -> str:
    """Peak post-baseline liver tests as x ULN; after an alert peak, the records that followed (retests)."""
    items, after = [], []
    for p in peaks.itertuples(index=False):
        unit = f" {p.AVALU}" if isinstance(p.AVALU, str) and p.AVALU else ""
        items.append(f"{TEST_WORDS[p.PARAMCD]} {_lab_value(f, p, f'peak {p.PARAMCD}', unit)}"
                     + _since_dose(f, p, doses, regimen_word))
        if p.XULN < LIVER_ALERT:
            continue
        later = labs[(labs["PARAMCD"] == p.PARAMCD) & (labs["ADT"] > p.ADT)]
        if later.empty:
            after.append(f"{TEST_WORDS[p.PARAMCD]} was not measured again after its peak")
            continue
        count = f(f"{p.PARAMCD} records after the peak", len(later), "ADLB",
                  f"PARAMCD={p.PARAMCD}; ADT>{day(p.ADT)}", "count(ADT)")
        # every record after the peak (up to 4; beyond, the first and the last)
        shown = [("next", later.iloc[0]), ("last", later.iloc[-1])] if len(later) > 4 else \
            [(f"after the peak ({k + 1})", later.iloc[k]) for k in range(len(later))]
        seen = [_lab_value(f, rec, f"{which} {p.PARAMCD}", unit) for which, rec in shown]
        after.append(f"{TEST_WORDS[p.PARAMCD]} was measured {count} more time{'s' if len(later) > 1 else ''} "
                     "after its peak: " + (", then ".join(seen) if len(later) <= 4 else f"{seen[0]}, ..., last "
                                           f"{seen[1]}"))
    if not items:
        return "No post-baseline liver test is recorded."
    text = "Peak post-baseline liver tests: " + "; ".join(items) + "."
    if after:
        joined = "; ".join(after)
        text += " " + joined[0].upper() + joined[1:] + "."
    missing = [TEST_WORDS[t] for t in LIVER_TESTS if t not in collected]
    return text + (" Not collected in this study: " + ", ".join(missing) + "." if missing else "")


def ard_narratives(adsl: pd.DataFrame, events: pd.DataFrame, doses: pd.DataFrame, labs: pd.DataFrame,
                   history: pd.DataFrame, selected: pd.DataFrame, collected_labs: set[str],
                   arm_column: str | None = None, regimen_word: str = "infusion") -> tuple[pd.DataFrame, pd.DataFrame]:
    """(narratives: USUBJID, REASONS, NARRATIVE; facts: FACT_COLUMNS) of the `selected` subjects
    (listings.profiles.select_profile_subjects), from their records (profile_adverse_events, profile_dosing,
    profile_labs, profile_history). `arm_column`: ADSL's ARM_ (the arm as the outputs label it) is named
    with that source variable; None (open or single-arm): no arm in the text. `collected_labs`: the ADLB
    PARAMCDs of the study (a liver test not among them is stated not collected)."""
    events = derive_infusion_of_onset(events, doses) if len(doses) else events.assign(DSLI_=pd.NA, INFNUM_=pd.NA)
    peaks = liver_peaks(labs)
    texts, facts = [], []
    subjects = adsl.set_index("USUBJID")
    for s in selected.itertuples(index=False):
        f = _Facts(s.USUBJID)
        row = subjects.loc[s.USUBJID]
        age = f("age", number(row["AGE"]), "ADSL", "", "AGE")
        sex = f("sex", row["SEX"], "ADSL", "", "SEX", level_label(str(row["SEX"])).lower())
        arm = f" in arm {f('arm', row['ARM_'], 'ADSL', '', arm_column)}" if arm_column else ""
        mine_doses = doses[doses["USUBJID"] == s.USUBJID]
        mine = events[(events["USUBJID"] == s.USUBJID) & events["NARR_"]]
        sentences = [f"{s.USUBJID} is a {age}-year-old {sex}{arm}.", _dosing_sentence(f, mine_doses, regimen_word),
                     _history_sentence(f, history[history["USUBJID"] == s.USUBJID])]
        sentences += [_event_sentence(f, ae, mine_doses, regimen_word) for _, ae in mine.iterrows()]
        sentences += [_withdrawal_sentence(f, row), _death_sentence(f, row),
                      _lab_sentence(f, labs[labs["USUBJID"] == s.USUBJID], peaks[peaks["USUBJID"] == s.USUBJID],
                                    mine_doses, collected_labs, regimen_word)]
        texts.append((s.USUBJID, s.REASONS, " ".join(t for t in sentences if t)))
        facts += f.rows
    return (pd.DataFrame(texts, columns=["USUBJID", "REASONS", "NARRATIVE"]),
            pd.DataFrame(facts, columns=FACT_COLUMNS))


def profile_files(adsl: pd.DataFrame, adae: pd.DataFrame, adlb: pd.DataFrame | None, adex: pd.DataFrame,
                  cm: pd.DataFrame | None, mh: pd.DataFrame | None, aesi: list[str], arm_column: str | None,
                  cut: str, regimen_word: str = "infusion", selecting_only: bool = False
                  ) -> tuple[dict[str, pd.DataFrame], dict[str, dict]]:
    """The profiles of a report: (file name -> frame: subjects.csv (the section's display: subject, arm
    where named, reasons), narratives.csv, facts.csv, the records (events, doses, labs, conmeds, history)
    and the page tables (t_events, t_labs, t_conmeds); subject -> the arguments of its timeline figure,
    figures.profile.g_profile, drawn to the end of observation: ADSL EOSDT, else the data cut `cut`).
    `selecting_only` (the open report's variant): only the events that select the subject, no medications."""
    if adlb is None:
        adlb = pd.DataFrame(columns=["USUBJID", "PARAMCD", "AVAL", "ANRHI", "ADT", "ADY"])
    selected = select_profile_subjects(adsl, adae, adlb, aesi)
    ids = list(selected["USUBJID"])
    events = profile_adverse_events(adae, adsl, ids, aesi)
    doses, labs = profile_dosing(adex, ids), profile_labs(adlb, ids)
    conmeds, history = profile_conmeds(cm, adsl, ids), profile_history(mh, ids)
    if selecting_only:       # the open variant: the events that select the subject, no medications (a pattern of
        events, conmeds = events[events["NARR_"].astype(bool)], conmeds.iloc[0:0]   # other events could show the arm)
    narratives, facts = ard_narratives(adsl, events, doses, labs, history, selected, set(adlb["PARAMCD"]),
                                       arm_column, regimen_word)
    shown = selected.rename(columns={"USUBJID": "Subject", "REASONS": "Reasons for a narrative"})
    by_id = adsl.set_index("USUBJID")
    if arm_column:
        shown.insert(1, "Arm", shown["Subject"].map(by_id["ARM_"]).astype("string").to_numpy())
    events = events.drop(columns=[c for c in events if c in TREATMENT_NAMES])   # the arm by its code only (ARM_)
    files = {"subjects.csv": shown, "narratives.csv": narratives, "facts.csv": facts, "events.csv": events,
             "doses.csv": doses, "labs.csv": labs, "conmeds.csv": conmeds, "history.csv": history,
             "t_events.csv": t_profile_events(events), "t_labs.csv": t_profile_labs(labs),
             "t_conmeds.csv": t_profile_conmeds(conmeds)}
    last = by_id["EOSDT"].fillna(pd.Timestamp(cut)) if "EOSDT" in by_id else pd.Series(pd.Timestamp(cut), by_id.index)
    timelines = {s: dict(first_dose=by_id.loc[s, "TRTSDT"], last_day=last[s], doses=doses[doses["USUBJID"] == s],
                         events=events[events["USUBJID"] == s], labs=labs[labs["USUBJID"] == s],
                         conmeds=conmeds[conmeds["USUBJID"] == s], medications_shown=not selecting_only)
                 for s in ids}
    return files, timelines
