"""A third study, generated here: three arms (two doses and placebo), a continuous primary endpoint
(LDL change at week 12, MMRM), chemistry and haematology in the safety panel and a urinalysis test
never recorded; two deaths added here, one recorded only in DM (DTHFL, DTHDTC) and one only in DS, after an
earlier cut. The pipeline runs both cuts end to end; its outputs are compared with counts and means made
in this test from the generated SDTM and randomization key with numpy (never from our outputs)."""
import shutil

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.conftest import ROOT
from tests.workflow.test_pipeline import snakemake
from trialstats.simulate import write_study

pytestmark = pytest.mark.workflow
CUT, EARLIER = "2025-06-30", "2024-11-15"
DM_DEATH, DS_DEATH = "SYN3ARM-01-032", "SYN3ARM-01-036"     # both die after the earlier cut
PLANNED = {"HIGH": 14, "PBO": 14}
MONITORING = {"looks": [0.5, 1.0], "information": {"unit": "patients", "planned": PLANNED},
              "final_test": {"statistic": "mean_difference", "sides": 1, "alpha": 0.025},
              "efficacy": {"spending": "obrien-fleming"}, "design": {"difference": -0.5, "sd": 0.6},
              "futility": {"conditional_power_below": 0.1},
              "safety": [{"event": "SERIOUS", "p0": 0.3, "threshold": 0.9}]}


def add_deaths(sdtm):
    """One death only in DM (DTHFL = Y, DTHDTC) and one only in DS (the disposition event DEATH)."""
    dm = pd.read_csv(sdtm / "dm.csv", dtype=str, keep_default_na=False)
    dm["DTHFL"], dm["DTHDTC"] = "", ""
    dm.loc[dm.USUBJID == DM_DEATH, ["DTHFL", "DTHDTC"]] = ["Y", "2024-11-18"]
    dm.to_csv(sdtm / "dm.csv", index=False)
    ds = pd.read_csv(sdtm / "ds.csv", dtype=str, keep_default_na=False)
    eos = (ds.USUBJID == DS_DEATH) & (ds.DSCAT == "DISPOSITION EVENT")
    assert eos.sum() == 1 and ds.loc[eos, "DSSTDTC"].iloc[0] > EARLIER
    ds.loc[eos, ["DSTERM", "DSDECOD"]] = ["DEATH", "DEATH"]
    ds.to_csv(sdtm / "ds.csv", index=False)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("syn3arm")
    for name in ("Snakefile", "workflow", "scripts", "profiles"):
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copyfile)(ROOT / name, folder / name)
    data = folder / "data/syn3arm"
    write_study("syn3arm", data, data / "protocol.yaml", n_screened=45)
    protocol = yaml.safe_load((data / "protocol.yaml").read_text())
    (data / "protocol.yaml").write_text(yaml.safe_dump(dict(protocol, monitoring=MONITORING), sort_keys=False))
    add_deaths(data / "sdtm")
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["studies"] = {"syn3arm": {"data": "data/syn3arm", "cuts": [EARLIER, CUT]}}
    config["report"]["decode_arms"] = True            # arm names in the outputs: compared with the key's
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    done = snakemake(folder)
    assert done.returncode == 0, done.stdout + done.stderr
    sdtm = {n: pd.read_csv(data / "sdtm" / f"{n}.csv", dtype=str, keep_default_na=False)
            for n in ("lb", "ex", "ae", "dm", "ds")}
    return folder / "results/syn3arm" / CUT / "closed", sdtm, pd.read_csv(data / "randomization.csv", dtype=str)


def lab(sdtm, test, visit):
    lb = sdtm["lb"]
    rows = lb[(lb.LBTESTCD == test) & (lb.VISIT == visit)]
    return rows.set_index("USUBJID")["LBSTRESN"].astype(float)


def test_three_arms_randomized_and_in_the_full_analysis_set(run):
    closed, sdtm, key = run
    pops = pd.read_csv(closed / "flow/populations.csv").set_index("Population")
    pops.columns = [c.split(" (N=")[0] for c in pops.columns]          # "A (N=30)" -> "A"
    randomized = key.groupby("ARM").size()
    assert len(randomized) == 3
    base = lab(sdtm, "LDL", "BASELINE")
    post = sdtm["lb"][(sdtm["lb"].LBTESTCD == "LDL") & sdtm["lb"].VISIT.str.startswith("WEEK")].USUBJID
    fas = key[key.USUBJID.isin(set(sdtm["ex"].USUBJID) & set(base.index) & set(post))].groupby("ARM").size()
    for arm in randomized.index:
        assert pops.loc["Randomized / enrolled", arm] == randomized[arm]
        assert pops.loc["Full analysis set", arm] == fas[arm]


def test_primary_observed_case_ancova_recomputed_with_numpy(run):
    closed, sdtm, key = run
    ard = pd.read_csv(closed / "primary_change/ard/t_14_2_1_primary.csv", keep_default_na=False)
    d = pd.DataFrame({"BASE": lab(sdtm, "LDL", "BASELINE"), "W12": lab(sdtm, "LDL", "WEEK 12")}).dropna()
    d = d.join(key.set_index("USUBJID")["ARMCD"], how="inner")
    d["CHG"] = d.W12 - d.BASE
    x = np.column_stack([np.ones(len(d)), d.ARMCD == "HIGH", d.ARMCD == "LOW", d.BASE]).astype(float)
    beta = np.linalg.lstsq(x, d.CHG.to_numpy(), rcond=None)[0]
    name = key.drop_duplicates("ARMCD").set_index("ARMCD")["ARM"]
    oc = ard[ard.variable == "observed_cases"]
    for code, b in (("HIGH", beta[1]), ("LOW", beta[2])):
        row = oc[(oc.group1_level == f"{name[code]} - {name['PBO']}") & (oc.stat_name == "estimate")]
        assert float(row.stat.iloc[0]) == pytest.approx(b, abs=1e-9)
    n = oc[oc.variable_level == "n"].set_index("group1_level")["stat"].astype(float)
    assert n.to_dict() == {name[c]: float(k) for c, k in d.groupby("ARMCD").size().items()}
    # the primary MMRM: both doses against placebo at the key visit, in the protocol's arm order
    table = pd.read_csv(closed / "primary_change/tables/t_14_2_1.csv", keep_default_na=False)
    assert table["Arm or comparison"].tolist()[:5] == [name["HIGH"], name["LOW"], name["PBO"], f"{name['HIGH']} - "
                                                       f"{name['PBO']}", f"{name['LOW']} - {name['PBO']}"]
    look = pd.read_csv(closed / "monitoring/efficacy_look_ard.csv", keep_default_na=False)   # the charter's decision
    z = float(look.loc[(look.group1 == "ANALYSIS") & (look.stat_name == "z"), "stat"].iloc[0])
    decision = table.iloc[5]
    assert len(table) == 6 and "one-sided z of the ANCOVA difference" in decision["Arm or comparison"]
    assert decision.iloc[2].startswith(f"z = {z:.2f} against ") and decision["p"].endswith("(one-sided)")
    primary = ard[(ard.variable == "primary") & (ard.group2_level == "WEEK 12") & (ard.stat_name == "estimate")
                  & (ard.group1 == "CONTRAST")]
    assert len(primary) == 2 and (primary.stat.astype(float) < 0).all()   # the simulated doses lower LDL


def test_haematology_summary_and_empty_urinalysis(run):
    closed, sdtm, key = run
    ard = pd.read_csv(closed / "safety/ard/t_14_3_8.csv", keep_default_na=False)
    hgb = lab(sdtm, "HGB", "WEEK 12").to_frame("V").join(key.set_index("USUBJID")["ARM"], how="inner")
    for arm, g in hgb.groupby("ARM"):
        cell = ard[(ard.variable == "HGB") & (ard.group2_level == "WEEK 12") & (ard.group1_level == arm)
                   & (ard.variable_level == "AVAL")].set_index("stat_name")["stat"].astype(float)
        assert cell["n"] == len(g) and cell["mean"] == pytest.approx(g.V.mean())
    panel = pd.read_csv(closed / "safety/listings/l_lab_panel.csv").set_index("Test")
    assert panel.loc["UPROT", "Status"] == "no records at this data cut"
    assert panel.loc["PLAT", "Category"] == "haematology" and panel.loc["PLAT", "Records"] > 0


def test_adverse_events_counted_by_arm(run):
    closed, sdtm, key = run
    ard = pd.read_csv(closed / "safety/ard/t_14_3_1.csv", keep_default_na=False)
    any_ae = ard[(ard.variable_level == "Any TEAE") & (ard.stat_name == "n")].set_index("group1_level")["stat"]
    counted = sdtm["ae"].merge(key, on="USUBJID").groupby("ARM").USUBJID.nunique()
    for arm in key.ARM.unique():
        assert float(any_ae[arm]) == counted.get(arm, 0)


def test_closed_report_carries_the_continuous_primary(run):
    closed = run[0]
    assert (closed / "report/dmc_closed_report.pdf").stat().st_size > 10_000
    typ = (closed / "report/dmc_closed_report.typ").read_text()
    assert "Primary endpoint: Change from baseline in LDL cholesterol at week 12" in typ
    assert "Tipping point" not in typ and "Not available at this data cut" not in typ
    assert (closed / "report/rtf/t_14_2_1.rtf").exists()


def test_deaths_from_dm_only_and_ds_only_counted_once_everywhere(run):
    """One definition of death (ADSL DTHFL from DM, DS and fatal AEs): the same two subjects in Table
    14.3.1, the death listing, the executive summary and the changes since the earlier cut."""
    closed, sdtm, key = run
    dead = set(sdtm["dm"].loc[sdtm["dm"].DTHFL == "Y", "USUBJID"]) | set(sdtm["ds"].loc[sdtm["ds"].DSDECOD == "DEATH",
                                                                                       "USUBJID"])
    assert dead == {DM_DEATH, DS_DEATH}
    by_arm = key[key.USUBJID.isin(dead)].groupby("ARM").size()
    ard = pd.read_csv(closed / "safety/ard/t_14_3_1.csv", keep_default_na=False)
    deaths = ard[(ard.variable_level == "Deaths") & (ard.stat_name == "n")].set_index("group1_level")["stat"]
    assert {a: int(float(deaths[a])) for a in key.ARM.unique()} == {a: int(by_arm.get(a, 0)) for a in key.ARM.unique()}
    listing = pd.read_csv(closed / "safety/listings/l_16_2_2.csv", dtype=str, keep_default_na=False)
    assert set(listing.iloc[:, 0]) == dead and len(listing) == 2
    summary = pd.read_csv(closed / "report/executive_summary.csv").set_index("Topic")["Finding"]
    for arm in key.ARM.unique():
        n = int(by_arm.get(arm, 0))
        assert f"{arm} {n}/" in summary["Deaths"]
    since = pd.read_csv(closed / "flow/since_last_ard.csv", keep_default_na=False)
    at = since[since.variable == "Deaths"].pivot(index="group1_level", columns="stat_name", values="stat")
    assert at["previous"].sum() == 0 and at["current"].to_dict() == {a: int(by_arm.get(a, 0)) for a in at.index}
    new = pd.read_csv(closed / "flow/since_last_new.csv", dtype=str, keep_default_na=False)
    assert set(new.loc[new.WHAT == "death", "USUBJID"]) == dead
    typ = (closed / "report/dmc_closed_report.typ").read_text()
    assert f"Changes since the last data cut ({EARLIER})" in typ and "New deaths" in typ


def test_summary_states_the_continuous_primary_result(run):
    closed = run[0]
    summary = pd.read_csv(closed / "report/executive_summary.csv").set_index("Topic")["Finding"]
    ard = pd.read_csv(closed / "primary_change/ard/t_14_2_1_primary.csv", keep_default_na=False)
    at = ard[(ard.variable == "primary") & (ard.group2_level == "WEEK 12") & (ard.variable_level == "difference")
             & (ard.stat_name == "estimate")]
    assert len(at) == 2
    for contrast, value in zip(at.group1_level, at.stat.astype(float)):
        assert f"{contrast} {value:.2f} (95% CI" in summary["Primary endpoint"]


def test_a_planned_output_missing_fails_the_report_naming_it(run):
    closed = run[0]
    table = closed / "safety/tables/t_14_3_5.csv"
    kept = table.read_bytes()
    table.unlink()
    target = f"results/syn3arm/{CUT}/closed/report/dmc_closed_report.pdf"
    try:
        done = snakemake(closed.parents[3], "--forcerun", "closed_report", target)
        log = (closed.parent / "logs/closed_report.log").read_text()
    finally:
        table.write_bytes(kept)
        assert snakemake(closed.parents[3], target).returncode == 0      # the report back for other readers
    assert done.returncode != 0
    assert "t_14_3_5 (closed/safety/tables/t_14_3_5.csv)" in log and "MissingOutput" in log


def test_continuous_primary_monitored_on_patients(run):
    """Table G.1/G.2's efficacy looks of HIGH against placebo at both cuts: information = patients with the
    week-12 change of the 28 planned, the ANCOVA difference and its z (lower LDL favours the active arm) by
    numpy least squares from the SDTM, the earlier look's O'Brien-Fleming-type boundary by the Lan-DeMets
    formula and this look's from the alpha the earlier one left (scipy's bivariate normal)."""
    from scipy import stats
    closed, sdtm, key = run
    looks = {}
    for cut in (EARLIER, CUT):
        lb = sdtm["lb"][sdtm["lb"].LBDTC.str[:10] <= cut]
        rows = lb[(lb.LBTESTCD == "LDL") & lb.VISIT.isin(["BASELINE", "WEEK 12"])]
        d = rows.pivot(index="USUBJID", columns="VISIT", values="LBSTRESN").astype(float).dropna()
        d = d.join(key.set_index("USUBJID")["ARMCD"], how="inner")
        d = d[d.ARMCD.isin(PLANNED)]
        x = np.column_stack([np.ones(len(d)), d.ARMCD == "HIGH", d["BASELINE"]]).astype(float)
        y = (d["WEEK 12"] - d["BASELINE"]).to_numpy()
        beta, rss = np.linalg.lstsq(x, y, rcond=None)[:2]
        se = np.sqrt(rss[0] / (len(y) - 3) * np.linalg.inv(x.T @ x)[1, 1])
        ard = pd.read_csv(closed.parents[1] / cut / "closed/monitoring/efficacy_look_ard.csv", keep_default_na=False)
        look = ard[ard.group1 == "ANALYSIS"].set_index("stat_name")["stat"].astype(float)
        assert look["evaluable"] == len(d) and look["planned"] == sum(PLANNED.values())
        assert look["information_fraction"] == pytest.approx(len(d) / 28)
        assert look["estimate"] == pytest.approx(beta[1], abs=1e-9)
        assert look["z"] == pytest.approx(-beta[1] / se, rel=1e-9)
        assert look["boundary_difference"] == pytest.approx(-look["boundary_z"] * se, rel=1e-9)
        looks[cut] = look
    first, last = looks[EARLIER], looks[CUT]
    t1, t2 = first["information_fraction"], last["information_fraction"]
    spent1 = 2 - 2 * stats.norm.cdf(stats.norm.isf(0.0125) / np.sqrt(t1))
    assert first["final"] == 0 and first["boundary_z"] == pytest.approx(stats.norm.isf(spent1), abs=1e-6)
    spent2 = 0.025 if last["final"] == 1 else 2 - 2 * stats.norm.cdf(stats.norm.isf(0.0125) / np.sqrt(t2))
    c1, c2 = first["boundary_z"], last["boundary_z"]
    mvn = stats.multivariate_normal([0, 0], [[1, np.sqrt(t1 / t2)], [np.sqrt(t1 / t2), 1]])
    assert stats.norm.cdf(c1) - mvn.cdf([c1, c2]) == pytest.approx(spent2 - spent1, abs=1e-6)
    assert last["looks_before"] == 1
    design = pd.read_csv(closed / "monitoring/gs_design.csv", keep_default_na=False)
    assert design["Look"].tolist()[2:4] == [f"Analysed {EARLIER}", f"Analysed {CUT} (this cut"
                                            + (", final)" if last["final"] == 1 else ")")]
    note = (closed / "monitoring/guidelines_footnote.txt").read_text()
    assert "one-sided z of the ANCOVA difference in mean change" in note and "responder" not in note
