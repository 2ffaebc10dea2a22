"""The pilot ADaM study's exposure, exposure-adjusted incidence, liver listings, listings in arm order,
fatal AEs not flagged serious and absent inputs, each checked against a plain-pandas recount of
the pilot's own files (never copied from our output)."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tests.workflow.test_adam_input import ARMS, PILOT, ard, pdf_text, raw

pytestmark = [pytest.mark.workflow,
              pytest.mark.skipif(not PILOT.exists(), reason=f"CDISC pilot ADaM not found at {PILOT} "
                                 "(../shared/reference is present in CI, not in a user's clone)")]


@pytest.fixture(scope="module")
def pilot(pilot_adam):
    return pilot_adam


def listing(out, name):
    return pd.read_csv(out / "analysis/listings" / f"{name}.csv", dtype=str, keep_default_na=False)


def safety_adsl():
    return raw("adsl.csv")[lambda d: d.SAFFL == "Y"]


def test_exposure_equals_adsl(pilot):
    stat = ard(pilot, "t_14_1_5").set_index(["variable_level", "group1_level", "stat_name"])["stat"]
    table = pd.read_csv(pilot / "analysis/tables/t_14_1_5.csv", dtype=str, keep_default_na=False)
    for arm, g in safety_adsl().groupby("TRT01A"):
        for col in ("TRTDURD", "CUMDOSE", "AVGDD"):
            v = g[col].dropna()
            for name, value in (("n", len(v)), ("mean", v.mean()), ("sd", v.std()), ("median", v.median()),
                                ("min", v.min()), ("max", v.max())):
                assert float(stat[(col, arm, name)]) == pytest.approx(value), (arm, col, name)
        head = next(c for c in table.columns if c.startswith(arm + " (N="))
        assert head == f"{arm} (N={len(g)})"
        d = g["TRTDURD"]
        assert table.loc[1, head] == f"{d.mean():.1f} ({d.std():.1f})" and table.loc[3, head] == f"{d.min():.0f}, " \
            f"{d.max():.0f}"
        assert float(stat[("duration", arm, "py")]) == pytest.approx(d.sum() / 365.25)
    assert table.Exposure.tolist()[:9:4] == ["Duration of exposure (TRTDURD, days)", "Cumulative dose (CUMDOSE, mg)",
                                             "Average daily dose (AVGDD, mg/day)"]
    placebo = safety_adsl()[lambda d: d.TRT01A == "Placebo"]
    assert (placebo[["CUMDOSE", "AVGDD"]] == 0).all().all()                  # every placebo dose 0 in ADSL
    doses = table.loc[4:11, "Placebo (N=86)"].tolist()
    assert doses == ["86"] + ["not applicable (placebo)"] * 3 + ["86"] + ["not applicable (placebo)"] * 3
    note = (pilot / "analysis/tables/t_14_1_5_footnote.txt").read_text()
    assert "CUMDOSE (unit: mg, from exposure.units in the study's configuration)" in note
    assert "unit from the configuration" not in note


def test_exposure_adjusted_incidence_equals_a_hand_recount(pilot):
    """Time at risk: the first TEAE's onset day (ASTDY), else the days of exposure (TRTDURD); exact
    Poisson limits from the chi-square form (Garwood 1936)."""
    sl = safety_adsl().set_index("USUBJID")
    ae = raw("adae.csv")[lambda d: (d.TRTEMFL == "Y") & d.USUBJID.isin(sl.index)]
    stat = ard(pilot, "t_14_3_13").set_index(["group2_level", "variable_level", "group1_level", "stat_name"])["stat"]
    rows = [("", "Any TEAE", ae)] + [(soc, pt, g) for (soc, pt), g in ae.groupby(["AEBODSYS", "AEDECOD"])] + \
        [(soc, "ANY", g) for soc, g in ae.groupby("AEBODSYS")]
    for soc, level, events in rows:
        first = events.groupby("USUBJID")["ASTDY"].min()
        days = first.reindex(sl.index).fillna(sl["TRTDURD"])
        for arm in ARMS:
            who = sl.index[sl.TRT01A == arm]
            n, years = int(first.index.isin(who).sum()), days[who].sum() / 365.25
            lower = stats.chi2.ppf(0.025, 2 * n) / 2 if n else 0.0
            upper = stats.chi2.ppf(0.975, 2 * n + 2) / 2
            got = {k: float(stat[(soc, level, arm, k)]) for k in ("n", "py", "rate", "lower", "upper")}
            assert got == pytest.approx({"n": n, "py": years, "rate": 100 * n / years, "lower": 100 * lower / years,
                                         "upper": 100 * upper / years}), (soc, level, arm)


def liver_after_dose():
    lb = raw("adlbc.csv.gz")
    lb = lb[lb.USUBJID.isin(safety_adsl().USUBJID) & (lb.ADY >= 1) & (lb.ABLFL != "Y")]
    return lb.assign(X=lb.AVAL / lb.A1HI)


def test_hys_law_and_alt_ast_listings_hold_the_subjects_of_a_hand_recount(pilot):
    lb = liver_after_dose()
    peak = lb[lb.PARAMCD.isin(["ALT", "AST", "BILI"])].pivot_table(index="USUBJID", columns="PARAMCD", values="X",
                                                                   aggfunc="max")
    transaminase = set(peak.index[peak[["ALT", "AST"]].max(axis=1) >= 3])
    hys = set(peak.index[(peak[["ALT", "AST"]].max(axis=1) >= 3) & (peak.BILI >= 2)])
    assert hys == {"01-705-1186"} and len(transaminase) == 4          # the eDISH's labelled case; 4 at 3 x ULN
    for name, who in (("l_16_2_3", hys), ("l_16_2_4", transaminase)):
        listed = listing(pilot, name)
        assert set(listed.Subject) == who
        got = listed[listed.Period == "After first dose"]                  # and each subject's baseline records
        records = lb[lb.USUBJID.isin(who) & lb.PARAMCD.isin(["ALT", "AST", "BILI", "ALP"])]
        assert len(got) == len(records) and set(got["Study day"].astype(int)) == set(records.ADY.astype(int))
        assert (listed.Period == "Baseline").sum() == len(listed) - len(got) > 0
        flagged = records[records.PARAMCD.isin(["ALT", "AST"]) & (records.X >= 3)]
        assert (got[">= 3 x ULN"] == "Yes").sum() == len(flagged)
        arms = [ARMS.index(a) for a in got.Arm]
        assert arms == sorted(arms)                                     # the tables' arm order


def test_hys_law_screen_assesses_alp_and_lists_baseline_records(pilot):
    lab = raw("adlbc.csv.gz")
    lab = lab[lab.USUBJID.isin(safety_adsl().USUBJID) & lab.PARAMCD.isin(["ALT", "AST", "BILI", "ALP"])]
    post = lab[(lab.ABLFL != "Y") & (lab.ADY >= 1)]
    peak = (post.AVAL / post.A1HI).groupby([post.USUBJID, post.PARAMCD]).max().unstack()
    screen = (peak[["ALT", "AST"]].max(axis=1) >= 3) & (peak.BILI >= 2)
    cholestatic = set(peak.index[screen & (peak.ALP >= 2)])
    assert cholestatic == {"01-705-1186"} and not (screen & (peak.ALP < 2)).any()     # ALP 5.97 x ULN at its peak
    hys = listing(pilot, "l_16_2_3")
    assert set(hys.Subject) == cholestatic
    assert set(hys.Assessment) == {"Cholestatic pattern (peak ALP >= 2 x ULN), not potential Hy's law"}
    assert set(hys["Peak ALP (x ULN)"]) == {f"{peak.loc['01-705-1186', 'ALP']:.2f}"}
    baseline = lab[(lab.USUBJID == "01-705-1186") & (lab.ABLFL == "Y")]
    assert (hys.Period == "Baseline").sum() == len(baseline) == 4
    table = pd.read_csv(pilot / "analysis/tables/t_14_3_10.csv", keep_default_na=False).set_index("Category")
    assert table.loc["Potential Hy's law (both)"].iloc[:3].tolist() == ["0 (0.0%)"] * 3
    assert table.loc["Cholestatic pattern (both, and ALP >= 2 x ULN): not potential Hy's law", "Placebo (N=86)"] == \
        "1 (1.2%)"


def test_sae_and_death_listings_in_arm_order_fatal_not_serious_queried(pilot):
    sae = listing(pilot, "l_16_2_1")
    arms = [ARMS.index(a) for a in sae.Arm]
    assert arms == sorted(arms) and len(sae) == 3
    ae = raw("adae.csv")
    fatal = ae[((ae.AEOUT == "FATAL") | (ae.AESDTH == "Y")) & (ae.AESER != "Y")]
    queries = listing(pilot, "data_queries")
    assert queries.USUBJID.tolist() == fatal.USUBJID.tolist()
    assert queries.ROW.astype(int).tolist() == [i + 2 for i in fatal.index]          # file rows
    deaths = listing(pilot, "l_16_2_2")
    assert [ARMS.index(a) for a in deaths.Arm] == sorted(ARMS.index(a) for a in deaths.Arm)
    assert set(deaths.loc[deaths.Comment != "", "Subject"]) == set(fatal.USUBJID)
    assert "DTHDT" not in safety_adsl() and "DTHCAUS" not in safety_adsl()      # the pilot ADSL has neither
    by_subject = fatal.set_index("USUBJID")
    for r in deaths.itertuples():
        e = by_subject.loc[r.Subject]
        assert (r[5], r[6], r.Source) == (e.AENDT if isinstance(e.AENDT, str) else e.ASTDT, e.AEDECOD,
                                          "ADAE (fatal adverse event)")
    teae = fatal[(fatal.TRTEMFL == "Y") & fatal.USUBJID.isin(safety_adsl().USUBJID)]
    by_arm = ", ".join(f"{(teae.TRTA == a).sum()} ({a})" for a in ARMS if (teae.TRTA == a).any())
    stated = f"{len(teae)} fatal TEAEs (AEOUT FATAL or AESDTH Y) of {teae.USUBJID.nunique()} subjects are not flagged"
    for table in ("t_14_3_1", "t_14_3_5"):
        note = (pilot / "analysis/tables" / f"{table}_footnote.txt").read_text()
        assert stated in note and f"counted as serious here: {by_arm};" in note
    assert stated.startswith("3 fatal TEAEs") and by_arm == "1 (Xanomeline Low Dose), 2 (Placebo)"
    text = " ".join(pdf_text(pilot / "report/adam_report.pdf").split())
    assert text.count(stated) >= 2                                        # the overview's and the serious table's


def test_the_report_states_the_absent_inputs(pilot):
    text = " ".join(pdf_text(pilot / "report/adam_report.pdf").split())
    for statement in ("ADVS was not in the folder: no vital-sign tables.",
                      "ADEX was not in the folder: no exposure by ADEX parameter",
                      "ADCM was not in the folder: no prior or concomitant medication tables."):
        assert statement in text
    assert "ADTTE was not in the folder" not in text                  # adtte.csv is there
    assert "Table 14.1.4 Exposure by actual arm" in text and "Listing 16.2.3 Potential Hy's law cases" in text
    assert not np.isnan(float(ard(pilot, "t_14_3_13").stat.iloc[0]))


def test_related_and_serious_tables_name_their_first_rows_and_the_related_terms_found(pilot):
    tables = pilot / "analysis/tables"
    first = {t: pd.read_csv(tables / f"{t}.csv", keep_default_na=False).Category.iloc[0]
             for t in ("t_14_3_2", "t_14_3_4", "t_14_3_5")}
    assert first == {"t_14_3_2": "Any TEAE", "t_14_3_4": "Any treatment-related TEAE",
                     "t_14_3_5": "Any serious TEAE"}
    terms = raw("adae.csv").AEREL
    blank = int(terms.isna().sum())
    assert (tables / "t_14_3_4_footnote.txt").read_text().strip() == (
        f"AEREL counted as related: POSSIBLE, PROBABLE; not related: NONE, REMOTE; blank ({blank} records): not "
        "related.")
    assert set(terms.dropna()) == {"POSSIBLE", "PROBABLE", "NONE", "REMOTE"}


def test_overview_discontinued_for_an_adverse_event_counts_adsl_subjects_only(pilot):
    table = pd.read_csv(pilot / "analysis/tables/t_14_3_1.csv", keep_default_na=False).set_index("Category")
    row = table.loc["Discontinued the study because of an adverse event (ADSL DCSREAS)"]
    sl = safety_adsl()
    for arm, g in sl.groupby("TRT01A"):
        n = int((g.DCSREAS == "Adverse Event").sum())
        assert row[f"{arm} (N={len(g)})"] == f"{n} ({100 * n / len(g):.1f}%)"        # no [events]
