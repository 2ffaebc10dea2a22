"""A time_to_event primary on the SDTM route: the three-arm generated study (trialstats.simulate.
dose_ranging) with its continuous primary replaced by the time to the first LDL cholesterol below
2.0 mmol/L after the first dose, or death (two deaths added as in test_third_study), stratified by
sex. The pipeline runs once; the ADTTE is recounted from the generated SDTM, and the table's numbers
from the closed ADaM with a hand product-limit loop, a hand stratified log-rank and statsmodels PHReg."""
import shutil

import numpy as np
import pandas as pd
import pytest
import yaml
from statsmodels.duration.hazard_regression import PHReg

from tests.conftest import ROOT
from tests.workflow.test_pipeline import snakemake
from tests.workflow.test_third_study import add_deaths
from trialstats.simulate import dose_ranging, write_study

pytestmark = pytest.mark.workflow
CUT = "2025-06-30"
LIMIT = 2.0
TTE = {"paramcd": "TTLDL", "name": "Time to LDL cholesterol below 2.0 mmol/L or death",
       "events": [{"lab": {"paramcd": "LDL", "below": LIMIT}}, {"death": True}], "strata": ["SEX"],
       "landmarks": [28, 56, 84]}
PLANNED_EVENTS = 30
MONITORING = {"looks": [0.5, 1.0],
              "information": {"unit": "events", "planned_events": PLANNED_EVENTS, "active": "HIGH"},
              # the event is reaching the LDL target: more events favour the active arm
              "final_test": {"statistic": "logrank", "sides": 1, "alpha": 0.025, "favours": "more_events"},
              "efficacy": {"spending": "obrien-fleming"}, "design": {"hazard_ratio": 1.8},
              "futility": {"conditional_power_below": 0.1},
              "safety": [{"event": "SERIOUS", "p0": 0.3, "threshold": 0.9}]}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("syn3tte")
    for name in ("Snakefile", "workflow", "scripts", "profiles"):
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copyfile)(ROOT / name, folder / name)
    protocol = dose_ranging.default_protocol()
    del protocol["continuous_primary"]
    protocol["time_to_event"] = TTE
    protocol["monitoring"] = MONITORING
    data = folder / "data/syn3tte"
    data.mkdir(parents=True)
    (folder / "protocol.yaml").write_text(yaml.safe_dump(protocol, sort_keys=False))
    write_study("syn3arm", data, folder / "protocol.yaml", n_screened=45)
    add_deaths(data / "sdtm")
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["studies"] = {"syn3tte": {"data": "data/syn3tte", "cuts": [CUT]}}
    config["report"]["decode_arms"] = True
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    done = snakemake(folder)
    assert done.returncode == 0, done.stdout + done.stderr
    sdtm = {n: pd.read_csv(data / "sdtm" / f"{n}.csv", dtype=str, keep_default_na=False)
            for n in ("lb", "ex", "ae", "dm", "ds", "vs")}
    return folder / "results/syn3tte" / CUT / "closed", sdtm


def day(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.str[:10], format="%Y-%m-%d", errors="coerce")


def recount_from_sdtm(sdtm) -> pd.DataFrame:
    """Per dosed subject: start (first EXSTDTC), the first LDL < 2.0 dated after it or the death date
    (DM DTHDTC, DS DEATH), else the end of study (DS disposition event) or the last date of any record."""
    ex, lb, dm, ds, ae, vs = (sdtm[k] for k in ("ex", "lb", "dm", "ds", "ae", "vs"))
    start = day(ex["EXSTDTC"]).groupby(ex["USUBJID"]).min()
    ldl = lb[(lb.LBTESTCD == "LDL") & (pd.to_numeric(lb.LBSTRESN, errors="coerce") < LIMIT)]
    ldl = ldl.assign(DT=day(ldl.LBDTC))
    ldl = ldl[ldl.DT > ldl.USUBJID.map(start)].groupby("USUBJID")["DT"].min()
    death = pd.concat([day(dm.set_index("USUBJID")["DTHDTC"]),
                       day(ds[ds.DSDECOD == "DEATH"].set_index("USUBJID")["DSSTDTC"])]).dropna().groupby(level=0).min()
    event = pd.concat([ldl, death]).groupby(level=0).min()
    eos = day(ds[ds.DSCAT == "DISPOSITION EVENT"].set_index("USUBJID")["DSSTDTC"])
    dates = pd.concat([day(d.set_index("USUBJID")[c]) for d, c in ((ae, "AESTDTC"), (ae, "AEENDTC"),
                                                                   (ex, "EXSTDTC"), (lb, "LBDTC"), (vs, "VSDTC"))])
    last = dates.dropna().groupby(level=0).max()
    end = eos.reindex(start.index).fillna(last.reindex(start.index)).clip(upper=pd.Timestamp(CUT))
    out = pd.DataFrame({"START": start, "EVENT": event.reindex(start.index), "END": end})
    out["ADT"] = out["EVENT"].fillna(out["END"])
    out["AVAL"] = (out["ADT"] - out["START"]).dt.days + 1.0
    out["CNSR"] = out["EVENT"].isna().astype(int)
    return out


def test_adtte_recounted_from_sdtm(run):
    closed, sdtm = run
    adtte = pd.read_parquet(closed / "adam/adtte.parquet").set_index("USUBJID")
    hand = recount_from_sdtm(sdtm)
    assert set(adtte.index) == set(hand.index) and set(adtte["PARAMCD"]) == {"TTLDL"}
    assert adtte["CNSR"].to_dict() == hand["CNSR"].to_dict()
    assert adtte["AVAL"].to_dict() == hand["AVAL"].to_dict()
    assert 5 < (adtte["CNSR"] == 0).sum() < len(adtte)            # events and censorings both present
    died = adtte.loc[["SYN3ARM-01-032", "SYN3ARM-01-036"]]
    assert set(died["EVNTDESC"]) <= {"death", "LDL cholesterol (mmol/L) < 2"}
    assert set(adtte.loc[adtte["CNSR"] == 1, "CNSDTDSC"]) <= {"end of observation", "data cut"}


def analysis_frame(closed) -> pd.DataFrame:
    adsl = pd.read_parquet(closed / "adam/adsl.parquet")
    adtte = pd.read_parquet(closed / "adam/adtte.parquet")
    fas = adsl.loc[adsl.FASFL == "Y", ["USUBJID", "TRT01P", "SEX"]]
    return fas.merge(adtte[["USUBJID", "AVAL", "CNSR"]], on="USUBJID")


def hand_km(time, event):
    s, out = 1.0, []
    for t in sorted(set(time[event == 1])):
        s *= 1 - ((time == t) & (event == 1)).sum() / (time >= t).sum()
        out.append((t, s))
    return out


def hand_stratified_logrank(d, active, control):
    """Sum over strata (SEX) of O - E of the active arm and of the hypergeometric variances: (O - E, V)."""
    o_e = v = 0.0
    for _, g in d[d.TRT01P.isin([active, control])].groupby("SEX"):
        time, event, is_a = g.AVAL.to_numpy(), 1 - g.CNSR.to_numpy(), (g.TRT01P == active).to_numpy()
        for t in np.unique(time[event == 1]):
            at = time >= t
            n, n1 = at.sum(), (at & is_a).sum()
            dd, d1 = ((time == t) & (event == 1)).sum(), ((time == t) & (event == 1) & is_a).sum()
            o_e += d1 - dd * n1 / n
            v += dd * n1 / n * (1 - n1 / n) * (n - dd) / (n - 1) if n > 1 else 0.0
    return o_e, v


def test_table_numbers_equal_a_recount_from_the_closed_adam(run):
    closed, _ = run
    d = analysis_frame(closed)
    ard = pd.read_csv(closed / "primary_tte/ard/t_14_2_1.csv", keep_default_na=False)
    stat = ard.set_index(["group1", "group1_level", "group2_level", "variable_level", "stat_name"])["stat"]
    arms = dict(zip(["HIGH", "LOW", "PBO"], [dose_ranging.ARMS[c] for c in ("HIGH", "LOW", "PBO")]))
    control = arms["PBO"]
    table = pd.read_csv(closed / "primary_tte/tables/t_14_2_1.csv", keep_default_na=False).set_index("Statistic")
    for arm in arms.values():
        g = d[d.TRT01P == arm]
        time, event = g.AVAL.to_numpy(), 1 - g.CNSR.to_numpy()
        assert stat[("ARM", arm, "", "overall", "N")] == len(g)
        assert stat[("ARM", arm, "", "overall", "events")] == event.sum()
        km = hand_km(time, event)
        median = next((t for t, s in km if s <= 0.5), None)
        if median is None:
            assert ("ARM", arm, "", "median", "estimate") not in stat
        else:
            assert stat[("ARM", arm, "", "median", "estimate")] == median
        for t in (28, 56, 84):
            s = ([1.0] + [s for u, s in km if u <= t])[-1]
            assert stat[("ARM", arm, str(t), "landmark", "surv")] == pytest.approx(s)
            head = f"{arm} (N={len(g)})"
            assert table.loc[f"Event-free at {t} days, % (95% CI)", head].startswith(f"{100 * s:.1f} (")
        assert table.loc["With the event, n (%)", f"{arm} (N={len(g)})"].startswith(f"{event.sum()} (")
    for code in ("HIGH", "LOW"):
        arm, c = arms[code], f"{arms[code]} vs {control}"
        o_e, v = hand_stratified_logrank(d, arm, control)
        assert stat[("CONTRAST", c, "SEX", "log-rank", "chi2")] == pytest.approx(o_e ** 2 / v)
        pair = d[d.TRT01P.isin([arm, control])]
        fit = PHReg(pair.AVAL.to_numpy(), (pair.TRT01P == arm).to_numpy(float).reshape(-1, 1),
                    status=1 - pair.CNSR.to_numpy(), strata=pair.SEX.to_numpy(), ties="efron").fit()
        hr, low, up = np.exp(fit.params[0]), *np.exp(fit.conf_int()[0])
        assert stat[("CONTRAST", c, "SEX", "Cox", "hr")] == pytest.approx(hr)
        head = f"{arm} (N={(d.TRT01P == arm).sum()})"
        assert table.loc["Hazard ratio (95% CI)", head] == f"{hr:.2f} ({low:.2f}, {up:.2f})"
    assert "Stratified log-rank p" in table.index
    note = (closed / "primary_tte/tables/t_14_2_1_footnote.txt").read_text()
    assert "Cox model (Efron ties, stratified by SEX)" in note and "log-rank test, stratified by SEX" in note
    # the generated doses lower LDL: more events on both doses than on placebo
    assert stat[("CONTRAST", f"{arms['HIGH']} vs {control}", "SEX", "Cox", "hr")] > 1


def test_summary_row_and_the_report(run):
    closed, _ = run
    ard = pd.read_csv(closed / "primary_tte/ard/t_14_2_1.csv", keep_default_na=False)
    summary = pd.read_csv(closed / "report/executive_summary.csv").set_index("Topic")["Finding"]
    row = summary["Primary endpoint"]
    assert row.startswith(TTE["name"] + ": with the event ")
    cox = ard[(ard.variable_level == "Cox") & (ard.stat_name == "hr")]
    for contrast, hr in zip(cox.group1_level, cox.stat.astype(float)):
        assert f"{contrast} {hr:.2f} (95% CI" in row
    assert "stratified log-rank p" in row
    import pypdf
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(closed / "report/dmc_closed_report.pdf").pages)
    text = " ".join(text.split())
    assert f"Table 14.2.1 Primary endpoint: {TTE['name']}" in text
    assert f"Figure 14.2.1 Kaplan-Meier estimate: {TTE['name']}" in text
    assert ("Event: the first of LDL cholesterol (mmol/L) < 2 (a value after the first dose, scheduled or not) or "
            "death; day 1 = the first dose.") in text
    assert "Population: Full analysis set" in text and "{tte" not in text
    assert "Hazard ratio (95% CI)" in text and "RMST up to" in text
    typ = (closed / "report/dmc_closed_report.typ").read_text()
    assert typ.index("Table 14.2.1") < typ.index("Table 14.3.1")          # in the efficacy section
    assert (closed / "report/rtf/t_14_2_1.rtf").exists()


def test_monitored_on_events_with_the_log_rank_z(run):
    """Table G.1/G.2's efficacy look of HIGH against placebo: information = events / the 30 planned, the
    stratified log-rank z by the hand loop, the O'Brien-Fleming-type boundary by the Lan-DeMets formula
    (a first look: Phi^-1 of the alpha spent; a final look: all of alpha), on the hazard ratio exp(c SE)
    (more events favour the active arm) with the SE of a statsmodels PHReg fit."""
    from scipy import stats
    closed, _ = run
    d = analysis_frame(closed)
    active, control = dose_ranging.ARMS["HIGH"], dose_ranging.ARMS["PBO"]
    pair = d[d.TRT01P.isin([active, control])]
    ard = pd.read_csv(closed / "monitoring/efficacy_look_ard.csv", keep_default_na=False)
    look = ard[ard.group1 == "ANALYSIS"].set_index("stat_name")["stat"].astype(float)
    events = int((1 - pair.CNSR).sum())
    assert look["evaluable"] == events and look["planned"] == PLANNED_EVENTS
    assert look["information_fraction"] == pytest.approx(events / PLANNED_EVENTS)
    o_e, v = hand_stratified_logrank(d, active, control)      # the pair's, by hand
    assert look["z"] == pytest.approx(o_e / np.sqrt(v), rel=1e-9)        # more events on the active arm: z > 0
    t = events / PLANNED_EVENTS
    spent = 0.025 if look["final"] == 1 else 2 - 2 * stats.norm.cdf(stats.norm.isf(0.0125) / np.sqrt(t))
    assert look["boundary_z"] == pytest.approx(stats.norm.isf(spent), abs=1e-6)
    fit = PHReg(pair.AVAL.to_numpy(), (pair.TRT01P == active).to_numpy(float).reshape(-1, 1),
                status=1 - pair.CNSR.to_numpy(), strata=pair.SEX.to_numpy(), ties="efron").fit()
    assert look["estimate"] == pytest.approx(np.exp(fit.params[0]), rel=1e-6)
    assert look["boundary_hr"] == pytest.approx(np.exp(look["boundary_z"] * fit.bse[0]), rel=1e-6)
    assert look["crossed_efficacy"] == int(look["z"] >= look["boundary_z"])
    design = pd.read_csv(closed / "monitoring/gs_design.csv", keep_default_na=False)
    assert list(design.columns[:2]) == ["Look", "Events"] and "On the hazard ratio" in design.columns
    assert f"{events} of {PLANNED_EVENTS}" in design["Events"].iloc[-2]
    guidelines = pd.read_csv(closed / "monitoring/stopping_guidelines.csv", keep_default_na=False)
    assert "one-sided log-rank z stratified by SEX" in guidelines["Guideline"].iloc[0]
    note = (closed / "monitoring/guidelines_footnote.txt").read_text()
    assert f"information = events of the two arms (full analysis set) of the {PLANNED_EVENTS}" in note
    assert "positive: more events on the active arm" in note and "score" not in note and "responder" not in note
    # Table 14.2.1 ends with the charter's decision at this look, in the monitored arm's column
    table = pd.read_csv(closed / "primary_tte/tables/t_14_2_1.csv", keep_default_na=False)
    last = table.iloc[-1]
    assert last["Statistic"].startswith("Charter's") and "one-sided log-rank z" in last["Statistic"]
    column = next(c for c in table.columns if c.startswith(active + " (N="))
    assert last[column].startswith(f"z = {look['z']:.2f} against ")
    assert ("crossed" in last[column]) and all(last[c] == "" for c in table.columns[1:] if c != column)
