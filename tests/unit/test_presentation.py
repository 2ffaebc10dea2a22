"""How numbers and words are shown (issue 26, presentation): no negative zero, summaries at the
data's precision, decoded categories, a hanging indent for wrapped terms (PDF and RTF), outputs
numbered in reading order with the study's own numbers, and the provenance of a config file kept
outside the tracked files."""
import re
import subprocess

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.conftest import ROOT
from trialstats.listings.safety import arm_key
from trialstats.outputs.plan import Output, number_crosswalk, number_in_reading_order
from trialstats.provenance import config_errors, config_file_records, git_state, project_path
from trialstats.report.build import cell, currency_statement
from trialstats.report.rtf import RtfPage, rtf_document
from trialstats.tables.format import fmt, fmt_fixed
from trialstats.tables.subjects import ard_demographics, t_demographics
from trialstats.vocabulary import level_label


def test_no_negative_zero():
    assert [fmt_fixed(v, 1) for v in (-0.04, -0.0, -1e-12, 0.04, -0.06, -10.0)] == \
        ["0.0", "0.0", "0.0", "0.0", "-0.1", "-10.0"]
    assert fmt_fixed(-0.4, 0) == "0" and fmt(-0.001, "ratio") == "0.00" and fmt(-0.0004, "pct") == "0.0"
    assert fmt(-0.5, "pct") == "-0.5"


def test_demographics_at_the_precision_of_the_data_and_decoded():
    adsl = pd.DataFrame({"USUBJID": list("abcdef"), "ARM": ["X", "X", "X", "P", "P", "P"],
                         "AGE": [51, 60, 88, 52, 70, 89], "HEIGHTBL": [150.5, 160.0, 170.1, 155.2, 165.3, 180.4],
                         "SEX": ["F", "M", "F", "M", "F", "U"],
                         "RACE": ["WHITE", "BLACK OR AFRICAN AMERICAN", "AMERICAN INDIAN OR ALASKA NATIVE", "WHITE",
                                  "NATIVE HAWAIIAN OR OTHER PACIFIC ISLANDER", "ASIAN"]})
    chars = [{"variable": "AGE", "type": "continuous"}, {"variable": "HEIGHTBL", "type": "continuous"},
             {"variable": "SEX", "type": "categorical"}, {"variable": "RACE", "type": "categorical"}]
    t = t_demographics(ard_demographics(adsl, "ARM", characteristics=chars, control="P"))
    age = t.iloc[t.index[t.Characteristic == "AGE"][0]:][:4].set_index("Statistic")
    # AGE is integer: min and max without decimals, mean and median one more, SD two (X: 51, 60, 88)
    assert age.loc["Min, max", "X (N=3)"] == "51, 88"
    assert age.loc["Mean (SD)", "X (N=3)"] == f"{np.mean([51, 60, 88]):.1f} ({np.std([51, 60, 88], ddof=1):.2f})"
    assert age.loc["Median", "X (N=3)"] == "60.0"
    height = t.iloc[t.index[t.Characteristic == "HEIGHTBL"][0]:][:4].set_index("Statistic")
    assert height.loc["Min, max", "P (N=3)"] == "155.2, 180.4"
    levels = set(t.Statistic)
    assert {"Female, n (%)", "Male, n (%)", "Unknown, n (%)", "White, n (%)", "Black or African American, n (%)",
            "American Indian or Alaska Native, n (%)", "Native Hawaiian or Other Pacific Islander, n (%)",
            "Asian, n (%)"} <= levels
    assert not [s for s in levels if re.search(r"\b[A-Z]{3,}\b", s)]


@pytest.mark.parametrize("code, label", [("F", "Female"), ("M", "Male"), ("U", "Unknown"),
                                         ("UNDIFFERENTIATED", "Undifferentiated"),
                                         ("HISPANIC OR LATINO", "Hispanic or Latino"),
                                         ("NOT HISPANIC OR LATINO", "Not Hispanic or Latino"),
                                         ("NOT REPORTED", "Not reported"), ("<65", "<65")])
def test_level_labels(code, label):
    assert level_label(code) == label


def test_listing_in_the_arm_order_of_the_tables():
    listing = pd.DataFrame({"Arm": ["High", "Low", "Placebo", "High", "Low"], "Subject": list("abcde")})
    out = listing.iloc[np.argsort(arm_key(listing.Arm, ["Low", "High", "Placebo"]), kind="stable")]
    assert list(out.Arm) == ["Low", "Low", "High", "High", "Placebo"] and list(out.Subject) == list("beadc")


def test_a_wrapped_term_keeps_its_indent_in_the_pdf():
    import typst
    pt = "    ATRIOVENTRICULAR BLOCK FIRST DEGREE"
    assert cell(pt) == 'pad(left: 1.2em, "ATRIOVENTRICULAR BLOCK FIRST DEGREE")' and cell("SOC") == '"SOC"'
    # the wrapped second line starts where the first does: compile a narrow column and read positions
    src = (f'#set page(width: 6cm, height: auto, margin: 0.5cm)\n#table(columns: (3cm,), inset: 0pt, '
           f'stroke: none, {cell("CARDIAC")}, {cell(pt)})')
    svg = typst.compile(src.encode(), format="svg").decode()
    xs = [float(x) for x in re.findall(r'<g transform="matrix\(1 0 0 -1 ([\d.]+) [\d.]+\)"><use', svg)]
    assert len(xs) >= 3, svg[:500]
    assert xs[0] < xs[1] and all(abs(x - xs[1]) < 0.5 for x in xs[2:]), xs


def test_a_wrapped_term_keeps_its_indent_in_the_rtf():
    page = RtfPage(study="S", report="R", cut="2026-01-01")
    out = Output("t_1", "Table 14.2.2", "TEAEs", "Safety", "x.csv")
    frame = pd.DataFrame({"Category": ["CARDIAC DISORDERS", "    ATRIOVENTRICULAR BLOCK FIRST DEGREE " * 3],
                          "A": ["1", "2"]})
    text = rtf_document(out, page, frame=frame)
    # the PT's paragraph has a left indent (\li): every line of it, wrapped or not, starts there
    pt = re.search(r"\\pard\\plain\\intbl\\ql(\\li\d+)?\\f0\\fs\d+ ATRIOVENTRICULAR", text)
    soc = re.search(r"\\pard\\plain\\intbl\\ql(\\li\d+)?\\f0\\fs\d+ CARDIAC DISORDERS", text)
    assert pt.group(1) and not soc.group(1)
    assert not re.search(r"\\fi-?\d", text)                 # no first-line indent that would undo it


def outputs(*ids_kinds):
    return [Output(i, f"{k.capitalize()} 99.9.{n}", f"title {i}", "Safety", f"{i}.csv", k)
            for n, (i, k) in enumerate(ids_kinds, 7)]


def test_numbers_in_reading_order_without_gaps():
    sections = [("14.1 Subjects", outputs(("t_14_1_1", "table"), ("t_14_1_2", "table"), ("t_14_1_4", "table"))),
                ("14.3 Safety: adverse events", outputs(("t_14_3_1", "table"), ("f_14_3_7", "figure"))),
                ("14.3 Safety: laboratory", outputs(("t_14_3_8_1", "table"), ("f_14_3_8_1", "figure"))),
                ("16.2 Listings", outputs(("l_16_2_1", "listing"), ("l_16_2_2", "listing")))]
    out = number_in_reading_order(sections, {"t_14_1_4": "14-2.01"})
    assert [t for t, _ in out] == ["14.1 Subjects", "14.2 Safety: adverse events", "14.3 Safety: laboratory",
                                   "16.2 Listings"]
    numbers = [o.number for _, outs in out for o in outs]
    assert numbers == ["Table 14.1.1", "Table 14.1.2", "Table 14.1.3", "Table 14.2.1", "Figure 14.2.2",
                       "Table 14.3.1", "Figure 14.3.2", "Listing 16.2.1", "Listing 16.2.2"]
    demographics = out[0][1][2]
    assert demographics.title == "title t_14_1_4 (study table 14-2.01)"
    walk = number_crosswalk(out, {"t_14_1_4": "14-2.01"})
    assert walk.loc[2].to_dict() == {"Number": "Table 14.1.3", "Title": "title t_14_1_4", "File": "t_14_1_4",
                                     "Study's number": "14-2.01"}
    assert list(number_crosswalk(out).columns) == ["Number", "Title", "File"]
    with pytest.raises(ValueError, match="t_14_9_9, not an output of this report.*t_14_1_1"):
        number_in_reading_order(sections, {"t_14_9_9": "x"})


def test_adam_data_currency_and_its_hint():
    meta = dict(cut="2015-03-05", currency_key="adam_studies.pilot.data_currency")
    assert "(config.yaml: adam_studies.pilot.data_currency)" in currency_statement(meta)
    meta.update(extracted="2015-03-20", meeting="DMC 3")
    assert currency_statement(meta) == "Data cut 2015-03-05; data extracted 2015-03-20; prepared for DMC 3."


SCHEMA = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())


def test_a_wrong_key_in_an_extra_config_file_is_named_with_its_file(tmp_path):
    base = yaml.safe_load((ROOT / "config.yaml").read_text())
    extra = {"adam_studies": {"mine": {"folder": "x", "arm": "TRT01A", "titel": "typo",
                                       "data_currency": {"extracted": "2015-03-20", "meeting": "DMC 3"}}}}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(base))
    (tmp_path / "mystudy.yaml").write_text(yaml.safe_dump(extra))
    files = [str(tmp_path / "config.yaml"), str(tmp_path / "mystudy.yaml")]
    errors = config_errors({**base, **extra}, SCHEMA, files)
    assert len(errors) == 1 and errors[0].startswith(f"{project_path(files[1])}: adam_studies.mine: ")
    assert "'titel' was unexpected" in errors[0]
    fine = {"adam_studies": {"mine": {"folder": "x", "arm": "TRT01A", "table_numbers": {"t_14_1_4": "14-2.01"},
                                      "data_currency": {"extracted": "2015-03-20"}}}}
    assert config_errors({**base, **fine}, SCHEMA, files[:1]) == []


def test_config_files_recorded_and_an_untracked_one_leaves_git_clean(tmp_path):
    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)
    git("init", "-q")
    (tmp_path / "config.yaml").write_text("a: 1\n")
    git("add", "config.yaml")
    git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "x")
    (tmp_path / "mystudy.yaml").write_text("b: 2\n")           # the user's study: untracked
    assert git_state(tmp_path)["git_dirty"] is False
    import hashlib
    records = config_file_records([tmp_path / "config.yaml", tmp_path / "mystudy.yaml", "/dev/null"], tmp_path)
    assert records[:2] == [{"path": "config.yaml", "sha256": hashlib.sha256(b"a: 1\n").hexdigest()},
                           {"path": "mystudy.yaml", "sha256": hashlib.sha256(b"b: 2\n").hexdigest()}]
    assert records[2]["path"] == "/dev/null"                   # outside the project: the absolute path
    (tmp_path / "config.yaml").write_text("a: 2\n")
    assert git_state(tmp_path)["git_dirty"] is True
