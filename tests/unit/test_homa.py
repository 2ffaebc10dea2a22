"""HOMA indices on hand-computed values, both unit conventions (STUDIES.md formulas)."""
import numpy as np
import pytest

from trialstats.stats.homa import compute_homa


def test_c_peptide_form_with_ng_per_ml_converted_to_pmol_per_l():
    # FPG 9.0 mmol/L, C-peptide 2.0 ng/mL = 662 pmol/L (x 331):
    # HOMA-IR(CP) = 1.5 + 9.0 * 662 / 2800 = 1.5 + 2.127857 = 3.627857
    # HOMA-%B(CP) = 0.27 * 662 / (9.0 - 3.5) = 178.74 / 5.5 = 32.498182
    out = compute_homa([9.0], [2.0], "c-peptide", 331.0)   # the factor from the protocol's lab conversions
    assert out.HOMAIR[0] == pytest.approx(3.627857, abs=1e-6)
    assert out.HOMAB[0] == pytest.approx(32.498182, abs=1e-6)
    same = compute_homa([9.0], [662.0], "c-peptide")   # already in pmol/L
    assert same.HOMAIR[0] == pytest.approx(out.HOMAIR[0]) and same.HOMAB[0] == pytest.approx(out.HOMAB[0])


def test_insulin_form():
    # FPG 6.0 mmol/L, insulin 15 uU/mL: HOMA-IR = 6.0 * 15 / 22.5 = 4.0; %B = 20 * 15 / 2.5 = 120
    out = compute_homa([6.0], [15.0], "insulin")
    assert (out.HOMAIR[0], out.HOMAB[0]) == pytest.approx((4.0, 120.0))


@pytest.mark.parametrize("fpg", [3.5, 3.0])
def test_beta_cell_index_undefined_at_or_below_3_5_is_flagged_not_dropped(fpg):
    out = compute_homa([fpg, 6.0], [12.0, 12.0], "insulin")
    assert len(out) == 2 and np.isnan(out.HOMAB[0]) and bool(out.HOMAB_UNDEFINED[0])
    assert not out.HOMAB_UNDEFINED[1] and out.HOMAIR.notna().all()


def test_unknown_form_is_refused():
    with pytest.raises(ValueError, match="HOMA form"):
        compute_homa([6.0], [10.0], "glucose")
