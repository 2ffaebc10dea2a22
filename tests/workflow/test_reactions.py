"""Infusion reactions of the default run (tables 14.3.17-20) recounted from the closed ADaM with plain
pandas and a loop over the records (the composite from data/nct02302599/protocol.yaml written out
here), and the arm-coding policy: while arms are coded no word of a closed output names an arm's role."""
import re

import pandas as pd
import pytest
import yaml

from tests.workflow.test_reports import pdf_text

pytestmark = pytest.mark.workflow
CLOSED = "results/nct02302599/2018-12-31/closed"
COMPOSITE = {"Pyrexia", "Chills", "Rash", "Urticaria", "Pruritus", "Pruritus generalised", "Nausea", "Vomiting",
             "Anaphylactic reaction", "Anaphylactic shock", "Phlebitis", "Infusion site phlebitis"}
ROLE_WORDS = re.compile(r"\b(active|control|controls|placebo|comparator|verum)\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def data(built):
    adam = {n: pd.read_parquet(built / CLOSED / "adam" / f"{n}.parquet")
            for n in ("adsl", "adae", "advs", "adex", "adcm")}
    adsl = adam["adsl"][adam["adsl"]["SAFFL"] == "Y"]
    arm = dict(zip(adsl["USUBJID"], adsl["TRTCODE"].astype(str)))
    doses = {}                                     # subject -> [(date, dose number)] in date order
    for s, when, k in sorted(zip(adam["adex"]["USUBJID"], adam["adex"]["ASTDT"], adam["adex"]["INFNUM"])):
        if s in arm:
            doses.setdefault(s, []).append((when, int(k)))

    def latest(s, onset):
        """(dose number, days since it) of the latest dose on or before `onset`, else None."""
        given = [(k, (onset - when).days) for when, k in doses.get(s, []) if pd.notna(onset) and when <= onset]
        return given[-1] if given else None

    read = lambda name: pd.read_csv(built / CLOSED / "safety" / "ard" / f"{name}.csv", keep_default_na=False,  # noqa: E731
                                    dtype={c: str for c in ("group2_level", "variable", "variable_level")})
    return dict(adam=adam, arm=arm, doses=doses, latest=latest, read=read, root=built)


def stats(ard: pd.DataFrame, keys: list[str]) -> pd.Series:
    return ard.set_index(keys + ["group1_level", "stat_name"])["stat"]


def reactions_by_dose(data, window):
    """{(subject, dose number)} with a composite TEAE in `window` after that dose, and the events."""
    hits = []
    adae = data["adam"]["adae"]
    for s, term, onset, te in zip(adae["USUBJID"], adae["AEDECOD"], adae["ASTDT"], adae["TRTEMFL"]):
        at = data["latest"](s, onset) if s in data["arm"] and te == "Y" and term in COMPOSITE else None
        if at and window[0] <= at[1] <= window[1]:
            hits.append((s, at[0], term))
    return hits


def test_reaction_composite_by_dose_and_window(data):
    stat = stats(data["read"]("t_14_3_17"), ["variable", "variable_level", "group2_level"])
    for window in ((0, 2), (0, 7)):
        hits = reactions_by_dose(data, window)
        label = f"Days {window[0]}-{window[1]}"
        for arm in ("A", "B"):
            for k in (1, 2, 3):
                received = sum(1 for s, given in data["doses"].items() if data["arm"][s] == arm
                               and k in [n for _, n in given])
                mine = [h for h in hits if data["arm"][h[0]] == arm and h[1] == k]
                key = (label, "Any infusion reaction", str(k), arm)
                assert stat[(*key, "N")] == received, key
                assert stat[(*key, "n")] == len({h[0] for h in mine}) and stat[(*key, "events")] == len(mine), key
                for term in {h[2] for h in hits}:
                    n = len({h[0] for h in mine if h[2] == term})
                    assert stat[(label, term, str(k), arm, "n")] == n, (label, term, k, arm)
            anywhere = [h for h in hits if data["arm"][h[0]] == arm]
            key = (label, "Any infusion reaction", "Any", arm)
            assert stat[(*key, "n")] == len({h[0] for h in anywhere})
            assert stat[(*key, "N")] == sum(1 for s in data["doses"] if data["arm"][s] == arm)
    assert stat[("Days 0-2", "Any infusion reaction", "1", "A", "n")] > 0    # the data have reactions


def test_rechallenge_outcome(data):
    hits = {(s, k) for s, k, _ in reactions_by_dose(data, (0, 7))}
    stat = stats(data["read"]("t_14_3_18"), ["group2_level", "variable_level"])
    for arm in ("A", "B"):
        for k in (1, 2):
            first = {s for s, d in hits if d == k and data["arm"][s] == arm}
            again = {s for s in first if k + 1 in [n for _, n in data["doses"][s]]}
            recurred = {s for s in again if (s, k + 1) in hits}
            for level, n in (("With a reaction after dose k", len(first)), ("Received dose k+1", len(again)),
                             ("Reaction again after dose k+1", len(recurred)),
                             ("No reaction after dose k+1", len(again) - len(recurred)),
                             ("Did not receive dose k+1", len(first) - len(again))):
                assert stat[(str(k), level, arm, "n")] == n, (k, level, arm)


def test_temperature_categories_by_dose_and_time_point(data):
    advs, adex = data["adam"]["advs"], data["adam"]["adex"]
    dose_at = {(s, v): int(k) for s, v, k in zip(adex["USUBJID"], adex["AVISIT"], adex["INFNUM"])}
    peak = {}                                      # (dose, time point, arm, subject) -> highest value
    for s, p, v, tp, tpn, x in zip(advs["USUBJID"], advs["PARAMCD"], advs["AVISIT"], advs["ATPT"], advs["ATPTN"],
                                   advs["AVAL"]):
        if p != "TEMP" or s not in data["arm"] or (s, v) not in dose_at or pd.isna(tp) or pd.isna(x):
            continue
        for point in [tp] + (["Any post-dose time point"] if tpn > 0 else []):
            key = (dose_at[(s, v)], point, data["arm"][s], s)
            peak[key] = max(peak.get(key, x), x)
    stat = stats(data["read"]("t_14_3_19"), ["group2_level", "variable", "variable_level"])
    checked = 0
    for dose, point, arm in {k[:3] for k in peak}:
        values = [x for k, x in peak.items() if k[:3] == (dose, point, arm)]
        assert stat[(str(dose), point, "measured", arm, "n")] == len(values)
        for t in (37.3, 38.0, 39.0):
            assert stat[(str(dose), point, f">= {t:.1f}", arm, "n")] == sum(x >= t for x in values), (dose, point)
            checked += 1
    assert checked and stat[("1", "Any post-dose time point", ">= 38.0", "A", "n")] > 0


def test_concomitant_medications_and_those_started_after_a_dose(data):
    adcm, adsl = data["adam"]["adcm"], data["adam"]["adsl"].set_index("USUBJID")
    taking, after = {}, {}
    for s, cls, cat, start, end in zip(adcm["USUBJID"], adcm["CMCLAS"], adcm["CMCAT"], adcm["ASTDT"], adcm["AENDT"]):
        if s not in data["arm"] or cat == "DAILY INSULIN DOSE":
            continue
        first = adsl.loc[s, "TRTSDT"]
        at = data["latest"](s, start)
        started_after = bool(at and 0 <= at[1] <= 2)
        if started_after:
            after.setdefault((data["arm"][s], cls), set()).add(s)
        if not started_after and pd.notna(end) and end < first:
            continue                               # ended before the first dose: not on study
        taking.setdefault((data["arm"][s], cls), set()).add(s)
    stat = stats(data["read"]("t_14_3_20"), ["group2_level", "variable_level"])
    assert taking
    for (arm, cls), subjects in taking.items():
        assert stat[(cls, "ANY", arm, "n")] == len(subjects), (arm, cls)
        assert stat[(cls, "ANY", arm, "n_after_dose")] == len(after.get((arm, cls), ())), (arm, cls)
    assert not (stat.index.get_level_values(0) == "INSULINS AND ANALOGUES").any()


def closed_texts(root) -> dict[str, str]:
    """Every closed output of study 1 as text: the closed report's pages (pypdf) and each CSV and TXT file."""
    texts = {f"report page {i}": page for i, page in
             enumerate(pdf_text(root / CLOSED / "report" / "dmc_closed_report.pdf"), 1)}
    for path in sorted((root / CLOSED).rglob("*")):
        if path.suffix in (".csv", ".txt"):
            texts[str(path.relative_to(root / CLOSED))] = path.read_text()
    return texts


def role_words(texts: dict[str, str]) -> list[str]:
    return [f"{where}: ...{text[max(0, m.start() - 60):m.end() + 20]}..." for where, text in texts.items()
            for m in ROLE_WORDS.finditer(text)]


def is_summary(where: str, text: str) -> bool:
    return "executive_summary" in where or "Flagging rule" in text


def test_coded_closed_outputs_name_no_arm_role(data):
    """Policy: while arms are coded (report.decode_arms false) an arm is named by its code only; a
    difference is "A - B", the arm listed first minus the arm listed last, and no word says which
    code is active, control, placebo or comparator (the executive summary: the next test)."""
    config = yaml.safe_load((data["root"] / "config.yaml").read_text())
    assert config["report"]["decode_arms"] is False
    texts = {w: t for w, t in closed_texts(data["root"]).items() if not is_summary(w, t)}
    assert len(texts) > 50
    assert not role_words(texts), "\n".join(role_words(texts))


def test_coded_executive_summary_names_no_arm_role(data):
    texts = {w: t for w, t in closed_texts(data["root"]).items() if is_summary(w, t)}
    assert texts and not role_words(texts), "\n".join(role_words(texts))
