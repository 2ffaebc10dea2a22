"""The ADaM-route report of the CDISC pilot read the way a DMC member reads it (as
test_tables_for_people.py reads the SDTM reports): no negative zero, no integer printed with
decimals, decoded labels, one arm order, sections and outputs numbered without gaps, the study's
title and own table numbers, and the provenance of the config file it was run from
(docs/examples/cdisc_pilot_adam/study.yaml, the README's example, run once with --configfile)."""
import hashlib
import re

import pandas as pd
import pytest
import yaml

from tests.conftest import ROOT, SHARED_REFERENCE
from tests.workflow.conftest import PILOT_STUDY

PILOT = SHARED_REFERENCE / "cdisc_pilot"
pytestmark = pytest.mark.workflow
ARM_HEAD = re.compile(r"^(?P<arm>.+?) \(N=\d+\)(?::.*)?$")
NEGATIVE_ZERO = re.compile(r"(?<![\d.])-0(\.0+)?(?![\d.])")
DECODED = {"F": "Female", "M": "Male", "WHITE": "White", "BLACK OR AFRICAN AMERICAN": "Black or African American",
           "AMERICAN INDIAN OR ALASKA NATIVE": "American Indian or Alaska Native",
           "HISPANIC OR LATINO": "Hispanic or Latino", "NOT HISPANIC OR LATINO": "Not Hispanic or Latino"}


def printed(out):
    """The outputs the report prints (its plan from what the analysis rule wrote)."""
    from trialstats.outputs.plan import adam_plan
    from trialstats.report.adam import adam_facts
    words = dict.fromkeys(("fisher", "demographics_population", "baseline_tests", "related_terms"), "")
    return [o for _, outs in adam_plan({**adam_facts(out), **words}) for o in outs]


def tables(out):
    """Every table and listing the report prints, by file id."""
    for o in printed(out):
        if o.kind not in ("figure", "statement"):           # a statement has no file: its text is the footnote
            yield o.id, pd.read_csv(out / o.path, dtype=str, keep_default_na=False)


def adsl():
    return pd.read_csv(PILOT / "adsl.csv")


def arm_order():
    """The arms by TRT01AN (the pilot's numeric code), the control (Placebo) last: recomputed from ADSL."""
    codes = adsl().drop_duplicates("TRT01A").set_index("TRT01A")["TRT01AN"].sort_values()
    return [a for a in codes.index if a != "Placebo"] + ["Placebo"]


def pdf_pages(out):
    from pypdf import PdfReader
    return [re.sub(r"[ \t]+", " ", p.extract_text() or "") for p in PdfReader(out / "report/adam_report.pdf").pages]


def test_no_negative_zero(pilot_adam):
    for name, frame in tables(pilot_adam):
        bad = [v for v in frame.to_numpy().ravel() if NEGATIVE_ZERO.search(v)]
        assert not bad, f"{name}: {bad[:3]}"
    assert not [t for t in pdf_pages(pilot_adam) if NEGATIVE_ZERO.search(t.replace("14-", ""))]


def test_no_integer_printed_with_decimals(pilot_adam):
    demographics = pd.read_csv(pilot_adam / "analysis/tables/t_14_1_4.csv", dtype=str, keep_default_na=False)
    arms = [c for c in demographics.columns if ARM_HEAD.match(c)]
    labels = {"AGE": "Age (years)", "HEIGHTBL": "Height at baseline (cm)", "WEIGHTBL": "Weight at baseline (kg)",
              "BMIBL": "BMI at baseline (kg/m2)", "MMSETOT": "MMSE total score", "DURDIS":
              "Duration of disease (months)", "EDUCLVL": "Years of education"}
    d = adsl()
    block = demographics.Characteristic.replace("", pd.NA).ffill()
    for var, label in labels.items():
        rows = demographics[block == label].set_index("Statistic")
        whole = (d[var].dropna() % 1 == 0).all()
        for a in arms:
            lo_hi = rows.loc["Min, max", a]
            assert ("." not in lo_hi) == whole, (var, a, lo_hi)       # AGE: "51, 88", never "51.00, 88.00"
            assert re.fullmatch(r"\d+", rows.loc["n", a])
    ages = demographics[block == "Age (years)"].set_index("Statistic")        # ADSL AGEU YEARS
    itt = d[d.ITTFL == "Y"]
    assert ages.loc["Min, max", f"Total (N={len(itt)})"] == f"{int(itt.AGE.min())}, {int(itt.AGE.max())}"
    # counts everywhere are whole numbers; a laboratory parameter collected as integers has integer extremes
    for name, frame in tables(pilot_adam):
        for col in frame.columns:
            bad = [v for v in frame[col] if re.search(r"(?<![\d.])\d+\.\d+ \(\d+(\.\d+)?%", v)]
            assert not bad, f"{name} {col}: {bad[:3]}"
    params = pd.read_csv(pilot_adam / "analysis/listings/l_lab_parameters.csv", dtype=str, keep_default_na=False)
    integer = set(params.loc[params.DECIMALS == "0", "PARAM"])
    assert integer                                              # e.g. sodium (mmol/L) in the pilot
    for k in (1, 2):
        summary = pd.read_csv(pilot_adam / f"analysis/tables/t_14_3_8_{k}.csv", dtype=str, keep_default_na=False)
        rows = summary[summary.Parameter.str.rsplit(" (", n=1).str[0].isin({p.rsplit(" (", 1)[0] for p in integer})]
        assert not [v for v in rows["Min, max"] if "." in v], k


def test_decoded_sex_race_ethnicity_and_visits(pilot_adam):
    demographics = pd.read_csv(pilot_adam / "analysis/tables/t_14_1_4.csv", dtype=str, keep_default_na=False)
    statistics = set(demographics.Statistic)
    d = adsl()
    for var in ("SEX", "RACE", "ETHNIC"):
        for code in d[var].dropna().unique():
            assert f"{DECODED[code]}, n (%)" in statistics, (var, code)
    levels = [s for s in statistics if s.endswith(", n (%)")]
    assert len(levels) >= 10 and not [s for s in levels if re.search(r"\b[A-Z]{2,}\b", s)], levels
    for name, frame in tables(pilot_adam):
        if "Sex" in frame:
            assert set(frame.Sex) <= {"Female", "Male", ""}, name
        for col in ("Visit", "Analysis visit"):
            if col in frame:
                assert not [v for v in frame[col] if re.search(r"\b(WEEK|BASELINE|SCREENING|UNSCHEDULED)\b", v)]
    pages = "\n".join(pdf_pages(pilot_adam))
    assert "Black or African American" in pages and "BLACK OR AFRICAN AMERICAN" not in pages


def test_one_arm_order_in_every_table_listing_and_figure(pilot_adam):
    order = arm_order()
    assert order == ["Xanomeline Low Dose", "Xanomeline High Dose", "Placebo"]
    checked = 0
    for name, frame in tables(pilot_adam):
        heads = list(dict.fromkeys(m.group("arm") for c in frame.columns if (m := ARM_HEAD.match(c))))
        heads = [h for h in heads if h in order]
        if heads:
            checked += 1
            assert heads == [a for a in order if a in heads], (name, heads)
        if "Arm" in frame and len(frame):
            arms = [ARM_HEAD.match(v).group("arm") if ARM_HEAD.match(v) else v for v in frame["Arm"] if v]
            seen = list(dict.fromkeys(a for a in arms if a in order))
            assert seen == [a for a in order if a in seen], (name, seen)
            checked += 1
    assert checked >= 15
    sae = pd.read_csv(pilot_adam / "analysis/listings/l_16_2_1.csv", dtype=str)
    assert list(dict.fromkeys(sae.Arm)) == ["Xanomeline Low Dose", "Xanomeline High Dose"]   # 1 low, 2 high
    # the figures' legends follow the same order (their arm order is drawn from the tables' ARD)
    dotplot = pd.read_csv(pilot_adam / "analysis/ard/t_14_3_2.csv", keep_default_na=False)
    assert [a for a in dict.fromkeys(dotplot.loc[dotplot.group1 == "ARM", "group1_level"])] == order


def headings(out):
    """(level, text) of the report's headings, from its typst source (the PDF's bookmarks)."""
    typ = (out / "report/adam_report.typ").read_text()
    return [(len(m[1]), m[2].replace('\\"', '"').replace("\\\\", "\\"))
            for m in re.finditer(r'^(=+) #"((?:[^"\\]|\\.)*)"', typ, re.M)]


def test_sections_and_outputs_numbered_without_gaps(pilot_adam):
    heads = headings(pilot_adam)
    sections = [t.split(" ", 1)[0] for level, t in heads if level == 1 and re.match(r"\d+\.\d+ ", t)]
    assert len(sections) == len(set(sections)), sections                  # never two sections 14.3
    for chapter in {s.split(".")[0] for s in sections}:
        numbers = [int(s.split(".")[1]) for s in sections if s.split(".")[0] == chapter]
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), (chapter, numbers)
    assert sections[0] == "14.1"
    current, seen = None, {}
    for level, text in heads:
        if level == 1:
            current = text.split(" ", 1)[0]
        m = re.match(r"(Table|Figure|Listing) (\d+\.\d+)\.(\d+) ", text)
        if level == 2 and m:
            assert m[2] == current, text                                   # an output in its own section
            seen.setdefault(current, []).append(int(m[3]))
    assert all(v == list(range(1, len(v) + 1)) for v in seen.values()), seen  # 14.1.1, 14.1.2, 14.1.3 ...
    pages = pdf_pages(pilot_adam)
    text = re.sub(r"\s+", " ", "\n".join(pages))
    for level, head in heads:
        if level == 2 and re.match(r"(Table|Figure|Listing) ", head):
            assert head[:60] in text, head


def test_study_title_and_own_table_numbers(pilot_adam):
    cfg = yaml.safe_load((ROOT / PILOT_STUDY).read_text())["adam_studies"]["cdiscpilot"]
    first = re.sub(r"\s+", " ", pdf_pages(pilot_adam)[0])
    assert re.sub(r"\s+", " ", cfg["title"]) in first and "CDISCPILOT01" in first
    assert "/" not in first.split("DMC report")[1].split("For DMC")[0]      # no folder path as the title
    assert "data_currency in the study's configuration)" in first     # the key in plain words
    heads = dict((t.split(" ", 2)[2].rsplit(" (study", 1)[0], t) for level, t in headings(pilot_adam)
                 if level == 2 and re.match(r"(Table|Figure|Listing) ", t))
    assert heads["Demographics and baseline characteristics by planned arm"].endswith("(study table 14-2.01)")
    text = re.sub(r"\s+", " ", "\n".join(pdf_pages(pilot_adam)))
    assert "Output numbers: this report's, its files and the study's own" in text
    for our_id, theirs in cfg["table_numbers"].items():
        assert re.search(rf"Table 14\.\d+\.\d+ .{{0,90}}? {our_id} {re.escape(theirs)}", text), our_id


def test_manifest_records_the_config_files(pilot_adam):
    import json
    manifest = json.loads((pilot_adam / "report/manifest.json").read_text())
    project = pilot_adam.parents[1]
    records = {r["path"]: r["sha256"] for r in manifest["config_files"]}
    assert list(records) == ["config.yaml", "study.yaml"]                   # the merge order
    for path, sha in records.items():
        assert sha == hashlib.sha256((project / path).read_bytes()).hexdigest()
    assert "study.yaml" in re.sub(r"\s+", " ", " ".join(pdf_pages(pilot_adam)[-3:]))    # the provenance pages


def readme_block(heading: str) -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split(f"### {heading}\n", 1)[1]
    return re.search(r"```yaml\n(.*?)```", section, re.S).group(1)


def test_readme_shows_the_pilot_config_file_verbatim():
    assert readme_block("Starting from an existing ADaM folder") == (ROOT / PILOT_STUDY).read_text()
    readme = (ROOT / "README.md").read_text()
    assert ("snakemake --cores 4 results/cdiscpilot/report/adam_report.pdf results/cdiscpilot/report/rtf \\\n"
            f"  --configfile {PILOT_STUDY}") in readme


def test_a_wrong_key_in_the_extra_config_file_stops_the_run_naming_file_and_key(tmp_path):
    import shutil
    from tests.workflow.test_pipeline import PROJECT, snakemake
    for name in PROJECT:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copyfile)(src, tmp_path / name)
    study = yaml.safe_load((ROOT / PILOT_STUDY).read_text())
    study["adam_studies"]["cdiscpilot"]["data_currency"] = {"extracted": "2015-03-20", "meetng": "DMC 3"}
    (tmp_path / "mystudy.yaml").write_text(yaml.safe_dump(study))
    run = snakemake(tmp_path, "-n", "--configfile", "mystudy.yaml")
    assert run.returncode != 0
    assert re.search(r"mystudy\.yaml: adam_studies\.cdiscpilot\.data_currency: .*'meetng' was unexpected",
                     run.stdout + run.stderr), run.stderr[-2000:]


def test_cover_states_the_data_cut_is_not_configured_in_plain_words(pilot_adam):
    from tests.workflow.test_adam_input import raw
    cover = " ".join(pdf_pages(pilot_adam)[0].split())
    latest = pd.to_datetime(raw("adsl.csv").TRTEDT).max().date()
    assert f"Data cut: not specified in the configuration; latest date in ADSL: TRTEDT {latest}." in cover
    assert "data_currency in the study's configuration" in cover
    assert "adam_studies." not in cover                                  # no internal configuration path
