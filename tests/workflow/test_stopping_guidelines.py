"""The stopping guidelines (protocol `monitoring`) through the pipeline: study 1 at an interim
cut (efficacy boundary, conditional power, predictive probability, safety rules by arm), the final
cut (the final analysis stated), and the single-arm study's safety rules in its review report.
Counts are recounted here from the ADaM; the statistics' own checks are unit and reference tests."""
import pandas as pd
import pypdf
import pytest
from scipy import stats

from tests.workflow.test_pipeline import project, set_config, snakemake  # noqa: F401 (fixture)

pytestmark = pytest.mark.workflow
INTERIM = "2017-09-30"


def pdf_text(path) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(path).pages)


def look(folder):
    ard = pd.read_csv(folder / "efficacy_look_ard.csv", keep_default_na=False)
    return ard[ard.group1 == "ANALYSIS"].set_index("stat_name")["stat"].astype(float), ard


def test_interim_cut_of_study_1_shows_every_guideline(project):  # noqa: F811
    set_config(project, {"nct02302599": {"data": "data/nct02302599", "cuts": [INTERIM]}})
    run = snakemake(project, f"results/nct02302599/{INTERIM}/closed/report/dmc_closed_report.pdf")
    assert run.returncode == 0, run.stdout + run.stderr
    base = project / "results" / "nct02302599" / INTERIM
    values, ard = look(base / "closed" / "monitoring")
    assert 0 < values["information_fraction"] < 1 and values["final"] == 0
    # recount the evaluable responders from the closed ADaM (FAS, endpoint due at the cut)
    adsl = pd.read_parquet(base / "closed" / "adam" / "adsl.parquet")
    status = pd.read_csv(base / "closed" / "listings" / "responder_status.csv", keep_default_na=False)
    due = status[(status.FASFL == "Y") & (status.STATUS != "not yet due")]
    for arm in ("A", "B"):
        row = ard[(ard.group1_level == arm) & (ard.variable_level == "responders")].set_index("stat_name")["stat"]
        assert row["N"] == (due.ARM == arm).sum() and row["n"] == ((due.ARM == arm) & (due.STATUS == "Y")).sum()
    x1, n1, x2, n2 = [float(ard[(ard.group1_level == a) & (ard.stat_name == s)].stat.iloc[0])
                      for a in ("A", "B") for s in ("n", "N")]
    pbar = (x1 + x2) / (n1 + n2)
    assert values["z"] == pytest.approx((x1 / n1 - x2 / n2) / (pbar * (1 - pbar) * (1 / n1 + 1 / n2)) ** 0.5)
    assert values["boundary_z"] > values["final_critical_z"] > 1.9     # O'Brien-Fleming: strict early on
    assert 0 <= values["cp_null"] <= values["cp_current_trend"] <= 1 and 0 <= values["predictive_probability"] <= 1
    # safety rules by arm and pooled, posterior recomputed with scipy's beta distribution
    safety = pd.read_csv(base / "closed" / "monitoring" / "safety_rules_ard.csv", keep_default_na=False)
    for (_, group), g in safety.groupby(["variable", "group1_level"]):
        v = g.set_index("stat_name")["stat"].astype(float)
        assert v["posterior_prob"] == pytest.approx(stats.beta.sf(v["p0"], 1 + v["events"], 1 + v["n"] - v["events"]))
        if group == "All subjects":
            assert v["n"] == (adsl.SAFFL == "Y").sum()
    text = pdf_text(base / "closed" / "report" / "dmc_closed_report.pdf")
    for phrase in ("Stopping guidelines", "Table G.1", "Lan-DeMets", "conditional power", "predictive probability",
                   "Fever within 48 h of an infusion (A)", "Figure G.1"):
        assert phrase in text, phrase
    assert text.index("Stopping guidelines") < text.index("Table 14.2.1")        # before the efficacy tables


def test_final_cut_states_the_final_analysis_and_single_arm_shows_its_safety_rules(built):
    values, _ = look(built / "results" / "nct02302599" / "2018-12-31" / "closed" / "monitoring")
    assert values["final"] == 1 and values["information_fraction"] == 1
    text = pdf_text(built / "results" / "nct02302599" / "2018-12-31" / "closed" / "report" / "dmc_closed_report.pdf")
    assert "Primary endpoint: final analysis" in text
    note = (built / "results" / "nct02302599" / "2018-12-31" / "closed" / "monitoring"
            / "guidelines_footnote.txt").read_text()
    assert "final analysis" in note and "Table 14.2.1" in note and "Conditional power" not in note   # what is shown
    review = built / "results" / "nct06495437" / "2026-03-31" / "review"
    table = pd.read_csv(review / "monitoring" / "stopping_guidelines.csv", keep_default_na=False)
    assert len(table) == 3 and all(g.startswith("Safety:") for g in table.Guideline)
    text = pdf_text(review / "report" / "safety_review_report.pdf")
    assert "Stopping guidelines" in text and "Infusion reaction within 48 h (All subjects)" in text
