"""Rules closed_profiles and review_profiles: patient profiles and narratives of the subjects the
narrative rule selects (one job per report; a timeline figure per subject)."""
import json
from pathlib import Path

from trialstats.adam.unblind import received_arm
from trialstats.figures.common import save_figure
from trialstats.figures.profile import g_profile
from trialstats.io import read_datasets, write_csv
from trialstats.joblog import log_errors
from trialstats.ard.narratives import profile_files

sm = snakemake  # noqa: F821 (injected by snakemake)
with log_errors(sm.log[0]):   # the traceback of a failure into the rule's log
    adam = read_datasets(sm.input.adam, {"adsl", "adae", "adlb", "adex"})
    sdtm = read_datasets(sm.input.sdtm, {"cm", "mh"})      # ADaM here has no ADCM or ADMH
    adsl = adam["adsl"]
    if sm.params.arm_column:                  # by the arm received, labelled as the closed outputs label it
        coding = json.loads(Path(sm.input.adam, "arms.json").read_text())
        adsl = adsl.assign(ARM_=received_arm(adsl, sm.params.arm_column, coding))
    files, timelines = profile_files(adsl, adam["adae"], adam.get("adlb"), adam["adex"], sdtm.get("cm"), sdtm.get("mh"),
                                     sm.params.aesi, sm.params.arm_column, sm.wildcards.cut,
                                     sm.params.regimen_word)
    out = Path(sm.output.folder)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    for name, frame in files.items():
        write_csv(frame, out / name)
    for subject, records in timelines.items():
        save_figure(g_profile(subject, **records), out / "figures" / f"{subject}.png",
                    f"Patient profile {subject}")
    Path(sm.log[0]).write_text(f"{len(timelines)} profiles\n")
