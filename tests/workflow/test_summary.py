"""The executive summary of the closed and review reports says what the ARDs say: each number is
looked up here in the ARD it names, and the flagged imbalances are recomputed by the stated rule."""
import pandas as pd
import pytest

pytestmark = pytest.mark.workflow
CUT1 = "results/nct02302599/2018-12-31"


def stat(ard, **match):
    sel = ard
    for col, value in match.items():
        sel = sel[sel[col] == value]
    return float(sel.stat.iloc[0])


def test_closed_executive_summary_numbers_come_from_the_ards(built):
    root = built / CUT1
    summary = pd.read_csv(root / "closed/report/executive_summary.csv",
                          keep_default_na=False).set_index("Topic")["Finding"]
    primary = pd.read_csv(root / "closed/ard/t_14_2_1_primary.csv", keep_default_na=False)
    for arm in ("A", "B"):
        n = int(stat(primary, variable="primary", group1_level=arm, stat_name="n"))
        big_n = int(stat(primary, variable="primary", group1_level=arm, stat_name="N"))
        assert f"{arm} {n}/{big_n}" in summary["Primary endpoint"]
    p = stat(primary, variable="primary", variable_level="mn", stat_name="p")
    assert f"p = {p:.4f}" in summary["Primary endpoint"]
    overview = pd.read_csv(root / "closed/safety/ard/t_14_3_1.csv", keep_default_na=False)
    for category, topic in (("Serious TEAE", "Serious adverse events"), ("Deaths", "Deaths"),
                            ("TEAE leading to withdrawal", "Withdrawals for an adverse event")):
        for arm in ("A", "B"):
            n = int(stat(overview, variable_level=category, group1_level=arm, stat_name="n"))
            assert f"{arm} {n}/" in summary[topic], (topic, arm)
    consort = pd.read_csv(root / "closed/ard/consort.csv", keep_default_na=False)
    assert f"{int(stat(consort, variable='SCREENED'))} screened" in summary["Disposition"]
    # imbalances: recomputed from the SOC/PT ARD by the rule the summary states
    pt = pd.read_csv(root / "closed/safety/ard/t_14_3_2.csv", keep_default_na=False)
    pt = pt[(pt.group1 == "ARM") & (pt.group2_level != "ANY") & (pt.variable_level != "ANY")]
    wide = pt.pivot_table(index="variable_level", columns=["group1_level", "stat_name"], values="stat")
    flagged = wide[((wide[("A", "pct")] - wide[("B", "pct")]).abs() >= 10)
                   & (wide[[("A", "n"), ("B", "n")]].max(axis=1) >= 3)].index
    assert len(flagged) > 0
    for term in flagged:
        assert term in summary["Notable imbalances"]
    assert "at least 10 percentage points" in summary["Notable imbalances"]
    peaks = pd.read_csv(root / "closed/safety/listings/l_hys_law_peaks.csv", keep_default_na=False)
    high = int((peaks[peaks.Arm == "A"].TRANSAMINASE_3X.astype(str).str.lower() == "true").sum())
    assert f"A: {high} with ALT or AST >= 3 x ULN" in summary["Laboratory alerts"]


def test_review_executive_summary(built):
    root = built / "results/nct06495437/2026-03-31"
    summary = pd.read_csv(root / "review/report/executive_summary.csv",
                          keep_default_na=False).set_index("Topic")["Finding"]
    consort = pd.read_csv(root / "open/ard/consort.csv", keep_default_na=False)
    assert summary["Disposition"].startswith(f"{int(stat(consort, variable='SCREENED'))} screened")
    assert f"{int(stat(consort, variable='ENROLLED', group1_level=''))} enrolled" in summary["Disposition"]
    assert "Stopping guidelines" in summary.index


def test_open_executive_summary_is_pooled_and_from_open_files(built):
    """The open report's summary: numbers recounted from the pooled ADSL/ADAE of the blinded side
    (plain pandas), and no arm named."""
    root = built / CUT1
    summary = pd.read_csv(root / "open/report/executive_summary.csv",
                          keep_default_na=False).set_index("Topic")["Finding"]
    adsl = pd.read_parquet(root / "adam/adsl.parquet")
    adae = pd.read_parquet(root / "adam/adae.parquet")
    safety = adsl[adsl.SAFFL == "Y"]
    teae = adae[(adae.TRTEMFL == "Y") & adae.USUBJID.isin(safety.USUBJID)]
    n, big_n = teae.USUBJID.nunique(), len(safety)
    assert f"Any TEAE: {n}/{big_n} ({100 * n / big_n:.1f}%)" in summary["Adverse events, pooled"]
    serious = teae[teae.AESER == "Y"].USUBJID.nunique()
    assert f"{serious}/{big_n}" in summary["Serious adverse events"]
    enrolled = int((adsl.ENRLFL == "Y").sum())
    assert f"{len(adsl)} screened" in summary["Disposition"] and f"{enrolled} enrolled" in summary["Disposition"]
    assert f"{enrolled} enrolled of {len(adsl)} screened" in summary["Accrual"]
    text = " ".join(summary)
    assert not any(f" {arm} " in f" {text} " for arm in ("A", "B", "A:", "B:")), text
