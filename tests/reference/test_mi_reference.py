"""Multiple imputation under MAR against SAS on the antidepressant trial (DIA missing-data
working group; ../shared/reference/README.md: SAS "five macros", visit-7 PLACEBO - DRUG 2.795,
SE 1.114, df about 144, p about 0.013; "compare within a few hundredths")."""
import numpy as np
import pandas as pd
import pytest

from tests.conftest import SHARED_REFERENCE
from trialstats.stats.mi import impute_sequential, rubin

DATA = SHARED_REFERENCE / "mmrm_antidepressant_chapter15.csv"
pytestmark = pytest.mark.skipif(not DATA.exists(), reason=f"reference data not found at {DATA} "
                                "(../shared/reference is present in CI, not in a user's clone)")


def test_mi_ancova_visit_7_matches_sas():
    d = pd.read_csv(DATA)
    wide = d.pivot_table(index=["PATIENT", "THERAPY", "basval"], columns="VISIT", values="change").reset_index()
    wide.columns = [f"chg@{c}" if not isinstance(c, str) else c for c in wide.columns]
    imputed = impute_sequential(wide, ["chg"], [4, 5, 6, 7], ["basval"], "THERAPY", m=500, seed=2024)
    est, var = [], []
    for w in imputed:          # ANCOVA of visit-7 change on therapy and baseline
        x = np.column_stack([np.ones(len(w)), (w.THERAPY == "PLACEBO").astype(float), w.basval])
        y = w["chg@7"].to_numpy()
        beta, res, *_ = np.linalg.lstsq(x, y, rcond=None)
        sigma2 = res[0] / (len(y) - 3)
        est.append(beta[1])
        var.append(sigma2 * np.linalg.inv(x.T @ x)[1, 1])
    pooled = rubin(est, var, df_complete=len(wide) - 3)
    assert pooled.estimate == pytest.approx(2.795, abs=0.05)
    assert pooled.se == pytest.approx(1.114, abs=0.04)
    assert pooled.df == pytest.approx(144, abs=20)
    assert pooled.p == pytest.approx(0.013, abs=0.006)
