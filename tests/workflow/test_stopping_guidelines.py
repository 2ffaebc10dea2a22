"""The stopping guidelines (protocol `monitoring`) through the pipeline: study 1 at an interim
cut (efficacy boundary, conditional power, predictive probability, safety rules by arm), the final
cut (the final analysis stated), and the single-arm study's safety rules in its review report.
Counts are recounted here from the ADaM; the statistics' own checks are unit and reference tests."""
import shutil

import pandas as pd
import pypdf
import pytest
from scipy import optimize, stats

from tests.conftest import ROOT
from tests.workflow.test_pipeline import PROJECT, set_config, snakemake

pytestmark = pytest.mark.workflow
INTERIM, FINAL = "2017-09-30", "2018-12-31"


def pdf_text(path) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(path).pages)


def look(folder):
    ard = pd.read_csv(folder / "efficacy_look_ard.csv", keep_default_na=False)
    return ard[ard.group1 == "ANALYSIS"].set_index("stat_name")["stat"].astype(float), ard


PLANNED = 91           # protocol.yaml monitoring.information.planned: 46 + 45


@pytest.fixture(scope="module")
def two_looks(tmp_path_factory):
    """Study 1 with the interim cut before the final one in config.yaml: one pipeline run, both
    closed reports (the final look's history is the interim look)."""
    folder = tmp_path_factory.mktemp("two_looks")
    for name in PROJECT:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copyfile)(src, folder / name)
    set_config(folder, {"nct02302599": {"data": "data/nct02302599", "cuts": [INTERIM, FINAL]}})
    run = snakemake(folder, *(f"results/nct02302599/{cut}/closed/report/dmc_closed_report.pdf"
                              for cut in (INTERIM, FINAL)))
    assert run.returncode == 0, run.stdout + run.stderr
    return folder / "results" / "nct02302599"


def recount(base):
    """Evaluable responders and patients per arm (A active, B control) from the responder listing."""
    status = pd.read_csv(base / "closed" / "listings" / "responder_status.csv", keep_default_na=False)
    due = status[(status.FASFL == "Y") & (status.STATUS != "not yet due")]
    return [int(((due.ARM == arm) & (due.STATUS == s)).sum()) if s else int((due.ARM == arm).sum())
            for arm in ("A", "B") for s in ("Y", "")], int((due.STATUS == "missing").sum())


def obf_spent(t, alpha=0.025):
    """Lan-DeMets O'Brien-Fleming alpha spent at information fraction t, written out here."""
    return 2 - 2 * stats.norm.cdf(stats.norm.isf(alpha / 2) / t ** 0.5)


def test_interim_look_information_from_the_planned_91_and_one_final_test(two_looks):
    base = two_looks / INTERIM
    values, ard = look(base / "closed" / "monitoring")
    (x1, n1, x2, n2), missing = recount(base)
    assert values["final"] == 0 and values["planned"] == PLANNED and values["looks_before"] == 0
    assert values["evaluable"] == n1 + n2 and values["missing_as_nonresponders"] == missing
    assert values["information_fraction"] == pytest.approx((n1 + n2) / PLANNED)        # not of "FAS + on study"
    pbar = (x1 + x2) / (n1 + n2)
    se = (pbar * (1 - pbar) * (1 / n1 + 1 / n2)) ** 0.5
    assert values["z"] == pytest.approx((x1 / n1 - x2 / n2) / se)
    # the first look's boundary in closed form: the upper 1 - alpha(t) normal quantile
    t = values["information_fraction"]
    assert values["alpha_spent"] == pytest.approx(obf_spent(t))
    assert values["boundary_z"] == pytest.approx(stats.norm.isf(obf_spent(t)), abs=1e-6)
    # the final critical value if the final look comes at the planned 91, by scipy's bivariate normal
    c1, c2 = values["boundary_z"], values["final_critical_z"]
    corr = [[1, t ** 0.5], [t ** 0.5, 1]]
    continue_then_cross = stats.norm.cdf(c1) - stats.multivariate_normal([0, 0], corr).cdf([c1, c2])
    assert continue_then_cross == pytest.approx(0.025 - obf_spent(t), abs=1e-6)
    # conditional power of that one final test under the design rates (B-value, Lan & Wittes)
    pa, pc, na, nc = 0.25, 0.05, 46, 45
    pd_ = (pa * na + pc * nc) / PLANNED
    drift = (pa - pc) / (pd_ * (1 - pd_) * (1 / na + 1 / nc)) ** 0.5
    assert values["design_drift"] == pytest.approx(drift)
    cp = stats.norm.sf((c2 - values["z"] * t ** 0.5 - drift * (1 - t)) / (1 - t) ** 0.5)
    assert values["cp_design"] == pytest.approx(cp)
    # repeated CI: the differences d whose Farrington-Manning score is -/+ the boundary; the restricted
    # MLE under p1 - p2 = d maximised numerically here (not the closed form of the library)
    for d, sign in ((values["rci_lower"], 1), (values["rci_upper"], -1)):
        def loglik(p2):
            return -(stats.binom.logpmf(x1, n1, p2 + d) + stats.binom.logpmf(x2, n2, p2))
        p2 = optimize.minimize_scalar(loglik, bounds=(max(0, -d) + 1e-9, min(1, 1 - d) - 1e-9),
                                      method="bounded", options={"xatol": 1e-12}).x
        score = (x1 / n1 - x2 / n2 - d) / ((p2 + d) * (1 - p2 - d) / n1 + p2 * (1 - p2) / n2) ** 0.5
        assert score == pytest.approx(sign * c1, abs=1e-3)
    assert (values["rci_lower"] > 0) == (values["crossed_efficacy"] == 1) == (values["repeated_p"] <= 0.025)
    # the design summary: two planned looks, the last one with all alpha
    design = ard[ard.group1 == "DESIGN"]
    assert set(design.group1_level) == {"look 1", "look 2", "overall"}
    assert float(design[(design.group1_level == "look 2") & (design.stat_name == "alpha_spent")].stat.iloc[0]) \
        == pytest.approx(0.025)
    table = pd.read_csv(base / "closed" / "monitoring" / "stopping_guidelines.csv", keep_default_na=False)
    assert "At the data cut" in table.columns and "Today" not in table.columns
    assert f"of {PLANNED} planned patients" in table.loc[0, "At the data cut"]
    note = (base / "closed" / "monitoring" / "guidelines_footnote.txt").read_text()
    assert "no earlier look analysed" in note and "success = the final test's z" in note
    primary = pd.read_csv(base / "closed" / "tables" / "t_14_2_1.csv", keep_default_na=False)
    decision = primary[primary.Statistic.str.startswith("Charter's test at this interim look")]
    assert len(decision) == 1 and f"{c1:.3f}" in decision["Estimate (95% CI)"].iloc[0]
    summary = pd.read_csv(base / "closed" / "report" / "executive_summary.csv", keep_default_na=False)
    finding = summary.set_index("Topic").loc["Primary endpoint", "Finding"]
    assert "Significant" not in finding and "interim boundary" in finding


def test_final_look_spends_the_alpha_the_interim_left(two_looks):
    interim, _ = look(two_looks / INTERIM / "closed" / "monitoring")
    values, ard = look(two_looks / FINAL / "closed" / "monitoring")
    (x1, n1, x2, n2), missing = recount(two_looks / FINAL)
    assert values["final"] == 1 and values["looks_before"] == 1
    assert values["information_fraction"] == pytest.approx((n1 + n2) / PLANNED) and n1 + n2 < PLANNED
    history = ard[ard.group1 == "LOOK"].set_index("stat_name")["stat"].astype(float)
    assert set(ard.loc[ard.group1 == "LOOK", "group1_level"]) == {INTERIM}
    assert history["information_fraction"] == pytest.approx(interim["information_fraction"])
    assert history["z"] == pytest.approx(interim["z"])
    # P0(Z1 < c1, Z2 >= c2) = the alpha the interim left, by scipy's bivariate normal
    t1, t2 = interim["information_fraction"], values["information_fraction"]
    c1, c2 = interim["boundary_z"], values["final_critical_z"]
    corr = [[1, (t1 / t2) ** 0.5], [(t1 / t2) ** 0.5, 1]]
    mvn = stats.multivariate_normal([0, 0], corr)
    assert stats.norm.cdf(c1) - mvn.cdf([c1, c2]) == pytest.approx(0.025 - obf_spent(t1), abs=1e-6)
    assert c2 == values["boundary_z"] and c2 > stats.norm.isf(0.025)
    # stagewise-ordering p-value: stop at the interim, or continue and reach z at the final
    z = values["z"]
    assert values["stagewise_p"] == pytest.approx(stats.norm.sf(c1) + stats.norm.cdf(c1) - mvn.cdf([c1, z]),
                                                  abs=1e-6)
    assert values["mue_lower"] < values["median_unbiased"] < values["mue_upper"]
    note = (two_looks / FINAL / "closed" / "monitoring" / "guidelines_footnote.txt").read_text()
    assert f"spent at the look of {INTERIM}" in note and "no earlier look" not in note
    primary = pd.read_csv(two_looks / FINAL / "closed" / "tables" / "t_14_2_1.csv", keep_default_na=False)
    decision = primary[primary.Statistic.str.startswith("Charter's final test")]["Estimate (95% CI)"].iloc[0]
    table = pd.read_csv(two_looks / FINAL / "closed" / "monitoring" / "stopping_guidelines.csv",
                        keep_default_na=False)
    assert f"{c2:.3f}" in decision and f"{c2:.3f}" in table.loc[0, "Threshold"]     # one critical value
    assert f"{int(missing)} missing counted as non-responders" in table.loc[0, "At the data cut"]
    summary = pd.read_csv(two_looks / FINAL / "closed" / "report" / "executive_summary.csv", keep_default_na=False)
    finding = summary.set_index("Topic")["Finding"]
    guidelines = (table.Crossed.isin(["YES", "no"])).sum()
    assert guidelines == len(table) - 1
    assert f"of the {guidelines} monitoring guidelines crossed" in finding["Stopping guidelines"]
    text = pdf_text(two_looks / FINAL / "closed" / "report" / "dmc_closed_report.pdf")
    for phrase in ("Stopping guidelines", "Table G.1", "Charter's final test", "stagewise-ordering p"):
        assert phrase in text, phrase


def test_interim_report_shows_every_guideline(two_looks):
    base = two_looks / INTERIM
    adsl = pd.read_parquet(base / "closed" / "adam" / "adsl.parquet")
    safety = pd.read_csv(base / "closed" / "monitoring" / "safety_rules_ard.csv", keep_default_na=False)
    for (_, group), g in safety.groupby(["variable", "group1_level"]):
        v = g.set_index("stat_name")["stat"].astype(float)
        assert v["posterior_prob"] == pytest.approx(stats.beta.sf(v["p0"], 1 + v["events"], 1 + v["n"] - v["events"]))
        if group == "All subjects":
            assert v["n"] == (adsl.SAFFL == "Y").sum()
    # the first crossing of fever in arm A, replayed here day by day from ADSL and ADAE
    adae = pd.read_parquet(base / "closed" / "adam" / "adae.parquet")
    fever = adae[(adae.TRTEMFL == "Y") & adae.filter(like="NAM").eq("Fever within 48 h of an infusion").any(axis=1)]
    arm_a = adsl[(adsl.SAFFL == "Y") & (adsl.TRTCODE.astype(str) == "A")]
    onset = fever[fever.USUBJID.isin(arm_a.USUBJID)].groupby("USUBJID").ASTDT.min()
    first = None
    for day in sorted(set(onset)):
        n = (arm_a.TRTSDT <= day).sum()
        for subject in sorted(onset[onset == day].index):
            x = (onset < day).sum() + 1 + sorted(onset[onset == day].index).index(subject)
            if n >= 10 and stats.beta.sf(0.2, 1 + x, 1 + n - x) > 0.9:
                first = (subject, pd.Timestamp(day).date().isoformat())
                break
        if first:
            break
    crossings = pd.read_csv(base / "closed" / "monitoring" / "safety_first_crossings.csv", keep_default_na=False)
    row = crossings[(crossings.event == "FEVER48") & (crossings.group == "A")].iloc[0]
    assert first == (row.subject, row.date)
    table = pd.read_csv(base / "closed" / "monitoring" / "stopping_guidelines.csv", keep_default_na=False)
    crossed = table[table.Guideline.str.contains(r"Fever within 48 h of an infusion \(A\)")].iloc[0]
    assert f"first crossed on {row.date} with subject {row.subject}" in crossed["At the data cut"]
    assert crossed["Charter's action if crossed"].startswith("Review every fever case")
    text = pdf_text(base / "closed" / "report" / "dmc_closed_report.pdf")
    for phrase in ("Stopping guidelines", "Table G.1", "Lan-DeMets", "Conditional power", "predictive probability",
                   "Fever within 48 h of an infusion (A)", "Figure G.1", "repeated 95% CI"):
        assert phrase in text, phrase
    assert text.index("Stopping guidelines") < text.index("Table 14.2.1")        # before the efficacy tables


def test_final_cut_states_the_final_analysis_and_single_arm_shows_its_safety_rules(built):
    values, _ = look(built / "results" / "nct02302599" / "2018-12-31" / "closed" / "monitoring")
    assert values["final"] == 1 and values["looks_before"] == 0
    assert values["final_critical_z"] == pytest.approx(stats.norm.isf(0.025))   # no look before: the full alpha
    text = pdf_text(built / "results" / "nct02302599" / "2018-12-31" / "closed" / "report" / "dmc_closed_report.pdf")
    assert "Primary endpoint: final analysis" in text
    note = (built / "results" / "nct02302599" / "2018-12-31" / "closed" / "monitoring"
            / "guidelines_footnote.txt").read_text()
    assert "final analysis" in note.lower() and "Table 14.2.1" in note and "Conditional power" not in note
    assert "no earlier look analysed" in note                     # config.yaml holds only the final cut
    review = built / "results" / "nct06495437" / "2026-03-31" / "review"
    table = pd.read_csv(review / "monitoring" / "stopping_guidelines.csv", keep_default_na=False)
    assert len(table) == 3 and all(g.startswith("Safety:") for g in table.Guideline)
    text = pdf_text(review / "report" / "safety_review_report.pdf")
    assert "Stopping guidelines" in text and "Infusion reaction within 48 h (All subjects)" in text
