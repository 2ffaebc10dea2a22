"""Rules closed_safety and review_safety: safety tables, listings and figures."""
from pathlib import Path

from trialstats.figures.common import save_figure
from trialstats.arms import arm_colours
from trialstats.figures.safety import (g_ae_dotplot, g_edish, g_lab_boxplots, g_lab_over_visits, g_liver_profiles,
                                       g_time_to_event)
from trialstats.io import read_datasets, write_csv
from trialstats.tables.safety import display_of, run_safety
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
                         sm.params.control, sm.params.dose_column, sm.params.aesi, sm.params.lab_panel)
    out = Path(sm.output.folder)
    for sub in ("ard", "tables", "listings", "figures"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    for name, frame in results.items():
        if name.startswith("data_"):          # the records behind a figure, not an output
            continue
        if name.startswith("ard_"):
            write_csv(frame, out / "ard" / f"{name[4:]}.csv")
            display = display_of(name[4:])
            if display is not None:
                write_csv(display(frame), out / "tables" / f"{name[4:]}.csv")
        else:
            write_csv(frame, out / "listings" / f"{name}.csv")
    figures = {"f_14_3_7": lambda: g_ae_dotplot(results["ard_t_14_3_2"], results.get("ard_f_14_3_7", results["ard_t_14_3_1"].iloc[0:0]),
                                                "Figure 14.3.7 TEAE incidence and risk difference (safety population)")}
    if "l_hys_law_peaks" in results:
        figures["f_14_3_10"] = lambda: g_edish(results["l_hys_law_peaks"], "Figure 14.3.10 eDISH: peak ALT and bilirubin")
        panel = results["l_lab_panel"]
        params = list(dict.fromkeys(panel.loc[panel["Records"] > 0, "Test"]))
        if params:   # no panel without an analyte
            figures["f_14_3_8"] = lambda: g_lab_over_visits(results["ard_t_14_3_8"], params, "Figure 14.3.8 Laboratory values by visit")
    if "ard_t_14_3_12" in results:            # the DMC displays (dosing dates known)
        arms = list(dict.fromkeys(results["ard_t_14_3_12"].query("group1 == 'ARM'")["group1_level"]))
        colours = arm_colours(arms, sm.params.control, {a: i for i, a in enumerate(arms)})
        figures["f_14_3_12"] = lambda: g_time_to_event(results["ard_f_14_3_12"], results["ard_t_14_3_12"], colours,
                                                       "Figure 14.3.12 Time to first serious TEAE, first AESI and "
                                                       "study discontinuation (Kaplan-Meier)")
        if "data_lab_records" in results:
            records = results["data_lab_records"]
            labels = records.drop_duplicates("PARAMCD").set_index("PARAMCD")["PARAM"].to_dict() if "PARAM" in records else {}
            figures["f_14_3_15"] = lambda: g_lab_boxplots(records, colours, "Figure 14.3.15 Liver and renal tests by "
                                                          "visit", labels)
            figures["f_14_3_16"] = lambda: g_liver_profiles(records, colours, "Figure 14.3.16 ALT and AST over "
                                                            "time, multiples of the upper limit of normal")
    for fid, make in figures.items():
        for ext in ("png", "pdf"):
            save_figure(make(), out / "figures" / f"{fid}.{ext}", fid)
    if sm.params.exploratory:   # single-arm exploratory glycaemic outcomes (review side)
        from trialstats.tables.exploratory import ard_exploratory, t_exploratory
        ex = ard_exploratory(adam["adeff"], adam["adsl"], sm.params.exploratory)
        write_csv(ex, out / "ard" / "t_14_2_e1.csv")
        names = adam["adeff"].drop_duplicates("PARAMCD").set_index("PARAMCD")["PARAM"].to_dict()
        write_csv(t_exploratory(ex, names), out / "tables" / "t_14_2_e1.csv")
    Path(sm.log[0]).write_text("\n".join(f"{k}: {len(v)} rows" for k, v in results.items()
                                         if not k.startswith("data_")) + "\n")
