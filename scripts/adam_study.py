"""Rule adam_study: every table, listing and figure of a study given as an ADaM folder
(config adam_studies), checked first; the files of the folder it does not use are listed."""
from pathlib import Path

import pandas as pd

from trialstats.adam.efficacy_config import efficacy_stems
from trialstats.adam.inputs import check_study_config, load_adam_folder
from trialstats.figures.adam_efficacy import efficacy_figures
from trialstats.figures.common import formats, save_figure
from trialstats.figures.safety import safety_figures
from trialstats.joblog import log_errors
from trialstats.io import write_csv
from trialstats.tables.adam_efficacy import run_efficacy
from trialstats.tables.adam_route import arm_codes, run_adam_study

sm = snakemake  # noqa: F821 (injected by snakemake)
with log_errors(sm.log[0]):   # the traceback of a failure into the rule's log
    cfg = sm.params.study
    data = load_adam_folder(cfg["folder"], cfg.get("datasets"), cfg["arm"], efficacy_stems(cfg))
    check_study_config(data.datasets, cfg, sm.params.where)
    results = run_adam_study(data.datasets, cfg)
    efficacy = run_efficacy(data.datasets, cfg, data.files)
    results.update(efficacy.frames)
    out = Path(sm.output.folder)
    for sub in ("ard", "tables", "listings", "figures", "notes"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    for eid, text in efficacy.notes.items():
        (out / "notes" / f"{eid}.txt").write_text(text + "\n")
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
    figures = {**efficacy_figures(efficacy.km),
               **safety_figures(results, cfg.get("control"), arm_codes(data.datasets, cfg))}
    for fid, make in figures.items():
        save_figure(make(), formats(out / "figures" / fid, sm.params.figure_formats), fid)
    Path(sm.log[0]).write_text("\n".join(f"{k}: {len(v)} rows" for k, v in results.items() if not isinstance(v, str))
                               + "\n")
