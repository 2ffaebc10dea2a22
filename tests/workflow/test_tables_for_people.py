"""Every table, listing and page of the three reports read the way a DMC member reads them: one arm
order (the control last) with N in every arm header, no raw variable names or True/False, counts
as integers, a unit on every laboratory and vital-sign row, a title on every page, footnotes
that never stand alone on a page (issue 18)."""
import re

import pandas as pd
import pytest
import yaml

from trialstats.outputs.plan import report_plan
from trialstats.units import parameter_label

STUDY1, STUDY2 = "nct02302599/2018-12-31", "nct06495437/2026-03-31"
ARM_HEAD = re.compile(r"^(?P<arm>.+?) \(N=\d+\)(?::.*)?$")
COUNT_COLUMNS = {"n", "N", "Subjects", "Records", "Events", "Expected", "Evaluated by the data", "Failing by the data",
                 "Failing by the investigator", "Disagreements", "Infusions received"}


def outputs(root, study, kind):
    protocol = yaml.safe_load((root / "data" / study.split("/")[0] / "protocol.yaml").read_text())
    return [o for _, outs in report_plan(kind, protocol) for o in outs], protocol


def tables(root, study, kind):
    outs, _ = outputs(root, study, kind)
    base = root / "results" / study
    for o in outs:
        if o.kind in ("table", "listing") and (base / o.path).exists():
            yield o, pd.read_csv(base / o.path, dtype=str, keep_default_na=False)


def closed_arm_order(root):
    """The arms as the closed report labels them, recomputed from the key: A, B, ... in order of
    first appearance, the protocol's control last."""
    key = pd.read_csv(root / "data/nct02302599/randomization.csv", dtype=str)
    control_code = yaml.safe_load((root / "data/nct02302599/protocol.yaml").read_text())["randomization"]["control"]
    names = list(dict.fromkeys(key["ARM"]))
    label = {n: "ABCDEFGHIJ"[i] for i, n in enumerate(names)}
    control = label[key.loc[key["ARMCD"] == control_code, "ARM"].iloc[0]]
    return sorted(label.values(), key=lambda a: (a == control, a))


def variable_names(root, study):
    """Column names of the run's ADaM datasets that look like CDISC variables (USUBJID, AEDECOD...)."""
    names = set()
    for side in ("adam", "closed/adam"):
        for f in (root / "results" / study / side).glob("*.parquet"):
            names |= {c for c in pd.read_parquet(f).columns if re.fullmatch(r"[A-Z][A-Z0-9]{3,7}", c)}
    return names


def test_one_arm_order_and_n_in_every_arm_header(built):
    order = closed_arm_order(built)
    assert order[-1] == "B"                                  # study 1: B is the placebo arm of the key
    checked = 0
    for o, frame in tables(built, STUDY1, "closed"):
        heads = [m.group("arm") for c in frame.columns if (m := ARM_HEAD.match(c))]
        arms_in_heads = list(dict.fromkeys(h for h in heads if h in order))
        if arms_in_heads:
            checked += 1
            assert arms_in_heads == [a for a in order if a in arms_in_heads], (o.number, list(frame.columns))
        bare = [c for c in frame.columns if c in order or any(c.startswith(f"{a}:") for a in order)]
        assert not bare, f"{o.number}: arm header without N: {bare}"
        if "Arm" in frame and o.kind == "table":
            arms = [ARM_HEAD.match(v).group("arm") if ARM_HEAD.match(v) else v for v in frame["Arm"] if v]
            assert all(ARM_HEAD.match(v) for v in frame["Arm"] if v), f"{o.number}: Arm cells without N"
            seen = list(dict.fromkeys(arms))
            assert seen == [a for a in order if a in seen], (o.number, seen)
    assert checked >= 15                                        # the by-arm tables of the closed report


def test_no_raw_variable_names_or_true_false(built):
    for study, kind in ((STUDY1, "closed"), (STUDY1, "open"), (STUDY2, "review")):
        names = variable_names(built, study)
        for o, frame in tables(built, study, kind):
            raw = [c for c in frame.columns if c in names or re.fullmatch(r"[a-z]+(_[a-z0-9]+)+", c)]
            assert not raw, f"{kind} {o.number}: raw variable names in the header: {raw}"
            cells = frame.to_numpy().ravel().tolist()
            assert not {"True", "False", "true", "false", "nan", "NaN", "None"} & set(cells), f"{kind} {o.number}"
            words = {w for v in cells for w in re.findall(r"[A-Z][A-Z0-9]{3,7}", v)} & names
            words -= {"TEAE", "AESI"}                          # abbreviations defined on the abbreviations page
            assert not words, f"{kind} {o.number}: variable names in cells: {sorted(words)}"


def test_counts_are_integers(built):
    for study, kind in ((STUDY1, "closed"), (STUDY1, "open"), (STUDY2, "review")):
        for o, frame in tables(built, study, kind):
            for col in frame.columns:
                values = [v for v in frame[col] if v]
                if col in COUNT_COLUMNS or col.endswith(": n"):
                    # n, n (%), n / N
                    bad = [v for v in values if not re.fullmatch(r"\d+( \(\d+(\.\d+)?%\)| / \d+)?", v)]
                    assert not bad, f"{kind} {o.number} column {col!r}: {bad[:3]}"
                # n (%) and n/N cells: the counts are whole numbers
                bad = [v for v in values
                       if re.search(r"(?<![\d.])\d+\.\d+ \(\d+(\.\d+)?%|(?<![\d.])\d+\.\d+/\d|/\d+\.\d+ \(", v)]
                assert not bad, f"{kind} {o.number} column {col!r}: {bad[:3]}"


def test_a_unit_on_every_laboratory_and_vital_sign_row(built):
    for study, kind in ((STUDY1, "closed"), (STUDY2, "review")):
        _, protocol = outputs(built, study, kind)
        tests = {**protocol.get("labs", {}), **protocol.get("vitals", {})}
        with_unit = {spec["name"]: spec["unit"] for spec in tests.values() if spec.get("unit")}
        found = 0
        for o, frame in tables(built, study, kind):
            if o.id not in ("t_14_3_8", "t_14_3_9", "t_14_3_11") or "Parameter" not in frame:
                continue
            for label in set(frame["Parameter"]) - {""}:
                name = label.rsplit(" (", 1)[0]
                assert name in with_unit, f"{kind} {o.number}: {label!r} is not a protocol test with a unit"
                assert label == parameter_label(name, with_unit[name]), f"{kind} {o.number}: {label!r}"
                found += 1
        assert found >= 4


def page_texts(pdf):
    from pypdf import PdfReader
    return [page.extract_text() or "" for page in PdfReader(pdf).pages]


REPORTS = {"closed": f"{STUDY1}/closed/report/dmc_closed_report.pdf",
           "open": f"{STUDY1}/open/report/dmc_open_report.pdf",
           "review": f"{STUDY2}/review/report/safety_review_report.pdf"}


@pytest.mark.parametrize("kind", sorted(REPORTS))
def test_a_title_on_every_page(built, kind):
    pages = page_texts(built / "results" / REPORTS[kind])
    study = STUDY1 if kind != "review" else STUDY2
    titles = [f"{o.number} {o.title}" for o in outputs(built, study, kind)[0]]
    sections_ = ["Contents", "Abbreviations", "Executive summary", "Provenance", "Record accounting",
                 "Records excluded", "Records used with a note", "Methods: partial dates", "Changes since"]
    flat = lambda t: re.sub(r"\s+", " ", t)  # noqa: E731
    for number, text in enumerate(pages[1:], 2):
        text = flat(text)
        assert any(flat(t)[:40] in text for t in titles) or any(s in text for s in sections_), \
            f"{kind} report page {number} has no title: {text[:300]!r}"
    continued = [n for n, t in enumerate(pages, 1) if "(continued)" in t]
    assert kind == "open" or continued, "no long output continues over pages"


@pytest.mark.parametrize("kind", sorted(REPORTS))
def test_footnotes_stay_with_their_table(built, kind):
    """Footnotes are set in the table's footer with its last rows (a footer never splits), so no
    page holds footnotes alone; the source says so for every non-empty table with notes."""
    source = (built / "results" / REPORTS[kind]).with_suffix(".typ").read_text()
    for chunk in source.split("\n== ")[1:]:
        if "#table(" in chunk and "Source: " in chunk.split("#table(")[1]:
            table = chunk.split("#table(")[1]
            footer = table.split("table.footer(repeat: false, ")[1]
            assert footer.index("Source: ") > footer.index('"'), chunk[:200]   # a row before the notes


def test_data_currency_on_every_title_page(built):
    config = yaml.safe_load((built / "config.yaml").read_text())
    for path in REPORTS.values():
        study, cut = path.split("/")[:2]
        currency = config["studies"][study]["data_currency"][cut]
        first = re.sub(r"\s+", " ", page_texts(built / "results" / path)[0])
        assert f"Data cut {cut}; data extracted {currency['extracted']}; prepared for {currency['meeting']}" in first


def test_abbreviations_defined(built):
    pages = page_texts(built / "results" / REPORTS["closed"])
    abbreviations = " ".join(t for t in pages if "Abbreviations" in t and "Meaning" in t)   # it runs over pages
    for term in ("MMRM", "SOC", "PT", "ULN", "CI", "TEAE", "CMH", "SDTM", "ADSL", "ADAE", "OLS", "DPP-4"):
        assert re.search(rf"\b{term}\b", abbreviations), term
