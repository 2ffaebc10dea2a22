"""Patient profiles and narratives of the default run: a profile for exactly the subjects the rule selects
(recomputed here from the ADaM datasets), every fact of a narrative equal to its record, every number
and date of a narrative one of its facts, and a page per subject in the PDF."""
import json
import re
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pypdf
import pytest

pytestmark = pytest.mark.workflow
CUT1, CUT2 = "results/nct02302599/2018-12-31", "results/nct06495437/2026-03-31"
# (cut, the profiles' folder, the ADaM they come from, the report printing them, the AESIs marked for narratives)
SIDES = [(CUT1, "closed/safety", "closed/adam", "closed/report/dmc_closed_report.pdf", ["Impaired liver function"]),
         (CUT1, "open/tables", "adam", "open/report/dmc_open_report.pdf", ["Impaired liver function"]),
         (CUT2, "review/safety", "adam", "review/report/safety_review_report.pdf",
          ["Fever within 48 h of an infusion"])]


def adam(folder):
    return {n: pd.read_parquet(folder / f"{n}.parquet") for n in ("adsl", "adae", "adlb", "adex")}


def expected_subjects(d: dict, aesi: list[str]) -> set[str]:
    """The narrative rule written out independently: safety set; any AE record serious, fatal, with a
    withdrawal action, or under a marked AESI; discontinued for an AE; died; post-baseline ALT or AST
    >= 3 x ULN."""
    adsl = d["adsl"][d["adsl"]["SAFFL"] == "Y"]
    ae = d["adae"][d["adae"]["USUBJID"].isin(adsl["USUBJID"])]
    hit = set()
    for row in ae.itertuples(index=False):
        texts = [str(getattr(row, c, "")) for c in ("AEACN", "AEACNOTH")]
        cq = [str(v) for c, v in row._asdict().items() if c.startswith("CQ") and c.endswith("NAM")]
        if row.AESER == "Y" or row.AEOUT == "FATAL" or any("WITHDRAWN" in t for t in texts) or set(cq) & set(aesi):
            hit.add(row.USUBJID)
    hit |= set(adsl.loc[adsl["DCSREAS"] == "ADVERSE EVENT", "USUBJID"]) & set(ae["USUBJID"])
    hit |= set(adsl.loc[adsl["DTHFL"] == "Y", "USUBJID"])
    lb = d["adlb"][d["adlb"]["PARAMCD"].isin(["ALT", "AST"]) & (d["adlb"]["ABLFL"] != "Y")
                   & d["adlb"]["USUBJID"].isin(adsl["USUBJID"])]
    post = lb[lb["ADY"] >= 1]     # the study's records before the first dose are baseline or screening
    hit |= set(post.loc[post["AVAL"] / post["ANRHI"] >= 3, "USUBJID"])
    return hit


@pytest.mark.parametrize("cut, side, adam_folder, pdf, aesi", SIDES)
def test_a_profile_for_exactly_the_subjects_the_rule_selects(built, cut, side, adam_folder, pdf, aesi):
    folder = built / cut / side / "profiles"
    subjects = pd.read_csv(folder / "subjects.csv")["Subject"]
    assert set(subjects) == expected_subjects(adam(built / cut / adam_folder), aesi)
    assert len(subjects) > 0
    for s in subjects:
        assert (folder / "figures" / f"{s}.png").stat().st_size > 10_000
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(built / cut / pdf).pages)
    for s in subjects:
        assert f"Patient profile {s}" in text


def _record(d: dict, dataset: str, key: str) -> pd.DataFrame:
    frame = {"ADSL": d["adsl"], "ADAE": d["adae"], "ADLB": d["adlb"], "ADEX": d["adex"], "MH": d["mh"]}[dataset]
    for part in key.split("; "):       # "VAR=value" (equal) or "ADT>date" (after)
        name, op, value = re.fullmatch(r"([A-Z0-9]+)([=>])(.*)", part).groups()
        col = frame[name]
        if pd.api.types.is_datetime64_any_dtype(col):
            frame = frame[col > pd.Timestamp(value)] if op == ">" else frame[col == pd.Timestamp(value)]
        elif pd.api.types.is_numeric_dtype(col):
            frame = frame[col == float(value)]
        else:
            frame = frame[col.astype(str) == value]
    return frame


def _as_text(v) -> str:
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _last_dose(d: dict, subject: str, when) -> pd.Series:
    ex = d["adex"][(d["adex"]["USUBJID"] == subject) & (d["adex"]["ASTDT"] <= pd.Timestamp(when))]
    return ex.sort_values("ASTDT").iloc[-1]


@pytest.mark.parametrize("cut, side, adam_folder, pdf, aesi", SIDES)
def test_every_narrative_fact_equals_its_record(built, cut, side, adam_folder, pdf, aesi):
    d = adam(built / cut / adam_folder) | {"mh": pd.read_parquet(built / cut / "sdtm/mh.parquet")}
    if side == "closed/safety":      # the coded arm: the key's code of the arm received
        coding = {a["arm"]: a["code"] for a in json.loads((built / cut / adam_folder / "arms.json").read_text())}
        d["adsl"] = d["adsl"].assign(TRTCODE=d["adsl"]["TRT01A"].map(coding))
    facts = pd.read_csv(built / cut / side / "profiles/facts.csv", dtype=str, keep_default_na=False)
    assert len(facts) > 0
    for f in facts.itertuples(index=False):
        subject = f.KEY.split("; ")[0].removeprefix("USUBJID=")
        rec = _record(d, f.DATASET, f.KEY)
        if f.VARIABLE.startswith("count("):
            assert str(len(rec) if f.VARIABLE == "count(ADT)" else rec["ASTDT"].notna().sum()) == f.VALUE, f
            continue
        assert len(rec) == 1, f
        r = rec.iloc[0]
        if f.VARIABLE == "AVAL/ANRHI":     # one decimal, halves away from zero (e.g. 3.6 = 144 / 40)
            want = Decimal(repr(float(r["AVAL"] / r["ANRHI"]))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            assert str(want) == f.VALUE, f
        elif f.VARIABLE in ("ASTDT-LASTDOSE", "ADT-LASTDOSE"):
            when = r["ASTDT"] if f.VARIABLE == "ASTDT-LASTDOSE" else r["ADT"]
            assert str((when - _last_dose(d, subject, when)["ASTDT"]).days) == f.VALUE, f
        elif f.VARIABLE == "AENDT-ASTDT+1":
            assert str((r["AENDT"] - r["ASTDT"]).days + 1) == f.VALUE, f
        else:
            assert _as_text(r[f.VARIABLE]) == f.VALUE, f


NUMBER = re.compile(r"\d{4}-\d{2}-\d{2}|\d+(?:\.\d+)?")


@pytest.mark.parametrize("cut, side, adam_folder, pdf, aesi", SIDES)
def test_every_number_and_date_of_a_narrative_is_one_of_its_facts(built, cut, side, adam_folder, pdf, aesi):
    folder = built / cut / side / "profiles"
    narratives = pd.read_csv(folder / "narratives.csv", dtype=str, keep_default_na=False)
    facts = pd.read_csv(folder / "facts.csv", dtype=str, keep_default_na=False)
    for n in narratives.itertuples(index=False):
        mine = facts[facts["KEY"].str.startswith(f"USUBJID={n.USUBJID}")]
        allowed = {tok for text in mine["TEXT"] for tok in NUMBER.findall(text)}
        printed = NUMBER.findall(n.NARRATIVE.replace(n.USUBJID, ""))
        assert printed, n.USUBJID
        assert set(printed) <= allowed, (n.USUBJID, set(printed) - allowed)


def test_the_liver_case_shows_its_peak_the_records_after_it_and_that_alp_is_not_collected(built):
    folder = built / CUT1 / "closed/safety/profiles"
    text = pd.read_csv(folder / "narratives.csv").set_index("USUBJID").loc["NCT02302599-01-028", "NARRATIVE"]
    assert "ALT 144 U/L (3.6 x ULN) on 2016-11-09, 25 days after infusion 3" in text    # the case
    assert "ALT was measured 3 more times after its peak" in text
    assert text.count("U/L (") >= 5 and "on 2017-04-28" in text          # each of the 3 records after the peak
    assert "Not collected in this study: alkaline phosphatase" in text
    assert "possibly related" in text and "Impaired liver function" in text
    labs = pd.read_csv(folder / "t_labs.csv", dtype=str, keep_default_na=False)
    mine = labs[labs["Subject"] == "NCT02302599-01-028"]
    assert list(mine["Date"]) == sorted(mine["Date"]) and len(mine) == 8    # every record, screening included
    assert "144 (3.6)" in set(mine["ALT U/L (x ULN)"])


def test_an_sae_with_action_not_applicable_before_a_later_dose_is_queried(built):
    text = pd.read_csv(built / CUT1 / "closed/safety/profiles/narratives.csv").set_index("USUBJID").loc[
        "NCT02302599-01-031", "NARRATIVE"]
    assert ("Action taken: not applicable; to be queried: infusion 3 was given on 2016-11-07, after the onset, so the "
            "action on the study treatment should read \"dose not changed\"") in text


def test_closed_narratives_name_the_coded_arm_and_the_review_none(built):
    closed = pd.read_csv(built / CUT1 / "closed/safety/profiles/narratives.csv")
    assert all(re.search(r" in arm [AB]\.", t) for t in closed["NARRATIVE"])
    assert not any(re.search(r"placebo|UC-MSC|active|control", t, re.I) for t in closed["NARRATIVE"])
    review = pd.read_csv(built / CUT2 / "review/safety/profiles/narratives.csv")
    assert not any(" arm " in t for t in review["NARRATIVE"])


def test_the_open_profiles_are_the_closed_subjects_without_arm(built):
    """narratives.open: the same subjects and narratives as the closed report, from the blinded ADaM: no arm
    column, no arm in a narrative, no treatment name in any of its files."""
    closed, open_ = (built / CUT1 / side / "profiles" for side in ("closed/safety", "open/tables"))
    subjects = pd.read_csv(open_ / "subjects.csv", dtype=str, keep_default_na=False)
    assert list(subjects.columns) == ["Subject", "Reasons for a narrative"]
    assert set(subjects["Subject"]) == set(pd.read_csv(closed / "subjects.csv")["Subject"])
    narratives = pd.read_csv(open_ / "narratives.csv")
    assert not any(re.search(r" arm |placebo|UC-MSC|active|control", t, re.I) for t in narratives["NARRATIVE"])
    coded = pd.read_csv(closed / "narratives.csv").set_index("USUBJID")["NARRATIVE"]
    for row in narratives.itertuples(index=False):   # the closed narrative less its arm
        assert re.sub(r" in arm [AB]\.", ".", coded[row.USUBJID]) == row.NARRATIVE
    events = pd.read_csv(open_ / "events.csv", keep_default_na=False)      # only the events that select them
    assert len(events) and events["NARR_"].astype(str).eq("True").all()
    closed_events = pd.read_csv(closed / "events.csv", keep_default_na=False)
    assert len(events) == closed_events["NARR_"].astype(str).eq("True").sum()
    assert pd.read_csv(open_ / "conmeds.csv").empty                      # and no medications
    pdf = pypdf.PdfReader(built / CUT1 / "open/report/dmc_open_report.pdf")
    text = " ".join(page.extract_text() for page in pdf.pages)
    for subject in subjects["Subject"]:     # each page says what it leaves out, never "none"
        assert f"Adverse events that select the subject: {subject}" in text and f"Medications: {subject}" in text
    assert text.count("Not shown in the open session: the closed report has them.") == len(subjects)
    names = set(pd.read_parquet(built / CUT1 / "closed/adam/adsl.parquet")["TRT01A"])
    for path in open_.glob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert not {"ARM", "TRT01A", "TRT01P", "TRTA", "TRTP", "ARM_", "Arm"} & set(frame.columns), path
        assert not names & set(frame.to_numpy().ravel()), path
