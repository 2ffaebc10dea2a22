"""Rules closed_safety and review_safety: safety tables, listings and figures."""
from pathlib import Path

from trialstats.figures.common import save_figure
from trialstats.arms import arm_colours
from trialstats.figures.safety import (g_ae_dotplot, g_edish, g_lab_boxplots, g_lab_over_visits, g_liver_profiles,
                                       g_time_to_event)
from trialstats.io import read_datasets, write_csv
from trialstats.tables.format import readable_visits, visit_label
from trialstats.tables.safety import display_context, display_of, exposure_note, run_safety
from trialstats.joblog import log_errors

sm = snakemake  # noqa: F821 (injected by snakemake)
with log_errors(sm.log[0]):   # the traceback of a failure into the rule's log
    adam = read_datasets(sm.input.adam, {"adsl", "adae", "adlb", "advs", "adex"} | (
        {"adeff"} if sm.params.exploratory else set()))
    if sm.params.arm_column is None:          # single arm: the treatment is the one arm
        for name in ("adsl", "adae", "adlb", "advs", "adex"):
            adam[name] = adam[name].assign(TRT01A=sm.params.treatment)
        arm = "TRT01A"
    else:
        arm = sm.params.arm_column
    results = run_safety(adam["adsl"], adam["adae"], adam.get("adlb"), adam.get("advs"), adam.get("adex"), arm,
                         sm.params.control, sm.params.dose_column, sm.params.aesi, sm.params.lab_panel,
                         dose_unit=sm.params.dose_unit)
    context = display_context(adam["adsl"], arm, [adam.get("adlb"), adam.get("advs")], sm.params.dose_label)
    out = Path(sm.output.folder)
    single_arm = sm.params.arm_column is None    # the review report numbers its outputs itself
    for sub in ("ard", "tables", "listings", "figures"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    for name, frame in results.items():
        if name.startswith("data_"):          # the records behind a figure, not an output
            continue
        if name.startswith("ard_"):
            write_csv(frame, out / "ard" / f"{name[4:]}.csv")
            display = display_of(name[4:], **context)
            if display is not None:   # one arm: no Arm column (the same name on every row)
                table = display(frame)
                write_csv(table.drop(columns="Arm", errors="ignore") if single_arm else table,
                          out / "tables" / f"{name[4:]}.csv")
        else:   # the summary reads l_hys_law_peaks by arm
            keep = not single_arm or name == "l_hys_law_peaks"
            if "Visit" in frame:              # WEEK 4 -> Week 4
                frame = frame.assign(Visit=frame["Visit"].map(visit_label))
            write_csv(frame if keep else frame.drop(columns="Arm", errors="ignore"), out / "listings" / f"{name}.csv")
    (out / "tables" / "t_14_1_5_footnote.txt").write_text(exposure_note(sm.params.dose_label) + "\n")
    number = (lambda fid: "") if single_arm else (lambda fid: f"Figure {fid[2:].replace('_', '.')} ")  # noqa: E731
    figures = {"f_14_3_7": lambda: g_ae_dotplot(results["ard_t_14_3_2"], results.get("ard_f_14_3_7", results["ard_t_14_3_1"].iloc[0:0]),
                                                number("f_14_3_7") + "TEAE incidence" + (" and risk difference" if sm.params.control else "")
                                                + " (safety population)",
                                                control=sm.params.control)}
    if "l_hys_law_peaks" in results:
        figures["f_14_3_10"] = lambda: g_edish(results["l_hys_law_peaks"], number("f_14_3_10") + "eDISH: peak ALT and bilirubin",
                                               control=sm.params.control)
        panel = results["l_lab_panel"]
        params = list(dict.fromkeys(panel.loc[panel["Records"] > 0, "Test"]))
        names = adam["adlb"].drop_duplicates("PARAMCD").set_index("PARAMCD")["PARAM"].to_dict()   # panel titles
        if params:   # no panel without an analyte
            figures["f_14_3_8"] = lambda: g_lab_over_visits(results["ard_t_14_3_8"], params, number("f_14_3_8") + "Laboratory values by visit",
                                                            names, control=sm.params.control)
    if "ard_t_14_3_12" in results:            # the DMC displays (dosing dates known)
        arms = list(dict.fromkeys(results["ard_t_14_3_12"].query("group1 == 'ARM'")["group1_level"]))
        colours = arm_colours(arms, sm.params.control, {a: i for i, a in enumerate(arms)})
        figures["f_14_3_12"] = lambda: g_time_to_event(results["ard_f_14_3_12"], results["ard_t_14_3_12"], colours,
                                                       number("f_14_3_12") + "Time to first serious TEAE, first AESI and "
                                                       "study discontinuation (Kaplan-Meier)")
        if "data_lab_records" in results:
            records = results["data_lab_records"]
            labels = records.drop_duplicates("PARAMCD").set_index("PARAMCD")["PARAM"].to_dict() if "PARAM" in records else {}
            figures["f_14_3_15"] = lambda: g_lab_boxplots(records, colours, number("f_14_3_15") + "Liver and renal tests by "
                                                          "visit", labels)
            figures["f_14_3_16"] = lambda: g_liver_profiles(records, colours, number("f_14_3_16") + "ALT and AST over "
                                                            "time, multiples of the upper limit of normal")
    for fid, make in figures.items():
        for ext in ("png", "pdf"):
            save_figure(make(), out / "figures" / f"{fid}.{ext}", fid)
    if sm.params.exploratory:   # single-arm exploratory glycaemic outcomes (review side)
        from trialstats.tables.exploratory import ard_exploratory, t_exploratory
        ex = ard_exploratory(adam["adeff"], adam["adsl"], sm.params.exploratory)
        write_csv(ex, out / "ard" / "t_14_2_e1.csv")
        names = adam["adeff"].drop_duplicates("PARAMCD").set_index("PARAMCD")["PARAM"].to_dict()
        write_csv(readable_visits(t_exploratory(ex, names)), out / "tables" / "t_14_2_e1.csv")
    Path(sm.log[0]).write_text("\n".join(f"{k}: {len(v)} rows" for k, v in results.items()
                                         if not k.startswith("data_")) + "\n")
