"""The DMC safety displays of the default run (KM, exposure-adjusted incidence, AEs by infusion,
withdrawal / liver / SAE listings) recomputed here from the run's ADaM with plain pandas and numpy:
a hand-written product-limit estimator and log-rank test (not statsmodels), the chi-square form of
the exact Poisson interval, and the infusion attribution by a loop over the records."""
import re

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2, norm

pytestmark = pytest.mark.workflow
CLOSED = "results/nct02302599/2018-12-31/closed"
REVIEW = "results/nct06495437/2026-03-31/review"
RAW_NAMES = {"USUBJID", "AEBODSYS", "AEDECOD", "AETERM", "AREL", "AEREL", "ASTDTF", "ASTDT", "ASTDY", "AESEV", "AESER",
             "AEOUT", "AEACN", "ARM_", "TRTEMFL", "PARAMCD", "AVAL", "ADY", "ANRHI", "HYPOLVL"}


@pytest.fixture(scope="module")
def run(built):
    adam = {n: pd.read_parquet(built / CLOSED / "adam" / f"{n}.parquet")
            for n in ("adsl", "adae", "adlb", "advs", "adex")}
    adsl = adam["adsl"][adam["adsl"]["SAFFL"] == "Y"].assign(ARM=lambda d: d["TRTCODE"].astype(str))
    arm = adsl.set_index("USUBJID")["ARM"]
    adae = adam["adae"][(adam["adae"]["TRTEMFL"] == "Y") & adam["adae"]["USUBJID"].isin(arm.index)].copy()
    adae["ARM"] = adae["USUBJID"].map(arm)
    safety = built / CLOSED / "safety"
    read = lambda sub, name: pd.read_csv(safety / sub / f"{name}.csv", dtype=str, keep_default_na=False)  # noqa: E731
    return dict(adam=adam, adsl=adsl, adae=adae, read=read, safety=safety, root=built)


def end_of_observation(adam, adsl) -> pd.Series:
    dates = [adam["adae"][["USUBJID", "ASTDT"]].set_axis(["USUBJID", "DT"], axis=1),
             adam["adae"][["USUBJID", "AENDT"]].set_axis(["USUBJID", "DT"], axis=1),
             adam["adex"][["USUBJID", "ASTDT"]].set_axis(["USUBJID", "DT"], axis=1),
             adam["adlb"][["USUBJID", "ADT"]].set_axis(["USUBJID", "DT"], axis=1),
             adam["advs"][["USUBJID", "ADT"]].set_axis(["USUBJID", "DT"], axis=1)]
    last = pd.concat(dates).assign(USUBJID=lambda d: d["USUBJID"].astype(str)).groupby("USUBJID")["DT"].max()
    eos = adsl.set_index("USUBJID")["EOSDT"]
    return eos.fillna(last.reindex(eos.index))


def times(adsl, first: pd.Series, end: pd.Series) -> pd.DataFrame:
    s = adsl.set_index("USUBJID")
    stop = first.reindex(s.index).fillna(end)
    return pd.DataFrame({"ARM": s["ARM"], "TIME": (stop - s["TRTSDT"]).dt.days + 1,
                         "EVENT": first.reindex(s.index).notna().astype(int)})


def endpoints(run):
    adsl, adae = run["adsl"], run["adae"]
    end = end_of_observation(run["adam"], adsl)
    aesi = adae[adae.filter(regex=r"^CQ\d+NAM$").notna().any(axis=1)]
    stopped = adsl[adsl["EOSSTT"] == "DISCONTINUED"].set_index("USUBJID")["EOSDT"]
    return {"First serious TEAE": times(adsl, adae[adae["AESER"] == "Y"].groupby("USUBJID")["ASTDT"].min(), end),
            "First AESI": times(adsl, aesi.groupby("USUBJID")["ASTDT"].min(), end),
            "Study discontinuation": times(adsl, stopped, end)}


def product_limit(time, event, t):
    """S(t), its log(-log) 95% limits (Greenwood) and the number at risk, by hand."""
    surv, greenwood = 1.0, 0.0
    for u in np.unique(time[(event == 1) & (time <= t)]):
        n, d = (time >= u).sum(), ((time == u) & (event == 1)).sum()
        surv *= 1 - d / n
        greenwood += d / (n * (n - d)) if n > d else np.inf
    if surv in (0.0, 1.0):
        lower = upper = surv
    else:
        se = np.sqrt(greenwood) / abs(np.log(surv))
        z = norm.ppf(0.975)
        lower, upper = surv ** np.exp(z * se), surv ** np.exp(-z * se)
    return surv, lower, upper, int((time >= t).sum())


def logrank_p(d: pd.DataFrame) -> float:
    """Two-group log-rank chi-square (observed minus expected in the first group, hypergeometric variance)."""
    groups = sorted(d["ARM"].unique())
    o_e = var = 0.0
    for u in np.unique(d.loc[d["EVENT"] == 1, "TIME"]):
        at = d[d["TIME"] >= u]
        n, n1 = len(at), (at["ARM"] == groups[0]).sum()
        dd = ((at["TIME"] == u) & (at["EVENT"] == 1)).sum()
        d1 = ((at["TIME"] == u) & (at["EVENT"] == 1) & (at["ARM"] == groups[0])).sum()
        o_e += d1 - dd * n1 / n
        var += dd * (n1 / n) * (1 - n1 / n) * (n - dd) / (n - 1) if n > 1 else 0
    return float(chi2.sf(o_e ** 2 / var, 1))


def test_kaplan_meier_matches_a_hand_product_limit(run):
    ard = run["read"]("ard", "t_14_3_12")
    ard["stat"] = ard["stat"].astype(float)
    stat = ard.set_index(["variable", "group1_level", "variable_level", "stat_name"])["stat"]
    checked = 0
    for name, d in endpoints(run).items():
        for arm, g in d.groupby("ARM"):
            assert stat[(name, arm, "overall", "N")] == len(g)
            assert stat[(name, arm, "overall", "events")] == g["EVENT"].sum()
            for level in ard.loc[(ard["variable"] == name) & (ard["group2"] == "WEEK"), "variable_level"].unique():
                t = 7 * int(level.split()[1]) + 1
                surv, lower, upper, at_risk = product_limit(g["TIME"].to_numpy(), g["EVENT"].to_numpy(), t)
                assert stat[(name, arm, level, "n_risk")] == at_risk, (name, arm, level)
                assert stat[(name, arm, level, "surv")] == pytest.approx(surv, abs=1e-9)
                assert stat[(name, arm, level, "lower")] == pytest.approx(lower, abs=1e-6)
                assert stat[(name, arm, level, "upper")] == pytest.approx(upper, abs=1e-6)
                checked += 1
        assert stat[(name, "log-rank", "overall", "p")] == pytest.approx(logrank_p(d), rel=1e-6)
    assert checked >= 30
    table = run["read"]("tables", "t_14_3_12")
    assert "Log-rank p" in table and any(c.startswith("A (N=45)") for c in table.columns)
    assert list(table.columns).index("A (N=45): n") < list(table.columns).index("B (N=45): n")   # control last


def test_exposure_adjusted_rates_and_exact_poisson_limits(run):
    adsl, adae = run["adsl"], run["adae"]
    end = end_of_observation(run["adam"], adsl)
    ard = run["read"]("ard", "t_14_3_13")
    ard["stat"] = ard["stat"].astype(float)
    stat = ard.set_index(["group2_level", "variable_level", "group1_level", "stat_name"])["stat"]
    aesi = adae.filter(regex=r"^CQ\d+NAM$").notna().any(axis=1)
    rows = {("", "Any TEAE"): adae, ("", "Serious TEAE"): adae[adae["AESER"] == "Y"],
            ("", "Related TEAE"): adae[adae["AREL"] == "RELATED"], ("", "Any AESI"): adae[aesi]}
    rows.update({(soc, pt): g for (soc, pt), g in adae.groupby(["AEBODSYS", "AEDECOD"])})
    for key, sel in rows.items():
        d = times(adsl, sel.groupby("USUBJID")["ASTDT"].min(), end)
        for arm, g in d.groupby("ARM"):
            n, py = g["EVENT"].sum(), g["TIME"].sum() / 365.25
            assert stat[(*key, arm, "n")] == n and stat[(*key, arm, "py")] == pytest.approx(py, rel=1e-12)
            assert stat[(*key, arm, "rate")] == pytest.approx(100 * n / py, rel=1e-12)
            lower = chi2.ppf(0.025, 2 * n) / 2 / py * 100 if n else 0.0
            assert stat[(*key, arm, "lower")] == pytest.approx(lower, rel=1e-9, abs=1e-12), key
            assert stat[(*key, arm, "upper")] == pytest.approx(chi2.ppf(0.975, 2 * n + 2) / 2 / py * 100, rel=1e-9)
    cell = run["read"]("tables", "t_14_3_13").set_index("Category").loc["Serious TEAE", "A (N=45)"]
    assert re.fullmatch(r"1 / \d+\.\d: \d+\.\d \(\d+\.\d, \d+\.\d\)", cell), cell


def test_each_teae_attributed_to_the_latest_infusion_on_or_before_onset(run):
    """Counted within days 0-7 of that infusion (the widest window of protocol reactions), later ones apart."""
    adsl, adae, adex = run["adsl"], run["adae"], run["adam"]["adex"]
    infusions = {s: g.sort_values("ASTDT")[["ASTDT", "INFNUM"]].to_numpy() for s, g in adex.groupby("USUBJID")}
    k, days = [], []
    for s, onset in zip(adae["USUBJID"], adae["ASTDT"]):
        given = [(when, num) for when, num in infusions.get(s, []) if when <= onset]
        k.append(given[-1][1] if given else np.nan)
        days.append((onset - given[-1][0]).days if given else np.nan)
    adae = adae.assign(K=k, DAYS=days).dropna(subset=["K"])
    later, adae = adae[adae["DAYS"] > 7], adae[adae["DAYS"] <= 7]
    received = adex[adex["USUBJID"].isin(adsl["USUBJID"])].assign(
        ARM=lambda d: d["USUBJID"].map(adsl.set_index("USUBJID")["ARM"])
    ).groupby(["ARM", "INFNUM"])["USUBJID"].nunique()
    ard = run["read"]("ard", "t_14_3_14")
    ard["stat"] = ard["stat"].astype(float)
    stat = ard.set_index(["variable_level", "group2_level", "group1_level", "stat_name"])["stat"]
    unattributed = ard[ard["group2_level"] == "-"]
    any_teae = ard[(ard["variable_level"] == "Any TEAE") & (ard["stat_name"] == "events")]["stat"].sum()
    assert any_teae + unattributed.loc[unattributed["stat_name"] == "events", "stat"].sum() == len(run["adae"])
    outside = stat.xs("TEAEs with an onset after day 7 of the latest infusion", level="variable_level")
    for arm, g in later.groupby("ARM"):
        assert outside[("-", arm, "events")] == len(g) and outside[("-", arm, "n")] == g["USUBJID"].nunique()
    ard = ard[ard["group2_level"] != "-"]
    pts = [p for p in ard["variable_level"].unique() if p != "Any TEAE"]
    subjects = adae.groupby("AEDECOD")["USUBJID"].nunique().sort_values(ascending=False)
    assert len(pts) == min(10, len(subjects)) and set(pts) <= set(subjects.index)
    assert min(subjects[pts]) >= subjects.drop(pts).to_numpy().max(initial=0)   # the most frequent PTs
    for level in ["Any TEAE"] + pts:
        sel = adae if level == "Any TEAE" else adae[adae["AEDECOD"] == level]
        for (arm, num), big_n in received.items():
            g = sel[(sel["ARM"] == arm) & (sel["K"] == num)]
            key = (level, str(num), arm)
            assert stat[(*key, "N")] == big_n and stat[(*key, "n")] == g["USUBJID"].nunique(), key
            assert stat[(*key, "events")] == len(g), key
    table = run["read"]("tables", "t_14_3_14")
    assert not table.drop(columns=["Category"]).apply(lambda c: c.str.contains(r"\d\.0/|\[\d+\.0\]")).any().any()


def test_withdrawal_listing_has_every_withdrawn_ae_and_the_rash(run):
    adsl, adae = run["adsl"], run["adae"]
    listing = run["read"]("listings", "l_16_2_5")
    listed = set(zip(listing["Subject"], listing["Preferred term"]))
    action = (adae["AEACN"].fillna("").str.contains("DRUG WITHDRAWN")
              | adae["AEACNOTH"].fillna("").str.contains("WITHDRAWN"))
    assert set(zip(adae.loc[action, "USUBJID"], adae.loc[action, "AEDECOD"])) <= listed
    stopped = set(adsl.loc[adsl["DCSREAS"] == "ADVERSE EVENT", "USUBJID"])
    assert stopped and stopped <= set(listing["Subject"])
    rash = adae[adae["USUBJID"].isin(stopped) & (adae["AEDECOD"] == "Rash")]
    assert len(rash) and set(zip(rash["USUBJID"], rash["AEDECOD"])) <= listed
    overview = run["read"]("tables", "t_14_3_1").set_index("Category")
    assert int(overview.loc["TEAE leading to withdrawal", "A (N=45)"].split()[0]) == \
        listing.loc[listing["Arm"] == "A", "Subject"].nunique()


def test_liver_listing_has_exactly_the_subjects_at_3_x_uln(run):
    lb = run["adam"]["adlb"]
    lb = lb[lb["USUBJID"].isin(run["adsl"]["USUBJID"]) & (lb["ADY"] >= 1).fillna(False).astype(bool)
            & (lb["ANL01FL"] == "Y").fillna(False).astype(bool) & (lb["ABLFL"].fillna("") != "Y")]
    liver = lb[lb["PARAMCD"].isin(["ALT", "AST"])]
    peak = (liver["AVAL"] / liver["ANRHI"]).groupby(liver["USUBJID"]).max()
    listing = run["read"]("listings", "l_16_2_6")
    assert set(listing["Subject"]) == set(peak[peak >= 3].index) and len(listing)
    for subject in set(listing["Subject"]):
        mine = run["adam"]["adlb"]
        mine = mine[(mine["USUBJID"] == subject) & mine["PARAMCD"].isin(["ALT", "AST", "BILI"])
                    & ((mine["ANL01FL"] == "Y") | (mine["ABLFL"] == "Y"))]
        assert (listing["Subject"] == subject).sum() == len(mine)
    flagged = listing[listing[">= 3 x ULN"] == "Yes"]
    assert (flagged["x ULN"].astype(float) >= 3).all() and len(flagged)


def test_listings_read_as_words_not_variables(run):
    adae = run["adae"]
    sae = run["read"]("listings", "l_16_2_1")
    overview = run["read"]("tables", "t_14_3_1").set_index("Category")
    events = sum(int(re.search(r"\[(\d+)\]", overview.loc["Serious TEAE", c]).group(1))
                 for c in overview.columns if c.startswith(("A (", "B (")))
    assert len(sae) == events == (adae["AESER"] == "Y").sum()
    assert list(sae.columns[:6]) == ["Arm", "Subject", "Age", "Sex", "System organ class", "Preferred term"]
    assert {"Onset day", "Days since last infusion", "Severity", "Relationship", "Outcome", "Action taken"} <= set(sae)
    for name in ("l_16_2_1", "l_16_2_2", "l_16_2_3", "l_16_2_5", "l_16_2_6"):
        frame = run["read"]("listings", name)
        assert not set(frame.columns) & RAW_NAMES, name
        values = set(frame.to_numpy().ravel())
        assert not values & {"True", "False", "nan", "NaN", "<NA>", "None"}, name
        assert not frame["Age"].str.contains(r"\.").any() if "Age" in frame else True


def test_new_figures_and_the_single_arm_review(run):
    for fid in ("f_14_3_12", "f_14_3_15", "f_14_3_16"):
        assert (run["safety"] / "figures" / f"{fid}.png").stat().st_size > 10_000
    review = run["root"] / REVIEW / "safety"
    km = pd.read_csv(review / "ard/t_14_3_12.csv", keep_default_na=False)
    assert set(km["group1"]) == {"ARM"}                      # one arm: no log-rank test
    for name in ("tables/t_14_3_13.csv", "tables/t_14_3_14.csv", "listings/l_16_2_5.csv", "listings/l_16_2_6.csv",
                 "figures/f_14_3_12.png", "figures/f_14_3_15.png"):
        assert (review / name).exists(), name
