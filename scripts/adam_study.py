"""Rule adam_study: every table, listing and figure of a study given as an ADaM folder
(config adam_studies), checked first; the files of the folder it does not use are listed."""
from pathlib import Path

import pandas as pd

from trialstats.adam.inputs import check_study_config, load_adam_folder
from trialstats.figures.common import save_figure
from trialstats.figures.safety import safety_figures
from trialstats.joblog import log_errors
from trialstats.io import write_csv
from trialstats.tables.adam_route import arm_codes, run_adam_study

sm = snakemake  # noqa: F821 (injected by snakemake)
with log_errors(sm.log[0]):   # the traceback of a failure into the rule's log
    cfg = sm.params.study
    data = load_adam_folder(cfg["folder"], cfg.get("datasets"), cfg["arm"])
    check_study_config(data.datasets, cfg, sm.params.where)
    results = run_adam_study(data.datasets, cfg)
    out = Path(sm.output.folder)
    for sub in ("ard", "tables", "listings", "figures"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    files = pd.DataFrame([{"File": Path(p).name, "Dataset": k.split(".")[0].upper(), "Used": "yes"}
                          for k, p in data.files.items() if k != "folder"]
                         + [{"File": name, "Dataset": "", "Used": "no: not an input of this report"}
                            for name in data.unused])
    results["listings/input_files"] = files
    for name, frame in results.items():
        if isinstance(frame, str):            # a footnote only the data can word
            (out / f"{name}.txt").write_text(frame + "\n")
        else:
            write_csv(frame, out / f"{name}.csv")
    for fid, make in safety_figures(results, cfg.get("control"), arm_codes(data.datasets, cfg)).items():
        for ext in ("png", "pdf"):
            save_figure(make(), out / "figures" / f"{fid}.{ext}", fid)
    Path(sm.log[0]).write_text("\n".join(f"{k}: {len(v)} rows" for k, v in results.items() if not isinstance(v, str))
                               + "\n")
