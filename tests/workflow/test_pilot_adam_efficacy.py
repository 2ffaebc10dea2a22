"""Efficacy from configuration on the CDISC pilot ADaM (docs/examples/cdisc_pilot_adam/study.yaml, run once
by the pilot_adam fixture): each analysis's ARD against an independent computation from the raw files."""
import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from tests.conftest import SHARED_REFERENCE
from tests.workflow.test_adam_input import pdf_text
from trialstats.stats.binary import diff_ci, fisher_exact
from trialstats.stats.mmrm import fit_mmrm

PILOT = SHARED_REFERENCE / "cdisc_pilot"
ARMS = ["Placebo", "Xanomeline Low Dose", "Xanomeline High Dose"]
VISITS = ["Week 8", "Week 16", "Week 24"]


def ard(pilot_adam, eid: str) -> pd.DataFrame:
    return pd.read_csv(pilot_adam / "analysis" / "ard" / f"{eid}.csv", dtype=str, keep_default_na=False)


def value(frame: pd.DataFrame, **where) -> float:
    sel = frame
    for col, v in where.items():
        sel = sel[sel[col] == v]
    assert len(sel) == 1, where
    return float(sel["stat"].iloc[0])


@pytest.fixture(scope="module")
def cibic() -> pd.DataFrame:
    """ADCIBC as the SAP analyses it, recounted in plain pandas: CIBICVAL, ANL01FL = Y, EFFFL = Y."""
    d = pd.read_csv(PILOT / "adcibc.csv")
    return d[(d["PARAMCD"] == "CIBICVAL") & (d["ANL01FL"] == "Y") & (d["EFFFL"] == "Y")]


def hand_row_mean_scores(frame: pd.DataFrame, arms: list[str]) -> tuple[float, float]:
    """Landis, Heyman & Koch (1978) with numpy, stratified by SITEGR1, table scores = the AVAL values."""
    scores = np.sort(frame["AVAL"].unique())
    g, v = np.zeros(len(arms) - 1), np.zeros((len(arms) - 1, len(arms) - 1))
    for _, s in frame.groupby("SITEGR1"):
        t = np.array([[((s["TRTP"] == a) & (s["AVAL"] == x)).sum() for x in scores] for a in arms], float)
        n = t.sum()
        if n < 2:
            continue
        ni, nj = t.sum(1), t.sum(0)
        mean = nj @ scores / n
        s2 = nj @ (scores - mean) ** 2 / (n - 1)
        g += (t @ scores - ni * mean)[:-1]
        v += s2 * (np.diag(ni[:-1]) - np.outer(ni[:-1], ni[:-1]) / n)
    q = float(g @ np.linalg.solve(v, g))
    return q, float(stats.chi2.sf(q, len(arms) - 1))


@pytest.mark.parametrize("visit", VISITS)
def test_cibic_cmh_row_mean_scores_by_site_group(pilot_adam, cibic, visit):
    a = ard(pilot_adam, "e_cibic_cmh")
    at = cibic[cibic["AVISIT"] == visit]
    for arm in ARMS[1:]:
        q, p = hand_row_mean_scores(at[at["TRTP"].isin(["Placebo", arm])], ["Placebo", arm])
        where = dict(group1_level=f"{arm} vs Placebo", group2_level=visit, variable_level="row_mean_scores")
        assert value(a, stat_name="chi2", **where) == pytest.approx(q, rel=1e-9)
        assert value(a, stat_name="p", **where) == pytest.approx(p, rel=1e-9)
        assert value(a, stat_name="df", **where) == 1
    q, p = hand_row_mean_scores(at, ARMS)
    where = dict(group1_level="all arms", group2_level=visit, variable_level="row_mean_scores")
    assert (value(a, stat_name="chi2", **where), value(a, stat_name="df", **where)) == (pytest.approx(q), 2)
    for arm in ARMS:   # the counts behind it
        for x, n in at.loc[at["TRTP"] == arm, "AVAL"].value_counts().items():
            assert value(a, group1_level=arm, group2_level=visit, variable_level=f"{x:g}", stat_name="count") == n


def test_cibic_ancova_with_site_group_matches_statsmodels(pilot_adam, cibic):
    import statsmodels.formula.api as smf
    a = ard(pilot_adam, "e_cibic_ancova")
    d = cibic[cibic["AVISIT"] == "Week 24"].assign(SITEGR1=lambda f: f["SITEGR1"].astype(str))
    fit = smf.ols("AVAL ~ C(TRTP, Treatment('Placebo')) + C(SITEGR1)", d).fit()
    sites = sorted(d["SITEGR1"].unique())
    for arm in ARMS:
        # SAS LSMEANS: the mean of the predictions over the site groups, equal weights
        lsmean = fit.predict(pd.DataFrame({"TRTP": arm, "SITEGR1": sites})).mean()
        assert value(a, group1_level=arm, group2_level="Week 24", variable_level="lsmean",
                     stat_name="estimate") == pytest.approx(lsmean, rel=1e-9)
    for arm in ARMS[1:]:
        term = f"C(TRTP, Treatment('Placebo'))[T.{arm}]"
        where = dict(group1_level=f"{arm} vs Placebo", group2_level="Week 24", variable_level="difference")
        assert value(a, stat_name="estimate", **where) == pytest.approx(fit.params[term], rel=1e-9)
        assert value(a, stat_name="se", **where) == pytest.approx(fit.bse[term], rel=1e-9)
        assert value(a, stat_name="p", **where) == pytest.approx(fit.pvalues[term], rel=1e-8)
        low, up = fit.conf_int().loc[term]
        assert (value(a, stat_name="lower", **where), value(a, stat_name="upper", **where)) == (
            pytest.approx(low, rel=1e-9), pytest.approx(up, rel=1e-9))


def test_cibic_responder_matches_a_hand_two_by_two(pilot_adam, cibic):
    a = ard(pilot_adam, "e_cibic_responder")
    d = cibic[cibic["AVISIT"] == "Week 24"]
    count = {arm: (int((d.loc[d["TRTP"] == arm, "AVAL"] <= 3).sum()), int((d["TRTP"] == arm).sum())) for arm in ARMS}
    for arm in ARMS:
        assert value(a, group1_level=arm, variable_level="responder", stat_name="n") == count[arm][0]
        assert value(a, group1_level=arm, variable_level="responder", stat_name="N") == count[arm][1]
    for arm in ARMS[1:]:
        ci = diff_ci(*count[arm], *count["Placebo"], method="mn")
        where = dict(group1_level=f"{arm} vs Placebo", variable_level="difference")
        assert value(a, stat_name="estimate", **where) == pytest.approx(100 * ci.estimate)
        assert value(a, stat_name="lower", **where) == pytest.approx(100 * ci.lower)
        assert value(a, stat_name="p", **where) == pytest.approx(fisher_exact(*count[arm], *count["Placebo"]))


def test_cibic_mmrm_equals_fit_mmrm_on_a_recount(pilot_adam, cibic):
    a = ard(pilot_adam, "e_cibic_mmrm")
    d = cibic[cibic["AVISIT"].isin(VISITS) & cibic["DTYPE"].isna()].copy()      # observed values only
    d["TRT"] = pd.Categorical(d["TRTP"], categories=ARMS)
    d["AVISIT"] = pd.Categorical(d["AVISIT"], categories=VISITS)
    d["SITEGR1"] = d["SITEGR1"].astype(str)
    fit = fit_mmrm(d, "AVAL ~ TRT*AVISIT + C(SITEGR1)", "USUBJID", "AVISIT", cov="us", ddf="kenward-roger")
    for r in fit.lsmean_differences("TRT", "AVISIT", "Placebo").itertuples():
        where = dict(group1_level=f"{r.TRT} vs Placebo", group2_level=str(r.AVISIT), variable_level="difference")
        assert value(a, stat_name="estimate", **where) == pytest.approx(r.estimate, rel=1e-8)
        assert value(a, stat_name="df", **where) == pytest.approx(r.df, rel=1e-6)
    assert value(a, group1="MODEL", stat_name="n_obs") == len(d)


def test_cibic_footnotes_state_the_values_carried_forward(pilot_adam, cibic):
    notes = pilot_adam / "analysis" / "notes"
    locf = cibic[cibic["DTYPE"] == "LOCF"].groupby(["AVISIT", "TRTP"]).size()
    arms = ["Xanomeline Low Dose", "Xanomeline High Dose", "Placebo"]
    expected = "Week 24 includes " + ", ".join(f"{locf['Week 24', a]} ({a})" for a in arms)
    assert expected + " values carried forward (DTYPE = LOCF)" in (notes / "e_cibic_cmh.txt").read_text()
    assert expected.startswith("Week 24 includes 34 (Xanomeline Low Dose), 34 (Xanomeline High Dose), 13 (Placebo)")
    mmrm = (notes / "e_cibic_mmrm.txt").read_text()
    assert "Observed records only (DTYPE blank" in mmrm and "carried forward" not in mmrm


@pytest.fixture(scope="module")
def ttde() -> pd.DataFrame:
    d = pd.read_csv(PILOT / "adtte.csv")
    return d[(d["PARAMCD"] == "TTDE") & (d["SAFFL"] == "Y")]


def hand_km(time, event) -> dict[float, float]:
    """Product-limit estimate written out: S(t) = prod over event times u <= t of (1 - d_u / n_u)."""
    s, out = 1.0, {}
    for t in sorted(set(time)):
        n = sum(1 for x in time if x >= t)
        d = sum(1 for x, e in zip(time, event) if x == t and e)
        s *= 1 - d / n
        out[t] = s
    return out


def hand_logrank(time, event, group) -> float:
    """Two-group log-rank chi-square: (sum O - E)^2 / sum V over the distinct event times."""
    o_e, var = 0.0, 0.0
    for t in sorted(set(time[event == 1])):
        at = time >= t
        n, n1 = at.sum(), (at & (group == 1)).sum()
        d, d1 = ((time == t) & (event == 1)).sum(), ((time == t) & (event == 1) & (group == 1)).sum()
        o_e += d1 - d * n1 / n
        var += d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1) if n > 1 else 0.0
    return o_e ** 2 / var


def efron_loglik(beta, time, event, x) -> float:
    """Cox partial log-likelihood with Efron's tie correction, one covariate."""
    ll = 0.0
    for t in np.unique(time[event == 1]):
        dead = (time == t) & (event == 1)
        risk = np.exp(beta * x[time >= t]).sum()
        tied = np.exp(beta * x[dead])
        ll += beta * x[dead].sum() - sum(np.log(risk - k / dead.sum() * tied.sum()) for k in range(dead.sum()))
    return ll


def test_ttde_km_logrank_cox_against_hand_computations(pilot_adam, ttde):
    a, steps = ard(pilot_adam, "e_ttde"), ard(pilot_adam, "e_ttde_km")
    for arm in ARMS:
        d = ttde[ttde["TRTA"] == arm]
        km = hand_km(d["AVAL"].tolist(), (1 - d["CNSR"]).tolist())
        for t, s in km.items():
            assert value(steps, group1_level=arm, variable_level=f"{t:g}", stat_name="surv") == pytest.approx(s)
        assert value(a, group1_level=arm, variable_level="overall", stat_name="events") == (d["CNSR"] == 0).sum()
    for arm in ARMS[1:]:
        d = ttde[ttde["TRTA"].isin(["Placebo", arm])]
        time, event = d["AVAL"].to_numpy(float), 1 - d["CNSR"].to_numpy(int)
        x = (d["TRTA"] == arm).to_numpy(float)
        where = dict(group1="CONTRAST", group1_level=f"{arm} vs Placebo")
        assert value(a, variable_level="log-rank", stat_name="chi2", **where) == pytest.approx(
            hand_logrank(time, event, x), rel=1e-9)
        res = optimize.minimize_scalar(lambda b: -efron_loglik(b, time, event, x), bounds=(-5, 5), method="bounded",
                                       options={"xatol": 1e-10})
        assert value(a, variable_level="Cox", stat_name="log_hr", **where) == pytest.approx(res.x, abs=1e-6)


def test_ttde_median_and_rmst_are_present_or_not_estimable_with_a_reason(pilot_adam):
    a = ard(pilot_adam, "e_ttde")
    for arm in ARMS[1:]:
        assert value(a, group1="ARM", group1_level=arm, variable_level="median", stat_name="estimate") > 0
    assert (a["group1"].eq("NOTE") & a["group1_level"].eq("Placebo") & a["group2_level"].eq("median")).any()
    for arm in ARMS:
        assert value(a, group1="ARM", group1_level=arm, variable_level="rmst", stat_name="estimate") > 0
    table = pd.read_csv(pilot_adam / "analysis" / "tables" / "e_ttde.csv", keep_default_na=False)
    assert "NE" in table.iloc[:, 1:].to_numpy()
    note = (pilot_adam / "analysis" / "notes" / "e_ttde.txt").read_text()
    assert "stays above 50%" in note and "Efron" in note


def test_efficacy_section_in_the_report(pilot_adam):
    text = pdf_text(pilot_adam / "report" / "adam_report.pdf")
    assert "14.2 Efficacy" in text
    for number in ("Table 14.2.1", "Table 14.2.5", "Figure 14.2.6"):      # reading order: the KM figure after its table
        assert number in text
    assert "row mean scores (table scores: the AVAL values 2, 3, 4, 5, 6" in " ".join(text.split())
    assert "Record accounting of the efficacy analyses" in text
    files = pd.read_csv(pilot_adam / "analysis" / "listings" / "input_files.csv", keep_default_na=False)
    assert set(files.loc[files["Used"] == "yes", "Dataset"]) >= {"ADCIBC", "ADTTE"}
