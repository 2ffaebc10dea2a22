"""Narratives of the profiled subjects, generated from the records only: every number, date and coded term
of a sentence is a fact with its source (dataset, key, variable), so a reader (and a test) can trace it.

Facts: USUBJID, FACT (what it is), VALUE (the record's value, or a value derived by the formula named in
VARIABLE), TEXT (as printed), DATASET, KEY ("VAR=value; ..."), VARIABLE. Derived VARIABLEs: AVAL/ANRHI (a
multiple of ULN, one decimal), ASTDT-LASTDOSE (days from the last dose on or before the onset, ADEX ASTDT),
AENDT-ASTDT+1 (duration in days), count(ASTDT) (the number of dated doses).
"""
from __future__ import annotations

import pandas as pd

from ..adam.exposure import derive_infusion_of_onset
from ..listings.profiles import (LIVER_ALERT, LIVER_TESTS, liver_peaks, round_half_away, profile_adverse_events, profile_conmeds,
                                 profile_dosing, profile_history, profile_labs, select_profile_subjects,
                                 t_profile_conmeds, t_profile_events, t_profile_labs)
from ..listings.safety import SERIOUSNESS
from ..vocabulary import level_label

FACT_COLUMNS = ["USUBJID", "FACT", "VALUE", "TEXT", "DATASET", "KEY", "VARIABLE"]
TEST_WORDS = {"ALT": "ALT", "AST": "AST", "BILI": "bilirubin", "ALP": "alkaline phosphatase"}


def number(value) -> str:
    """A recorded number as the data give it (144.0 -> 144, 12.9 -> 12.9)."""
    return f"{float(value):g}"


def day(value) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def _lower(value) -> str:
    return str(value).strip().lower()


class _Facts:
    """The facts of one subject's narrative, collected as the sentences print them."""

    def __init__(self, subject: str):
        self.subject, self.rows = subject, []

    def __call__(self, fact: str, value, text: str, dataset: str, key: str, variable: str) -> str:
        self.rows.append((self.subject, fact, str(value), text, dataset, f"USUBJID={self.subject}" +
                          (f"; {key}" if key else ""), variable))
        return text


def _dosing_sentence(f: _Facts, doses: pd.DataFrame, regimen_word: str) -> str:
    if doses.empty:
        return "No dose of study treatment is recorded."
    last = doses.iloc[-1]
    n = f("number of doses", len(doses), str(len(doses)), "ADEX", "", "count(ASTDT)")
    first = f("first dose date", day(doses.iloc[0]["ASTDT"]), day(doses.iloc[0]["ASTDT"]), "ADEX",
              f"INFNUM={int(doses.iloc[0]['INFNUM'])}", "ASTDT")
    plural = "s" if len(doses) > 1 else ""
    text = f"The subject received {n} {regimen_word}{plural}, the first on {first}"
    if len(doses) > 1:
        text += (f" and the last (number {f('last dose number', int(last['INFNUM']), str(int(last['INFNUM'])), 'ADEX', f'INFNUM={int(last.INFNUM)}', 'INFNUM')})"
                 f" on {f('last dose date', day(last['ASTDT']), day(last['ASTDT']), 'ADEX', f'INFNUM={int(last.INFNUM)}', 'ASTDT')}")
    return text + "."


def _history_sentence(f: _Facts, history: pd.DataFrame) -> str:
    if history.empty:
        return "No medical history is recorded."
    items = []
    for h in history.itertuples(index=False):
        key = f"MHSEQ={number(h.MHSEQ)}"
        term = f("medical history", h.MHDECOD, str(h.MHDECOD), "MH", key, "MHDECOD")
        since = (f" (since {f('medical history start', h.MHSTDTC, h.MHSTDTC, 'MH', key, 'MHSTDTC')})"
                 if h.MHSTDTC else "")
        items.append(term + since)
    return "Medical history: " + "; ".join(items) + "."


def _seriousness(f: _Facts, ae, key: str) -> str:
    """The seriousness criteria (SDTM AES* flags that are Y), or that the data do not record them."""
    recorded = [col for col in SERIOUSNESS if col in ae.index]
    if not recorded:
        return "the data carry no seriousness criteria: AESDTH, AESHOSP, AESLIFE, AESDISAB, AESCONG, AESMIE absent"
    met = [f(f"seriousness criterion {col}", "Y", SERIOUSNESS[col].lower(), "ADAE", key, col)
           for col in recorded if str(ae[col]).strip().upper() == "Y"]
    return "criterion: " + ", ".join(met) if met else "no seriousness criterion flagged Y"


def _event_sentence(f: _Facts, ae, regimen_word: str) -> str:
    key = f"AESEQ={number(ae['AESEQ'])}"
    term = f("event", ae["AEDECOD"], str(ae["AEDECOD"]), "ADAE", key, "AEDECOD")
    parts = [f"On {f('onset date', day(ae['ASTDT']), day(ae['ASTDT']), 'ADAE', key, 'ASTDT')}"
             + (f" (study day {f('onset day', int(ae['ASTDY']), str(int(ae['ASTDY'])), 'ADAE', key, 'ASTDY')})"
                if pd.notna(ae.get("ASTDY")) else "")]
    if pd.notna(ae.get("DSLI_")):
        days = f("days since the last dose", int(ae["DSLI_"]), str(int(ae["DSLI_"])), "ADAE", key, "ASTDT-LASTDOSE")
        parts.append(f", {days} days after {regimen_word} "
                     f"{f('dose number before onset', int(ae['INFNUM_']), str(int(ae['INFNUM_'])), 'ADEX', f'INFNUM={int(ae.INFNUM_)}', 'INFNUM')}")
    else:
        parts.append(f", before the first {regimen_word}")
    verbatim = f("verbatim term", ae["AETERM"], str(ae["AETERM"]).lower(), "ADAE", key, "AETERM")
    parts.append(f", the subject had {term} (reported as \"{verbatim}\")")
    if pd.notna(ae.get("AESEV")):
        parts.append(f", {f('severity', ae['AESEV'], _lower(ae['AESEV']), 'ADAE', key, 'AESEV')}")
    serious = str(ae.get("AESER", "")).strip().upper() == "Y"
    parts.append(f", {f('serious', ae['AESER'], 'serious' if serious else 'not serious', 'ADAE', key, 'AESER')}")
    if serious:
        parts.append(f" ({_seriousness(f, ae, key)})")
    if ae.get("AESI_"):
        col = next(c for c in ae.index if c.startswith("CQ") and c.endswith("NAM") and pd.notna(ae[c]) and str(ae[c]) == ae["AESI_"])
        parts.append(f", an adverse event of special interest ({f('AESI', ae['AESI_'], ae['AESI_'], 'ADAE', key, col)})")
    parts.append(". ")
    if pd.notna(ae.get("AEREL")):
        parts.append(f"Relationship to study treatment (investigator): "
                     f"{f('relationship', ae['AEREL'], _lower(ae['AEREL']), 'ADAE', key, 'AEREL')}. ")
    if pd.notna(ae.get("AEACN")):
        parts.append(f"Action taken: {f('action taken', ae['AEACN'], _lower(ae['AEACN']), 'ADAE', key, 'AEACN')}"
                     + (f" ({f('other action', ae['AEACNOTH'], _lower(ae['AEACNOTH']), 'ADAE', key, 'AEACNOTH')})"
                        if pd.notna(ae.get("AEACNOTH")) and str(ae["AEACNOTH"]).strip() else "") + ". ")
    outcome = (f"Outcome: {f('outcome', ae['AEOUT'], _lower(ae['AEOUT']), 'ADAE', key, 'AEOUT')}"
               if pd.notna(ae.get("AEOUT")) else "Outcome: not recorded")
    if pd.notna(ae.get("AENDT")):
        end = f("end date", day(ae["AENDT"]), day(ae["AENDT"]), "ADAE", key, "AENDT")
        duration = (pd.Timestamp(ae["AENDT"]) - pd.Timestamp(ae["ASTDT"])).days + 1
        outcome += (f", ended {end} (duration "
                    f"{f('duration in days', duration, str(duration), 'ADAE', key, 'AENDT-ASTDT+1')} days)")
    else:
        outcome += ", no end date (ongoing at the data cut)"
    return "".join(parts) + outcome + "."


def _withdrawal_sentence(f: _Facts, subject) -> str:
    if str(subject.get("DCSREAS", "")).strip().upper() != "ADVERSE EVENT":
        return ""
    when = (f" on {f('end of study date', day(subject['EOSDT']), day(subject['EOSDT']), 'ADSL', '', 'EOSDT')}"
            if pd.notna(subject.get("EOSDT")) else "")
    reason = f("reason for discontinuation", subject["DCSREAS"], "an adverse event", "ADSL", "", "DCSREAS")
    return f"The subject discontinued the study{when} for {reason} (ADSL DCSREAS)."


def _death_sentence(f: _Facts, subject) -> str:
    if str(subject.get("DTHFL", "")).strip().upper() != "Y":
        return ""
    when = (f" on {f('death date', day(subject['DTHDT']), day(subject['DTHDT']), 'ADSL', '', 'DTHDT')}"
            if pd.notna(subject.get("DTHDT")) else "")
    cause = (f"; cause: {f('cause of death', subject['DTHCAUS'], _lower(subject['DTHCAUS']), 'ADSL', '', 'DTHCAUS')}"
             if pd.notna(subject.get("DTHCAUS")) else "; cause not recorded")
    return f"The subject died{when}{cause}."


def _lab_value(f: _Facts, test: str, rec, which: str, unit: str) -> str:
    key = f"PARAMCD={test}; ADT={day(rec.ADT)}"
    return (f"{f(f'{which} {test}', number(rec.AVAL), number(rec.AVAL), 'ADLB', key, 'AVAL')}{unit} "
            f"({f(f'{which} {test} x ULN', round_half_away(rec.XULN), round_half_away(rec.XULN), 'ADLB', key, 'AVAL/ANRHI')}"
            f" x ULN) on {f(f'{which} {test} date', day(rec.ADT), day(rec.ADT), 'ADLB', key, 'ADT')}")


def _since_dose(f: _Facts, peak, doses: pd.DataFrame, key: str) -> str:
    """", 25 days after infusion 3": the last dose on or before an alert peak (none: "")."""
    before = doses[pd.to_datetime(doses["ASTDT"]) <= pd.Timestamp(peak.ADT)]
    if peak.XULN < LIVER_ALERT or before.empty:
        return ""
    dose = before.iloc[-1]
    days = (pd.Timestamp(peak.ADT) - pd.Timestamp(dose["ASTDT"])).days
    return (f", {f(f'days from the last dose to the peak {peak.PARAMCD}', days, str(days), 'ADLB', key, 'ADT-LASTDOSE')}"
            f" days after dose {f('dose number before the peak', int(dose['INFNUM']), str(int(dose['INFNUM'])), 'ADEX', f'INFNUM={int(dose.INFNUM)}', 'INFNUM')}")


def _lab_sentence(f: _Facts, labs: pd.DataFrame, peaks: pd.DataFrame, doses: pd.DataFrame, collected: set[str]) -> str:
    """Peak post-baseline liver tests as x ULN; after an alert peak, the records that followed (retests)."""
    items, after = [], []
    for p in peaks.itertuples(index=False):
        key = f"PARAMCD={p.PARAMCD}; ADT={day(p.ADT)}"
        unit = f" {p.AVALU}" if isinstance(p.AVALU, str) and p.AVALU else ""
        items.append(f"{TEST_WORDS[p.PARAMCD]} {f(f'peak {p.PARAMCD}', number(p.AVAL), number(p.AVAL), 'ADLB', key, 'AVAL')}"
                     f"{unit} ({f(f'peak {p.PARAMCD} x ULN', round_half_away(p.XULN), round_half_away(p.XULN), 'ADLB', key, 'AVAL/ANRHI')}"
                     f" x ULN) on {f(f'peak {p.PARAMCD} date', day(p.ADT), day(p.ADT), 'ADLB', key, 'ADT')}"
                     + _since_dose(f, p, doses, key))
        if p.XULN >= LIVER_ALERT:
            later = labs[(labs["PARAMCD"] == p.PARAMCD) & (labs["ADT"] > p.ADT)]
            if later.empty:
                after.append(f"{TEST_WORDS[p.PARAMCD]} was not measured again after its peak")
            else:
                count = f(f"{p.PARAMCD} records after the peak", len(later), str(len(later)), "ADLB",
                          f"PARAMCD={p.PARAMCD}; ADT>{day(p.ADT)}", "count(ADT)")
                seen = [_lab_value(f, p.PARAMCD, rec, which, unit) for which, rec in
                        (("next", later.iloc[0]), ("last", later.iloc[-1]))[:min(len(later), 2)]]
                after.append(f"{TEST_WORDS[p.PARAMCD]} was measured {count} more time{'s' if len(later) > 1 else ''}"
                             f" after its peak: " + (", then ".join(seen)))
    if not items:
        return "No post-baseline liver test is recorded."
    missing = [TEST_WORDS[t] for t in LIVER_TESTS if t not in collected]
    text = "Peak post-baseline liver tests: " + "; ".join(items) + "."
    if after:
        joined = "; ".join(after)
        text += " " + joined[0].upper() + joined[1:] + "."
    if missing:
        text += " Not collected in this study: " + ", ".join(missing) + "."
    return text


def ard_narratives(adsl: pd.DataFrame, events: pd.DataFrame, doses: pd.DataFrame, labs: pd.DataFrame,
                   history: pd.DataFrame, selected: pd.DataFrame, collected_labs: set[str],
                   arm_column: str | None = None, regimen_word: str = "infusion") -> tuple[pd.DataFrame, pd.DataFrame]:
    """(narratives: USUBJID, REASONS, NARRATIVE; facts: FACT_COLUMNS) of the `selected` subjects
    (listings.profiles.select_profile_subjects), from their records (profile_adverse_events, profile_dosing,
    profile_labs, profile_history). `arm_column`: ADSL's ARM_ (the arm as the outputs label it) is named
    with that source variable; None (open or single-arm): no arm in the text. `collected_labs`: the ADLB
    PARAMCDs of the study (a liver test not among them is stated not collected)."""
    events = derive_infusion_of_onset(events, doses) if len(doses) else events
    peaks = liver_peaks(labs) if len(labs) else labs
    texts, facts = [], []
    subjects = adsl.set_index("USUBJID")
    for s in selected.itertuples(index=False):
        f = _Facts(s.USUBJID)
        row = subjects.loc[s.USUBJID]
        age = f("age", number(row["AGE"]), number(row["AGE"]), "ADSL", "", "AGE")
        sex = f("sex", row["SEX"], level_label(str(row["SEX"])).lower(), "ADSL", "", "SEX")
        arm = (f" in arm {f('arm', row['ARM_'], str(row['ARM_']), 'ADSL', '', arm_column)}"
               if arm_column else "")
        sentences = [f"{s.USUBJID} is a {age}-year-old {sex}{arm}.",
                     _dosing_sentence(f, doses[doses["USUBJID"] == s.USUBJID], regimen_word),
                     _history_sentence(f, history[history["USUBJID"] == s.USUBJID])]
        mine = events[(events["USUBJID"] == s.USUBJID) & events["NARR_"]]
        sentences += [_event_sentence(f, ae, regimen_word) for _, ae in mine.iterrows()]
        sentences += [_withdrawal_sentence(f, row), _death_sentence(f, row),
                      _lab_sentence(f, labs[labs["USUBJID"] == s.USUBJID],
                                    peaks[peaks["USUBJID"] == s.USUBJID] if len(peaks) else peaks,
                                    doses[doses["USUBJID"] == s.USUBJID], collected_labs)]
        texts.append((s.USUBJID, s.REASONS, " ".join(t for t in sentences if t)))
        facts += f.rows
    return (pd.DataFrame(texts, columns=["USUBJID", "REASONS", "NARRATIVE"]),
            pd.DataFrame(facts, columns=FACT_COLUMNS))


def profile_files(adsl: pd.DataFrame, adae: pd.DataFrame, adlb: pd.DataFrame | None, adex: pd.DataFrame,
                  cm: pd.DataFrame | None, mh: pd.DataFrame | None, aesi: list[str], arm_column: str | None,
                  cut: str, regimen_word: str = "infusion") -> tuple[dict[str, pd.DataFrame], dict[str, dict]]:
    """The profiles of a report: (file name -> frame: subjects.csv (the display of the section: subject,
    arm where named, reasons), narratives.csv, facts.csv, the records (events, doses, labs, conmeds, history)
    and their page tables (t_events, t_labs, t_conmeds); subject -> the records of its timeline figure)."""
    adlb = adlb if adlb is not None else pd.DataFrame(columns=["USUBJID", "PARAMCD", "AVAL", "ANRHI", "ADT", "ADY"])
    selected = select_profile_subjects(adsl, adae, adlb, aesi)
    ids = list(selected["USUBJID"])
    events = profile_adverse_events(adae, adsl, ids, aesi)
    doses, labs = profile_dosing(adex, ids), profile_labs(adlb, ids)
    conmeds, history = profile_conmeds(cm, adsl, ids), profile_history(mh, ids)
    narratives, facts = ard_narratives(adsl, events, doses, labs, history, selected, set(adlb["PARAMCD"]),
                                       arm_column, regimen_word)
    shown = selected.rename(columns={"USUBJID": "Subject", "REASONS": "Reasons for a narrative"})
    if arm_column:
        shown.insert(1, "Arm", shown["Subject"].map(adsl.set_index("USUBJID")["ARM_"]).astype("string").to_numpy())
    files = {"subjects.csv": shown, "narratives.csv": narratives, "facts.csv": facts, "events.csv": events,
             "doses.csv": doses, "labs.csv": labs, "conmeds.csv": conmeds, "history.csv": history,
             "t_events.csv": t_profile_events(events), "t_labs.csv": t_profile_labs(labs),
             "t_conmeds.csv": t_profile_conmeds(conmeds)}
    by_id = adsl.set_index("USUBJID")
    last = by_id["EOSDT"].fillna(cut) if "EOSDT" in by_id else pd.Series(cut, index=by_id.index)
    timelines = {s: dict(first_dose=by_id.loc[s, "TRTSDT"], last_day=last[s], doses=doses[doses["USUBJID"] == s],
                         events=events[events["USUBJID"] == s], labs=labs[labs["USUBJID"] == s],
                         conmeds=conmeds[conmeds["USUBJID"] == s]) for s in ids}
    return files, timelines
