"""The report of a study given as an ADaM folder (config adam_studies): the same typst
machinery as the DMC reports (title page, outline, numbered outputs with population, footnotes
and source, Page X of Y, provenance), its outputs read from results/<study>/analysis/.

The laboratory outputs follow the data: one summary table, one figure and one shift table per
laboratory category (PARCAT1) with tabulated analytes; parameters not tabulated are listed with
the reason in an appendix.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .catalog import Output

BASE = "analysis"
SAFETY = "Safety (SAFFL = Y), by actual arm"


def _o(id_, number, title, population, path, kind="table", footnote="", source=""):
    return Output(id_, number, title, population, f"{BASE}/{path}", kind, footnote, source)


def lab_categories(root: Path) -> list[str]:
    """The laboratory categories, in the order of the outputs (k = 1, 2, ...; as lab_categories)."""
    path = root / BASE / "listings" / "l_lab_parameters.csv"
    if not path.exists():
        return []
    return list(dict.fromkeys(pd.read_csv(path, dtype=str, keep_default_na=False)["CATEGORY"]))


def adam_sections(root: Path, cfg: dict, population: str, tests: dict) -> list:
    """[(section title, [Output])] of the ADaM-route report, from what results/<study>/analysis holds."""
    control = cfg.get("control")
    fisher = (f"p: Fisher's exact test of each arm against {control}." if control
              else "No between-arm test (no control arm named).")
    test_note = "; ".join(f"{kind}: {name}" for kind, name in tests.items() if name) or "none requested"
    subjects = [
        _o("t_14_1_1", "Table 14.1.1", "Analysis populations by planned arm", "All subjects with a planned arm",
           "tables/t_14_1_1.csv", footnote="n (%) of the subjects of each arm; flags as recorded in ADSL.", source="ADSL"),
        _o("t_14_1_2", "Table 14.1.2", "Disposition by planned arm", "All subjects with a planned arm",
           "tables/t_14_1_2.csv", footnote="End-of-study status (EOSSTT) and reason for discontinuation.", source="ADSL"),
        _o("t_14_1_4", "Table 14.1.4", "Demographics and baseline characteristics by planned arm", population,
           "tables/t_14_1_4.csv", footnote=f"Between-arm tests over all arms ({test_note}).", source="ADSL"),
    ]
    ae_note = "n (%) [events]; " + fisher
    safety = [
        _o("t_14_3_1", "Table 14.3.1", "Adverse event overview by actual arm", SAFETY, "tables/t_14_3_1.csv",
           footnote=ae_note, source="ADAE, ADSL"),
        _o("t_14_3_2", "Table 14.3.2", "TEAEs by SOC and PT", SAFETY, "tables/t_14_3_2.csv",
           footnote="Subjects counted once per SOC and PT; events per record. " + fisher, source="ADAE"),
        _o("t_14_3_3", "Table 14.3.3", "TEAEs by maximum severity", SAFETY, "tables/t_14_3_3.csv",
           footnote="Each subject counted once, at the most severe of their TEAEs.", source="ADAE"),
        _o("t_14_3_4", "Table 14.3.4", "Treatment-related TEAEs", SAFETY, "tables/t_14_3_4.csv",
           footnote="Related: relationship recorded as related, possibly, probably or definitely related. " + fisher,
           source="ADAE"),
        _o("t_14_3_5", "Table 14.3.5", "Serious TEAEs", SAFETY, "tables/t_14_3_5.csv", footnote=fisher, source="ADAE"),
        _o("t_14_3_6", "Table 14.3.6", "Adverse events of special interest (ADAE customised queries)", SAFETY,
           "tables/t_14_3_6.csv", footnote="Categories as named in ADAE CQnnNAM. " + fisher, source="ADAE"),
    ]
    if (root / BASE / "figures" / "f_14_3_7.png").exists():
        safety.append(_o("f_14_3_7", "Figure 14.3.7", "AE dot plot: incidence and risk difference", SAFETY,
                         "figures/f_14_3_7.png", "figure", "The 20 most frequent PTs; Miettinen-Nurminen 95% CI.",
                         "ADAE"))
    labs = []
    for k, category in enumerate(lab_categories(root), 1):
        labs += [
            _o(f"t_14_3_8_{k}", f"Table 14.3.8.{k}", f"Laboratory values and change from baseline by visit: {category}",
               SAFETY, f"tables/t_14_3_8_{k}.csv", footnote="Records with an analysis visit (AVISIT), visits in "
               "the order of AVISITN. Min and max at the decimals of the data (at most 2); mean, SD and median at one "
               "more.", source="ADLB"),
        ] + ([
            _o(f"f_14_3_8_{k}", f"Figure 14.3.8.{k}", f"Laboratory values by visit: {category}", SAFETY,
               f"figures/f_14_3_8_{k}.png", "figure", "Mean and SD by visit and arm.", "ADLB"),
        ] if (root / BASE / "figures" / f"f_14_3_8_{k}.png").exists() else []) + [
            _o(f"t_14_3_9_{k}", f"Table 14.3.9.{k}", f"Laboratory shifts, baseline vs worst post-baseline: {category}",
               SAFETY, f"tables/t_14_3_9_{k}.csv", footnote="Subjects with a baseline and a post-baseline range "
               "category (on or after the first dose, scheduled or not); worst: HIGH if any high, else LOW if any low, "
               "else NORMAL. CMH general association across arms, stratified by baseline.", source="ADLB"),
        ]
    if not labs and (root / BASE / "tables" / "t_14_3_8.csv").exists():      # labs given, no analyte
        labs.append(_o("t_14_3_8", "Table 14.3.8", "Laboratory values by visit", SAFETY, "tables/t_14_3_8.csv",
                       source="ADLB"))
    if (root / BASE / "tables" / "t_14_3_10.csv").exists():
        labs.append(_o("t_14_3_10", "Table 14.3.10", "Hy's-law screen", SAFETY, "tables/t_14_3_10.csv",
                       footnote="Peak post-baseline values as multiples of the upper limit of normal (ANRHI or "
                       "A1HI), scheduled and unscheduled. " + fisher, source="ADLB"))
    if (root / BASE / "figures" / "f_14_3_10.png").exists():
        labs.append(_o("f_14_3_10", "Figure 14.3.10", "eDISH: peak ALT vs peak bilirubin", SAFETY,
                       "figures/f_14_3_10.png", "figure", source="ADLB"))
    if (root / BASE / "tables" / "t_14_3_11.csv").exists():
        labs.append(_o("t_14_3_11", "Table 14.3.11", "Vital signs by visit", SAFETY, "tables/t_14_3_11.csv",
                       source="ADVS"))
    listings = [
        _o("l_16_2_1", "Listing 16.2.1", "Serious adverse events", SAFETY, "listings/l_16_2_1.csv", "listing",
           source="ADAE"),
        _o("l_16_2_2", "Listing 16.2.2", "Deaths", SAFETY, "listings/l_16_2_2.csv", "listing", source="ADSL, ADAE"),
    ]
    out = [("14.1 Subjects", subjects), ("14.3 Safety: adverse events", safety)]
    if labs:
        out.append(("14.3 Safety: laboratory" + (" and vital signs" if "t_14_3_11" in {o.id for o in labs} else ""),
                    labs))
    return out + [("16.2 Listings", listings)]


def appendices(root: Path) -> list[tuple[str, pd.DataFrame]]:
    """Input files (used or not), record accounting, and the laboratory parameters with the reason
    any is not tabulated."""
    def read(name):
        path = root / BASE / "listings" / f"{name}.csv"
        return pd.read_csv(path, dtype=str, keep_default_na=False) if path.exists() else None
    out = [("Files of the ADaM folder: used and not used", read("input_files")),
           ("Record accounting: records in = used + excluded, by dataset", read("accounting"))]
    params = read("l_lab_parameters")
    if params is not None:
        out.append(("Laboratory parameters: tabulated or not, and why", params.rename(columns=str.capitalize)))
    return [(t, f) for t, f in out if f is not None]


def data_date(adsl: pd.DataFrame) -> tuple[str, str]:
    """The latest date of ADSL's date columns (..DT) and the column it is in: the data currency
    shown when the configuration states no data cut."""
    best = ("", "")
    for col in adsl.columns:
        if not re.fullmatch(r"[A-Z0-9]*DT", col):
            continue
        d = pd.to_datetime(adsl[col].astype("string"), errors="coerce", format="ISO8601").max()
        if pd.notna(d) and d.strftime("%Y-%m-%d") > best[0]:
            best = (d.strftime("%Y-%m-%d"), col)
    return best
