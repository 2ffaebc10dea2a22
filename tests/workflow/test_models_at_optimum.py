"""Every MMRM the pipeline fits is at the REML optimum: a second, deliberately simple
implementation (tests/support/dense_mmrm.py: dense per-subject likelihood, BFGS from several
starts) reaches no lower -2 log L (within 1e-4) and the same LS-mean differences (within 1e-4 of
the outcome's SD) as the ARDs of Tables 14.2.5-14.2.7, refitted from the closed ADaM."""
import pandas as pd
import pytest
import yaml

from tests.support.dense_mmrm import DenseREML
from trialstats.tables.secondary import MMRM_FORMULA, analysis_frame

pytestmark = pytest.mark.workflow


def mmrm_ards(folder):
    """(study, cut folder, protocol, {PARAMCD: ARD rows}) of every study whose protocol has MMRMs."""
    for protocol_file in sorted((folder / "data").glob("*/protocol.yaml")):
        protocol = yaml.safe_load(protocol_file.read_text())
        params = protocol.get("secondary", {}).get("mmrm", [])
        for cut in sorted((folder / "results" / protocol_file.parent.name).glob("*")):
            ards = cut / "closed" / "secondary" / "ard"
            if params and ards.exists():
                frame = pd.concat([pd.read_csv(f, keep_default_na=False)
                                   for f in sorted(ards.glob("t_14_2_[567].csv"))])
                yield protocol_file.parent.name, cut, protocol, {p: frame[frame.variable == p] for p in params}


def test_every_pipeline_mmrm_is_at_the_reml_optimum(built):
    checked, complete_first = [], []
    for study, cut, protocol, ards in mmrm_ards(built):
        adam = cut / "closed" / "adam"
        adsl, adeff = pd.read_parquet(adam / "adsl.parquet"), pd.read_parquet(adam / "adeff.parquet")
        visits = [v["name"] for v in protocol["visits"] if "window" in v]
        for paramcd, ard in ards.items():
            contrast = ard[ard.variable_level == "difference"]
            active, control = contrast.group1_level.iloc[0].split(" - ")
            d = analysis_frame(adeff, adsl, paramcd, "TRTCODE", visits).dropna(subset=["CHG", "BASE"])
            d["TRT"] = pd.Categorical(d["TRT"], categories=[control, active])
            d["AVISIT"] = d["AVISIT"].cat.remove_unused_categories()
            conv = ard[ard.variable_level == "convergence"].set_index("stat_name")["stat"].astype(float)
            assert conv["converged"] == 1 and conv["hessian_pd"] == 1, (study, paramcd)
            dense = DenseREML(d, MMRM_FORMULA, "USUBJID", "AVISIT")
            m2ll, _, beta = dense.fit()
            assert conv["m2ll"] <= m2ll + 1e-4, (study, paramcd, conv["m2ll"], m2ll)
            sd = d["CHG"].std()
            for visit in d["AVISIT"].cat.categories:
                got = float(contrast[(contrast.group2_level == visit)
                                     & (contrast.stat_name == "estimate")].stat.iloc[0])
                want = dense.difference(beta, "TRT", active, control, "AVISIT", visit, {"BASE": d["BASE"].mean()})
                assert abs(got - want) <= 1e-4 * sd, (study, paramcd, visit, got, want)
            # a visit every subject has: the GLS estimate there is OLS on that visit alone (same
            # regressors at every visit), so its df is exactly n - 3 (e.g. insulin at week 4)
            first = d["AVISIT"].cat.categories[0]
            if (d["AVISIT"] == first).sum() == d["USUBJID"].nunique():
                df = float(contrast[(contrast.group2_level == first) & (contrast.stat_name == "df")].stat.iloc[0])
                assert df == pytest.approx(d["USUBJID"].nunique() - 3, abs=0.01), (study, paramcd, df)
                complete_first.append(paramcd)
            checked.append((study, paramcd))
    assert len(checked) >= 5, checked       # study 1: HbA1c, insulin, glucose, C-peptide, weight
    assert "INSDOSKG" in complete_first, complete_first
