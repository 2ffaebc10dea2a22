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


def _wide(ard):
    """SOC/PT ARD -> one row per (SOC, PT) with A/B n, pct and the Fisher p (plain pandas)."""
    arm = ard[ard.group1 == "ARM"].pivot_table(index=["group2_level", "variable_level"],
                                               columns=["group1_level", "stat_name"], values="stat")
    arm.columns = [f"{a}_{s}" for a, s in arm.columns]
    p = ard[ard.stat_name == "p_fisher"].set_index(["group2_level", "variable_level"])["stat"].astype(float)
    return arm.join(p.rename("p"))


def test_closed_summary_flags_every_soc_and_pt_by_its_stated_rule(built):
    """The rule written in the summary (>= 10 pp with >= 3 subjects in one arm, or Fisher p < 0.10),
    applied here by hand to every SOC and PT of the ARD: flagged exactly those, none else."""
    root = built / CUT1
    summary = pd.read_csv(root / "closed/report/executive_summary.csv",
                          keep_default_na=False).set_index("Topic")["Finding"]
    text = summary["Notable imbalances"]
    assert "at least 10 percentage points with at least 3 subjects in one arm, or Fisher's exact p < 0.1" in text
    wide = _wide(pd.read_csv(root / "closed/safety/ard/t_14_3_2.csv", keep_default_na=False))
    wide = wide.drop(index=("ANY", "ANY"))
    rule = (((wide.A_pct - wide.B_pct).abs() >= 10) & (wide[["A_n", "B_n"]].max(axis=1) >= 3)) | (wide.p < 0.10)
    flagged = {(("SOC " + soc) if pt == "ANY" else ("PT " + pt)) for soc, pt in wide[rule].index}
    assert any(f.startswith("SOC ") for f in flagged) and any(f.startswith("PT ") for f in flagged)
    assert "SOC Skin and subcutaneous tissue disorders" in flagged          # 11.1% vs 0 (issue 28)
    listed = {item.split(":")[0] for item in text.split(". Flagging rule")[0].split("; ")}
    assert listed == flagged
    for soc, pt in wide[rule].index:
        r = wide.loc[(soc, pt)]
        assert f"A {int(r.A_n)}/{int(r.A_N)} ({r.A_pct:.1f}%) vs B {int(r.B_n)}/{int(r.B_N)}" in text


def test_closed_summary_covers_related_components_secondary_aesi_time_and_baseline(built):
    root = built / CUT1
    summary = pd.read_csv(root / "closed/report/executive_summary.csv",
                          keep_default_na=False).set_index("Topic")["Finding"]
    overview = pd.read_csv(root / "closed/safety/ard/t_14_3_1.csv", keep_default_na=False)
    related = overview[overview.variable_level == "Related TEAE"]
    p = stat(related, stat_name="p_fisher")
    assert f"Related TEAE: A 20/45 (44.4%), B 8/45 (17.8%), Fisher's exact p = {p:.4f}" in summary[
        "TEAEs and related TEAEs"]
    assert f"{p:.4f}" == "0.0115"                                              # the number
    primary = pd.read_csv(root / "closed/ard/t_14_2_1_primary.csv", keep_default_na=False)
    for k in (1, 2):
        comp = primary[(primary.variable == f"component_{k}") & (primary.variable_level == "mn")]
        est, p = stat(comp, stat_name="estimate"), stat(comp, stat_name="p")
        assert f"difference {100 * est:.1f} pp" in summary["Components of the primary"]
        assert f"p = {p:.4f}" in summary["Components of the primary"]
    assert "p = 0.1868" in summary["Components of the primary"]                # HbA1c < 7 alone (issue 28)
    secondary = summary["Secondary endpoints at Week 48"]
    for tid, param in (("t_14_2_5", "HBA1C"), ("t_14_2_6", "INSDOSKG"), ("t_14_2_10", "GIR")):
        ard = pd.read_csv(root / f"closed/secondary/ard/{tid}.csv", keep_default_na=False)
        sel = ard[(ard.group1 == "CONTRAST") & (ard.variable == param) & ard.group2_level.isin(["WEEK 48", ""])]
        assert f"A - B {stat(sel, stat_name='estimate'):.2f} (95% CI {stat(sel, stat_name='lower'):.2f}" in secondary
    tte = pd.read_csv(root / "closed/safety/ard/t_14_3_12.csv", keep_default_na=False)
    p = stat(tte, variable="First AESI", group1="TEST", stat_name="p")
    assert f"log-rank p = {p:.4f}" in summary["AESI, time to first"]
    # baseline: the standardized difference recomputed from the baseline ARD's means and SDs
    base = pd.read_csv(root / "closed/flow/baseline_ard.csv", keep_default_na=False)
    for variable in ("AGE", "DMDURY", "CPEPBL", "HBA1CBL"):
        m = {a: stat(base, variable=variable, group1_level=a, stat_name="mean") for a in "AB"}
        s = {a: stat(base, variable=variable, group1_level=a, stat_name="sd") for a in "AB"}
        d = (m["A"] - m["B"]) / ((s["A"] ** 2 + s["B"] ** 2) / 2) ** 0.5
        assert (f"standardized difference A vs B {d:.3f}" in summary["Baseline imbalances"]) == (abs(d) > 0.2)


def test_review_summary_gives_rates_and_the_timing_of_the_commonest_events(built):
    root = built / "results/nct06495437/2026-03-31"
    summary = pd.read_csv(root / "review/report/executive_summary.csv",
                          keep_default_na=False).set_index("Topic")["Finding"]
    overview = pd.read_csv(root / "review/safety/ard/t_14_3_1.csv", keep_default_na=False)
    for category in ("Any TEAE", "Related TEAE"):
        sel = overview[overview.variable_level == category]
        n, big_n = int(stat(sel, stat_name="n")), int(stat(sel, stat_name="N"))
        assert f"{category}: {n}/{big_n} ({100 * n / big_n:.1f}%) (95% CI " in summary["TEAEs and related TEAEs"]
    by_infusion = pd.read_csv(root / "review/safety/ard/t_14_3_14.csv", keep_default_na=False)
    fever = by_infusion[(by_infusion.variable_level == "Pyrexia") & (by_infusion.stat_name == "n")]
    counts = dict(zip(fever.group2_level.astype(int), fever.stat.astype(float).astype(int)))
    assert counts == {1: 0, 2: 3, 3: 2}                                  # five fevers, after the 2nd or 3rd
    assert "Pyrexia: 5 in the window after infusion 2 (3) or 3 (2), none after infusion 1;" in summary[
        "Timing of the commonest TEAEs"]


def test_open_summary_gives_the_conduct_findings_pooled(built):
    root = built / CUT1
    summary = pd.read_csv(root / "open/report/executive_summary.csv",
                          keep_default_na=False).set_index("Topic")["Finding"]
    deviations = pd.read_csv(root / "open/tables/deviations.csv", keep_default_na=False)
    for _, r in deviations[~deviations.Subjects.str.startswith("0 ")].iterrows():
        assert f"{r.Deviation} {r.Subjects}" in summary["Trial conduct"]
    disagreements = pd.read_csv(root / "open/listings/eligibility_disagreements.csv", keep_default_na=False)
    assert len(disagreements) >= 1
    for subject in disagreements.Subject:
        assert subject in summary["Trial conduct"]
