"""Start the pipeline from an ADaM folder it did not derive: the CDISC pilot (read in place)."""
import pandas as pd
import pytest
import yaml

from tests.conftest import ROOT, SHARED_REFERENCE
from tests.workflow.test_pipeline import project, snakemake  # noqa: F401 (fixture)

PILOT = SHARED_REFERENCE / "cdisc_pilot"
pytestmark = [pytest.mark.workflow,
              pytest.mark.skipif(not PILOT.exists(), reason=f"CDISC pilot ADaM not found at {PILOT} "
                                 "(../shared/reference is present in CI, not in a user's clone)")]


def test_safety_tables_from_the_cdisc_pilot_adam(project):
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["adam_studies"] = {"cdiscpilot": {"folder": str(PILOT), "arm": "TRT01A", "control": "Placebo",
                                             "datasets": {"adlb": "adlbc"}}}
    (project / "config.yaml").write_text(yaml.safe_dump(config))
    run = snakemake(project, "results/cdiscpilot/adam_safety")
    assert run.returncode == 0, run.stdout + run.stderr
    out = project / "results/cdiscpilot/adam_safety"
    overview = pd.read_csv(out / "tables/t_14_3_1.csv", keep_default_na=False).set_index("Category")
    assert list(overview.columns[:3]) == ["Placebo (N=86)", "Xanomeline High Dose (N=84)", "Xanomeline Low Dose (N=84)"]
    # independent count from the pilot's ADAE: subjects with a treatment-emergent AE, by actual arm
    adae = pd.read_csv(PILOT / "adae.csv")
    counts = adae[adae.TRTEMFL == "Y"].groupby("TRTA").USUBJID.nunique()
    assert overview.loc["Any TEAE", "Placebo (N=86)"].startswith(f"{counts['Placebo']} (")
    assert overview.loc["Any TEAE", "Xanomeline High Dose (N=84)"].startswith(f"{counts['Xanomeline High Dose']} (")
    soc_pt = pd.read_csv(out / "ard/t_14_3_2.csv")
    assert {"n", "N", "pct", "events", "p_fisher"} <= set(soc_pt.stat_name)
    assert (out / "figures/f_14_3_7.png").exists() and (out / "figures/f_14_3_10.png").exists()
    assert (out / "tables/t_14_3_10.csv").exists()        # Hy's-law screen from ADLBC (A1HI as ULN)
