"""PDF reports compiled in-process with typst: title page, outline (PDF bookmarks), numbered
tables and figures with population, footnotes and source, "Page X of Y", the session marking in
every page header of a DMC report (OPEN SESSION, CLOSED SESSION), and a provenance appendix from
the manifest. The document date and the PDF timestamp are the data-cut date, so the same inputs
give the same bytes. Every PDF is PDF/UA-1 and PDF/A-2a (typst checks both at compile time: a
figure without alternative text fails the job).
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from ..outputs.plan import Output

BANNER = "CLOSED SESSION - DMC members only"
OPEN_BANNER = "OPEN SESSION"
MARKINGS = {"closed": BANNER, "open": OPEN_BANNER}     # the distribution marking in every page header
PDF_STANDARDS = ["ua-1", "a-2a"]


def lit(text) -> str:
    """A typst string literal (safe for any text)."""
    s = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def cell(text) -> str:
    """A table cell: leading spaces (an indented term, e.g. a PT under its SOC) become a left pad, so a
    wrapped term continues at its own indent, never at the column's edge (a hanging indent)."""
    s = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
    stripped = s.lstrip(" ")
    spaces = len(s) - len(stripped)
    return f"pad(left: {0.3 * spaces:g}em, {lit(stripped)})" if spaces and stripped else lit(s)


PAGE_WIDTH_PT = 26.7 / 2.54 * 72          # A4 landscape less 1.5 cm margins


def _widths(frame: pd.DataFrame, font_pt: float = 8.5) -> str:
    """Column widths. A table that fits the page at its natural width keeps it (auto columns).
    Otherwise each column gets at least its longest unbreakable word (an ID, a date, a header
    word: never split) and the rest of the page in proportion to how much longer its texts are,
    as fr units of those widths, so that wide tables wrap and never run off the page."""
    char = 0.5 * font_pt                                   # a generous average glyph width
    budget = PAGE_WIDTH_PT / char - 1.6 * len(frame.columns)   # in characters, less the cell insets
    natural, least = [], []
    for col in frame.columns:
        texts = [str(v) for v in frame[col].head(400)]
        words = [w for t in texts + [str(col)] for w in t.split()] or [""]
        least.append(max(len(w) for w in words) + 1)
        natural.append(max([len(t) for t in texts] + [least[-1]]) + 1)
    if sum(natural) <= budget:
        return "(" + ", ".join(["auto"] * len(natural)) + ",)"
    spare = max(budget - sum(least), 0)
    extra = [n - m for n, m in zip(natural, least)]
    widths = [m + (spare * e / sum(extra) if sum(extra) else 0) for m, e in zip(least, extra)]
    return "(" + ", ".join(f"{w:.1f}fr" for w in widths) + ",)"


def table_markup(frame: pd.DataFrame, font: str = "8.5pt", columns: str | None = None, notes: str = "") -> str:
    """A table whose header row repeats on every page; `notes` (typst markup) are set under it in
    the table's footer together with its last two rows, so that no page holds footnotes alone."""
    if frame.empty:
        empty = f"#text(style: \"italic\")[#{lit('No records at this data cut.')}]"
        return empty + (f"\n#v(2pt){notes}" if notes else "")
    frame = frame.copy()
    for col in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            frame[col] = frame[col].dt.strftime("%Y-%m-%d")
    head = ", ".join(f"text(weight: \"bold\", {lit(c)})" for c in frame.columns)
    rows = [", ".join(cell(v) for v in row) for row in frame.itertuples(index=False)]
    keep = 2 if notes else 0
    body, tail = rows[:len(rows) - keep], rows[len(rows) - keep:]
    footer = ""
    if notes:
        note = f"table.cell(colspan: {len(frame.columns)}, stroke: none, inset: (x: 0pt, top: 4pt))[{notes}]"
        footer = ", table.footer(repeat: false, " + ", ".join([*tail, note]) + ")"
    cells = ", ".join(body)
    return (f"#text(size: {font})[#table(columns: {columns or _widths(frame, float(font.removesuffix('pt')))}, "
            f"stroke: (x, y) => if y == 0 "
            f"{{ (bottom: 0.6pt) }} else {{ (bottom: 0.2pt + luma(200)) }}, inset: (x: 3pt, y: 2.2pt), "
            f"align: left, table.header(repeat: true, {head}){', ' + cells if cells else ''}{footer})]")


class MissingOutput(RuntimeError):
    """A planned output whose file its rule did not write."""


def missing_outputs(sections: list, root: Path) -> list[str]:
    """The planned outputs of a report whose display or note file is missing, as "id (path)"."""
    return [f"{o.id} ({p})" for _, outputs in sections for o in outputs
            for p in (o.path, o.note) if p and not (root / p).exists()]


def assert_planned_outputs(sections: list, root: Path) -> None:
    """Every planned output of the report is on disk: else the report job fails, naming each one."""
    missing = missing_outputs(sections, root)
    if missing:
        raise MissingOutput(f"{len(missing)} planned output(s) missing under {root}: " + "; ".join(missing)
                            + ". The rule that makes each (trialstats/outputs/registry.py) did not write it.")


def footnote_text(out: Output, root: Path) -> str:
    """The footnote with its rule's note (`{note}`) filled in."""
    if "{note}" not in out.footnote:
        return out.footnote
    return out.footnote.replace("{note}", (root / out.note).read_text().strip())


SHORT_ROWS = 15      # a table of at most this many rows shares a page with the outputs around it


def placed(markup: str, short: bool, lead: str = "") -> str:
    """An output on the page, after `lead` (the heading of the section it opens): a short one (a table of
    at most SHORT_ROWS rows, a figure, a statement) as one unbreakable block that follows the previous
    output where it fits, else starts the next page; a long one starts a page."""
    if short:
        return f"#block(breakable: false, width: 100%)[\n{lead}\n{markup}]\n"
    return f"#pagebreak(weak: true)\n{lead}\n{markup}"


def output_markup(out: Output, root: Path, lead: str = "") -> str:
    """One numbered output: heading (bookmark), population, the table/figure, footnotes, source;
    placed on the page by its length, after `lead` (placed)."""
    lines = [f"== #{lit(out.number + ' ' + out.title)}",
             f"#text(size: 8pt)[Population: #{lit(out.population)}]", ""]
    notes = [n for n in (footnote_text(out, root), f"Source: {out.source}" if out.source else "") if n]
    note_markup = "#text(size: 7pt)[" + " ".join(f"#{lit(n)}" for n in notes) + "]" if notes else ""
    if out.kind == "profiles":         # the subjects, then a page per subject
        frame = pd.read_csv(root / out.path, dtype=str, keep_default_na=False)
        lines.append(table_markup(frame, "8.5pt", notes=note_markup))
        lines.append(profile_pages(root, Path(out.path).parent, "Arm" in frame, selecting_only=out.id == "o_profiles"))
        return placed("\n".join(lines) + "\n", False, lead)     # pages of their own: never inside a block
    elif out.kind == "statement":      # an output that is not there: the footnote says why
        lines.append(f"#text(size: 9pt)[#{lit(out.footnote)}]")
    elif out.kind == "figure":         # the figure and its notes on one page; the caption is the heading
        lines.append(f'#block(breakable: false)[#align(center)[#image({lit(out.path)}, height: 13.2cm, fit: "contain", '
                     f'alt: {lit(alt_text(out, root))})]#v(2pt){note_markup}]')
    else:
        frame = pd.read_csv(root / out.path, dtype=str, keep_default_na=False)
        lines.append(table_markup(frame, "7.5pt" if out.kind == "listing" else "8.5pt", notes=note_markup))
        return placed("\n".join(lines) + "\n", len(frame) <= SHORT_ROWS, lead)
    return placed("\n".join(lines) + "\n", True, lead)


def alt_text(out: Output, root: Path) -> str:
    """A figure's alternative text: its number and title, then what it shows (its footnote)."""
    shows = footnote_text(out, root)
    return f"{out.number} {out.title}" + (f". {shows}" if shows else "")


LAB_TABLE_TITLE = "Key laboratory values: value (x ULN); * not analysed (screening, retest or unscheduled)"


def profile_pages(root: Path, folder: Path, by_arm: bool, selecting_only: bool = False) -> str:
    """A page per profiled subject (the files of the profiles rule in `folder`, relative to `root`): a heading with
    the subject, arm (closed) and reasons, the narrative, the timeline and the subject's tables (each titled
    with the subject, so that a table continued on the next page still names it). `selecting_only` (the open
    session's profiles): the adverse events that select the subject, and no medications, each said so."""
    read = lambda name: pd.read_csv(root / folder / name, dtype=str, keep_default_na=False)  # noqa: E731
    narratives, subjects = read("narratives.csv"), read("subjects.csv").set_index("Subject")
    events, labs, conmeds = read("t_events.csv"), read("t_labs.csv"), read("t_conmeds.csv")

    def block(frame: pd.DataFrame, subject: str, title: str) -> str:
        mine = frame[frame["Subject"] == subject].drop(columns="Subject")
        mine = mine.loc[:, (mine != "").any()] if len(mine) else mine
        return f"#text(size: 8pt, weight: \"bold\")[#{lit(title + ': ' + subject)}] #v(1pt) {table_markup(mine, '7pt')}"

    lines = []
    for row in narratives.itertuples(index=False):
        s = row.USUBJID
        medications = (f"#text(size: 8pt, weight: \"bold\")[#{lit('Medications: ' + s)}] #v(1pt) #text(size: 7pt)["
                       f"#{lit('Not shown in the open session: the closed report has them.')}]" if selecting_only
                       else block(conmeds, s, "Medications on or after the first dose"))
        arm = f", arm {subjects.loc[s, 'Arm']}" if by_arm else ""
        alt = f"Timeline of {s}: doses, adverse events, concomitant medications and key laboratory values by study day"
        lines += ["#pagebreak(weak: true)", f"=== #{lit(f'Patient profile {s}{arm}')}",
                  f"#text(size: 8pt, style: \"italic\")[#{lit('Reasons: ' + row.REASONS)}]", "#v(2pt)",
                  f"#par(justify: true)[#{lit(row.NARRATIVE)}]",
                  f'#align(center)[#image({lit(f"{folder.as_posix()}/figures/{s}.png")}, width: 100%, height: 6.8cm, '
                  f'fit: "contain", alt: {lit(alt)})]',
                  block(events, s, "Adverse events that select the subject" if selecting_only
                        else "Adverse events, every record"), "#v(3pt)",
                  # the laboratory and medication tables move to the next page whole, with the subject's name
                  f"#block(breakable: {'false' if (labs['Subject'] == s).sum() <= 30 else 'true'})[#grid(columns: "
                  f"(auto, auto), column-gutter: 1.2em, [{block(labs, s, LAB_TABLE_TITLE)}], "
                  f"[{medications}])]"]
    return "\n".join(lines)


def provenance_markup(manifest: dict) -> str:
    inputs = pd.DataFrame(manifest["inputs"] + manifest.get("closed_inputs", []))[["path", "bytes", "sha256"]]
    packages = pd.DataFrame(sorted(manifest["packages"].items()), columns=["package", "version"])
    code = manifest["code"]
    facts = pd.DataFrame([("Study", manifest["study"]), ("Data cut", manifest["data_cut"]),
                          ("Synthetic data", "yes" if manifest["synthetic_data"] else "no"),
                          ("Code (git commit)",
                           code["git_commit"] + (" (uncommitted changes)" if code["git_dirty"] else "")),
                          ("trialstats source (SHA-256, first 16)", code.get("library", "")),
                          ("Check the inputs", "trialstats verify " + " ".join(manifest.get("manifest_paths", []))),
                          ("Configuration", json.dumps(manifest["config"], sort_keys=True))]
                         + [("Configuration file", f"{f['path']} (SHA-256 {f['sha256'][:16]})")
                            for f in manifest.get("config_files", [])], columns=["Item", "Value"])
    return "\n".join(["== Provenance", table_markup(facts), "#v(4pt)", table_markup(inputs, "6.5pt"), "#v(4pt)",
                      table_markup(packages)]) + "\n"


def excluded_summary(excluded: pd.DataFrame) -> pd.DataFrame:
    """Excluded records counted by domain and reason (the records themselves are listed in
    adam/excluded_records.csv)."""
    if excluded.empty:
        return pd.DataFrame({"Domain": ["(none)"], "Reason": ["every record is used"], "Records": [0],
                             "Subjects": [0]})
    g = excluded.groupby(["DOMAIN", "REASON"])
    out = pd.DataFrame({"Records": g.size(), "Subjects": g["USUBJID"].nunique()}).reset_index()
    return out.rename(columns={"DOMAIN": "Domain", "REASON": "Reason"})


def queries_summary(queries: pd.DataFrame) -> pd.DataFrame:
    """Data queries (adam/data_queries.csv) counted by domain, variable, query and the rule applied."""
    g = queries.groupby(["DOMAIN", "VARIABLE", "QUERY", "RULE"], sort=True)
    out = pd.DataFrame({"Records": g.size(), "Subjects": g["USUBJID"].nunique()}).reset_index()
    return out.rename(columns={"DOMAIN": "Domain", "VARIABLE": "Variable", "QUERY": "Query", "RULE": "Rule applied"})


def notes_summary(notes: pd.DataFrame) -> pd.DataFrame:
    """Record notes (adam/record_notes.csv) counted by domain and note."""
    if notes.empty:
        return pd.DataFrame({"Domain": ["(none)"], "Note": ["no imputed date, unscheduled visit or retest"],
                             "Records": [0], "Subjects": [0]})
    g = notes.groupby(["DOMAIN", "NOTE"])
    out = pd.DataFrame({"Records": g.size(), "Subjects": g["USUBJID"].nunique()}).reset_index()
    return out.rename(columns={"DOMAIN": "Domain", "NOTE": "Note"})


# The rules of the methods appendix (admiral / ADaM IG conventions; trialstats/dates.py)
IMPUTATION_RULES = pd.DataFrame({"Topic": [
    "Partial dates accepted", "AE start (ASTDT, ASTDTF)", "AE end (AENDT, AENDTF)", "Findings dates (ADT, ADTF)",
    "Imputation flags", "Data cut", "Dates that cannot be placed", "Unscheduled visits", "Retests",
    "NOT DONE", "Range indicator", "Baseline cross-check", "Supplemental qualifiers", "Rounding",
    "This document"], "Rule": [
    "--DTC of any ISO 8601 precision (YYYY, YYYY-MM, YYYY-MM-DD, with or without a time) is valid input.",
    "First day of the period the partial date allows (month, or January for a year only); if that period holds "
    "the first dose date and the first day is earlier, the first dose date (the onset is not moved before the "
    "dose, so treatment emergence is not changed); a blank start: the first dose date (conservatively "
    "treatment-emergent). TRTEMFL and occurrence flags use ASTDT.",
    "Last day of the period; if that period holds the data cut (or death) and the last day is later, the cut "
    "(death) date; a blank end stays blank (ongoing).",
    "First day of the period; windows and baseline use ADT. A blank date is not imputed.",
    "D = day imputed, M = month and day, Y = year (a blank date imputed to the first dose); blank = complete.",
    "A record is removed when the earliest day its (partial) date can mean is after the cut; a record that may "
    "be on or before the cut is kept. An end is unknown at the cut when its earliest possible day is after it.",
    "Kept in the analysis datasets, in no analysis window (AVISIT UNSCHEDULED), and listed (adam/record_notes.csv).",
    "Windowed by study day like any record (VISITNUM 4.1, UNSCHEDULED ...); listed.",
    "Of several records of a subject, parameter and window, the one nearest the target day is analysed (ANL01FL), "
    "the later on ties (a same-day retest supersedes); the others are kept and listed.",
    "--STAT = NOT DONE records carry no result: excluded from the analysis datasets, with --REASND as the reason "
    "in the record accounting.",
    "The laboratory's --NRIND (N/L/H or NORMAL/LOW/HIGH) is used where given; else derived from the range.",
    "--LOBXFL (or --BLFL) is compared with the derived baseline flag ABLFL; disagreements are listed.",
    "SUPP-- records are merged onto their parent by IDVAR/IDVARVAL (QNAM as a column); orphans are excluded "
    "and listed.",
    "Every displayed number is rounded half away from zero on its decimal value (23.95 -> 24.0, -0.125 -> -0.13), "
    "at the decimals its table states; p-values at 4 decimals, below 0.0001 as <0.0001.",
    "PDF/UA-1 (accessible: tagged, every figure with alternative text) and PDF/A-2a (archivable), both checked by "
    "typst when the report is compiled."]})


# On a page that continues an output (no heading starts on it), the output's title + "(continued)"
CONTINUED = ("let here-page = here().page(); let before = query(heading.where(level: 2).or(heading.where(level: 1)))"
             ".filter(h => h.location().page() <= here-page); if before.len() > 0 and "
             "before.last().location().page() < here-page { v(-2pt); text(weight: \"bold\", size: 8.5pt)"
             "[#before.last().body (continued)] }")


ABBREVIATIONS = {
    "ADaM": "Analysis Data Model (CDISC)", "AE": "adverse event", "AESI": "adverse event of special interest",
    "ALT": "alanine aminotransferase", "ANCOVA": "analysis of covariance", "ARD": "analysis results data",
    "AST": "aspartate aminotransferase", "BMI": "body mass index", "CI": "confidence interval",
    "CMH": "Cochran-Mantel-Haenszel", "CONSORT": "Consolidated Standards of Reporting Trials",
    "CP": "Clopper-Pearson (a CI); conditional power (Table G.2)", "DMC": "Data Monitoring Committee",
    "FDA": "US Food and Drug Administration",
    "PrOACT-URL": "Problem, Objectives, Alternatives, Consequences, Trade-offs, Uncertainty, Risk attitude, Linked "
                  "decisions (a benefit-risk framework)",
    "eDISH": "evaluation of drug-induced serious hepatotoxicity", "FAS": "full analysis set",

    "IE": "inclusion/exclusion criteria (SDTM)",
    "KM": "Kaplan-Meier", "KR": "Kenward-Roger", "LS": "least squares", "MAR": "missing at random",
    "MedDRA": "Medical Dictionary for Regulatory Activities", "MI": "multiple imputation",
    "MMRM": "mixed model for repeated measures", "MN": "Miettinen-Nurminen", "OBF": "O'Brien-Fleming",
    "PP": "per-protocol set", "pp": "percentage points", "PT": "preferred term (MedDRA)", "PY": "patient-years",
    "REML": "restricted maximum likelihood", "SAE": "serious adverse event", "SAP": "statistical analysis plan",
    "SD": "standard deviation", "SDTM": "Study Data Tabulation Model (CDISC)", "SE": "standard error",
    "SOC": "system organ class (MedDRA)", "TEAE": "treatment-emergent adverse event",
    "ULN": "upper limit of normal",
    "IQR": "interquartile range", "OLS": "ordinary least squares",
    "CRF": "case report form", "CDISC": "Clinical Data Interchange Standards Consortium",
    "MIVQUE(0)": "minimum variance quadratic unbiased estimation (start values)",
    "NYHA": "New York Heart Association", "HIV": "human immunodeficiency virus",
    "HBV": "hepatitis B virus", "HCV": "hepatitis C virus",
    # ADaM datasets and SDTM domains
    "ADSL": "subject-level analysis dataset (ADaM)", "ADAE": "adverse event analysis dataset (ADaM)",
    "ADEFF": "efficacy analysis dataset (ADaM)", "ADLB": "laboratory analysis dataset (ADaM)",
    "ADEX": "exposure analysis dataset (ADaM)", "ADVS": "vital signs analysis dataset (ADaM)",
    "ADCM": "concomitant medication analysis dataset (ADaM)", "ADTTE": "time-to-event analysis dataset (ADaM)",
    "DM": "demographics (SDTM domain)", "DS": "disposition (SDTM domain)", "EX": "exposure (SDTM domain)",
    "LB": "laboratory test results (SDTM domain)", "VS": "vital signs (SDTM domain)",
    "MH": "medical history (SDTM domain)", "CM": "concomitant medications (SDTM domain)",
    "SU": "substance use (SDTM domain)", "QS": "questionnaires (SDTM domain)", "PR": "procedures (SDTM domain)",
    "SUPPAE": "supplemental qualifiers of AE (SDTM)",
    # CDISC variables named in the methods and footnotes ("--": the domain's prefix)
    "--DTC": "date/time of collection (SDTM)", "--STAT": "completion status (SDTM; NOT DONE)",
    "--REASND": "reason not done (SDTM)", "--NRIND": "reference range indicator (SDTM)",
    "--LOBXFL": "last observation before exposure flag (SDTM)", "--BLFL": "baseline flag (SDTM)",
    "LBSTAT": "laboratory test completion status (SDTM)", "LBREASND": "reason laboratory test not done (SDTM)",
    "AESTDTC": "AE start date/time (SDTM)", "AEENDTC": "AE end date/time (SDTM)", "VISITNUM": "visit number (SDTM)",
    "QNAM": "qualifier variable name (SDTM SUPP--)", "IDVAR": "identifying variable (SDTM SUPP--)",
    "IDVARVAL": "identifying variable value (SDTM SUPP--)", "AEREL": "causality as collected (SDTM)",
    "AEOUT": "outcome of the AE (SDTM)", "AESDTH": "AE results in death (SDTM)", "DTHFL": "subject death flag",
    "DTHDTC": "date of death (SDTM)", "DTHDT": "date of death (ADaM)", "DTHCAUS": "cause of death (ADaM)",
    "ASTDT": "analysis start date (ADaM)", "ASTDTF": "analysis start date imputation flag (ADaM)",
    "AENDT": "analysis end date (ADaM)", "AENDTF": "analysis end date imputation flag (ADaM)",
    "ADT": "analysis date (ADaM)", "ADTF": "analysis date imputation flag (ADaM)", "ADY": "analysis study day (ADaM)",
    "TRTEMFL": "treatment-emergent analysis flag (ADaM)", "AVISIT": "analysis visit (ADaM)",
    "AVISITN": "analysis visit number (ADaM)", "ANL01FL": "analysis record flag 01 (ADaM)",
    "ABLFL": "baseline record flag (ADaM)", "ANRIND": "analysis reference range indicator (ADaM)",
    "ANRHI": "analysis normal range upper limit (ADaM)", "A1HI": "analysis range 1 upper limit (ADaM)",
    "EOSSTT": "end-of-study status (ADaM)", "EOSDT": "end-of-study date (ADaM)",
    "CQnnNAM": "customised query nn name (ADaM OCCDS)", "BILI": "total bilirubin (parameter code)",
    "CREAT": "creatinine (parameter code)",
    # medicine and computing
    "DPP-4": "dipeptidyl peptidase-4", "GLP-1": "glucagon-like peptide-1", "SGLT-2": "sodium-glucose co-transporter 2",
    "SGLT2": "sodium-glucose co-transporter 2", "HOMA": "homeostasis model assessment", "DNA": "deoxyribonucleic acid",
    "ISO": "International Organization for Standardization (ISO 8601: dates)",
    "SHA-256": "Secure Hash Algorithm, 256-bit digest",
}


def abbreviations(text: str, study: dict | None = None) -> pd.DataFrame:
    """The abbreviations the report uses (found in its text), defined, in alphabetical order: the
    general ones (ABBREVIATIONS) and the study's (protocol `abbreviations`)."""
    import re
    known = {**ABBREVIATIONS, **(study or {})}
    # one pass over the text, the longer first (HOMA-IR before HOMA); TEAEs and OLS-residual use TEAE and OLS;
    # HOMA-IR is not HOMA
    pattern = "|".join(re.escape(a) for a in sorted(known, key=len, reverse=True))
    found = {m.group(1) for m in re.finditer(rf"(?<![\w-])({pattern})s?(?!\w|-[A-Z0-9%])", text)}
    used = [a for a in known if a in found]
    used.sort(key=lambda a: (a.lower(), a))
    return pd.DataFrame({"Abbreviation": used, "Meaning": [known[a] for a in used]})


def currency_statement(meta: dict) -> str:
    """Data currency for the title page: the cut, the extraction date and the meeting (config.yaml
    studies.<study>.data_currency, or the key `currency_key` of `meta` names)."""
    cut = f"{meta.get('cut_label', 'Data cut')} {meta['cut']}"
    if not meta.get("extracted"):
        key = meta.get("currency_key", "studies.<study>.data_currency")
        return f"{cut}; extraction date and meeting not given (config.yaml: {key})."
    meeting = f"; prepared for {meta['meeting']}" if meta.get("meeting") else ""
    return f"{cut}; data extracted {meta['extracted']}{meeting}."


NEW_PAGE = "#pagebreak(weak: true)\n"


def section_markup(title: str, outputs: list[Output], root: Path) -> list[str]:
    """A section: its heading placed with its first output, the others after it (placed)."""
    return [output_markup(out, root, f"= #{lit(title)}" if i == 0 else "") for i, out in enumerate(outputs)]


def report_source(kind: str, meta: dict, sections: list, root: Path, manifest: dict,
                  appendices: list[tuple[str, pd.DataFrame]] = (),
                  preface: tuple[str, list[tuple[str, pd.DataFrame]]] | None = None,
                  summary: pd.DataFrame | None = None) -> str:
    """The typst document of one report (kind "open", "closed" or "review"): title page, contents,
    the executive summary and the stopping guidelines (where given), changes since the last cut,
    the sections, appendices."""
    assert_planned_outputs(sections, root)
    cut = dt.date.fromisoformat(meta["cut"])
    colour = "#b00000" if kind == "closed" else "#00507a"
    banner = (f'#align(center)[#text(fill: rgb("{colour}"), weight: "bold", size: 9pt)[#{lit(MARKINGS[kind])}]]'
              if kind in MARKINGS else "")
    left = lit(f"{meta['study_id']}: {meta['report_title']}")
    right = lit(f"{meta.get('cut_label', 'Data cut')} {meta['cut']}")   # ADaM without data_cut: the latest date
    synthetic = "SYNTHETIC DATA - not patient data. " if meta.get("synthetic") else ""
    lines = [
        f"#set document(title: {lit(meta['study_id'] + ' ' + meta['report_title'])}, author: \"trialstats\", "
        f"date: datetime(year: {cut.year}, month: {cut.month}, day: {cut.day}))",
        "#set page(paper: \"a4\", flipped: true, margin: (x: 1.5cm, top: 2.5cm, bottom: 1.7cm),",
        f"  header: context {{ set text(size: 7.5pt); grid(columns: (1fr, auto, 1fr), {left}, [{banner}], "
        f"align(right, {right})); line(length: 100%, stroke: 0.4pt); {CONTINUED} }},",
        f"  footer: context {{ set text(size: 7.5pt); line(length: 100%, stroke: 0.4pt); "
        f"{lit(synthetic + meta['version_text'])}; h(1fr); [Page #counter(page).display() of "
        f"#counter(page).final().first()] }})",
        # text in any script: the CJK font (a dependency, noto-cjk-sans-otc) for what the main one lacks
        f"#set text(lang: \"en\", size: 9pt, font: ({lit(MAIN_FONT)}, {lit(CJK_FONT)}))",
        # the outputs and the section opening with them are placed by their length (placed)
        "#show heading.where(level: 1): it => text(size: 13pt, it)",
        "#show heading.where(level: 2): it => text(size: 10.5pt, it)",
        "#align(center + horizon)[",
        f"  #text(size: 22pt, weight: \"bold\")[#{lit(meta['study_id'])}] #v(6pt)",
        (f"  #text(size: 13pt)[#{lit(meta['study_title'])}] #v(14pt)" if meta["study_title"] != meta["study_id"]
         else "  #v(14pt)"),
        f"  #text(size: 17pt, weight: \"bold\")[#{lit(meta['report_title'])}] #v(10pt)",
        f"  #text(size: 11pt)[#{lit(meta.get('cut_label', 'Data cut') + ': ' + meta['cut'])} #h(2em) "
        f"#{lit('Version ' + meta['version'])}] #v(6pt)",
        f"  #text(size: 10pt)[#{lit(currency_statement(meta))}] #v(8pt)",
        f"  #text(size: 10pt)[#{lit(meta['audience'])}] #v(8pt)",
        (f"  #text(size: 10pt, fill: rgb(\"#b00000\"))[#{lit(meta['synthetic_note'])}]"
         if meta.get("synthetic") else ""),
        "]",
        "#pagebreak()",
        "#outline(depth: 2, indent: 1.5em)",
    ]
    contents = len(lines) - 1
    if summary is not None:      # first: the executive summary, then benefit-risk and the stopping guidelines
        lines += [f"{NEW_PAGE}= Executive summary", table_markup(summary, "9pt", "(auto, 1fr, auto)"), "#v(4pt)"]
    sections = list(sections)
    lead = next((i for i, (title, _) in enumerate(sections) if title not in ("Benefit-risk", "Stopping guidelines")),
                len(sections))
    front = sections[:lead]      # after the summary: the benefit-risk page and the stopping guidelines
    for title, outputs in front:
        lines += section_markup(title, outputs, root)
    if preface is not None:
        lines.append(f"{NEW_PAGE}= #{lit(preface[0])}")
        for title, frame in preface[1]:
            lines += [f"== #{lit(title)}", table_markup(frame), "#v(6pt)"]   # PDF/UA: no level skipped
    for title, outputs in sections[len(front):]:
        lines += section_markup(title, outputs, root)
    lead = "= Appendices"            # with the first appendix
    for title, frame in appendices:
        lines.append(placed(f"== #{lit(title)}\n{table_markup(frame)}\n", len(frame) <= SHORT_ROWS, lead))
        lead = ""
    lines.append(placed(provenance_markup(manifest), False, lead))
    used = abbreviations("\n".join(lines), meta.get("abbreviations"))
    lines.insert(contents + 1, f"{NEW_PAGE}= Abbreviations\n" + table_markup(used, "9pt", "(auto, 1fr)"))
    return "\n".join(lines) + "\n"


MAIN_FONT = "Libertinus Serif"      # typst's own, embedded in the typst package
CJK_FONT = "Noto Sans CJK SC"       # Chinese (and Japanese, Korean) glyphs: noto-cjk-sans-otc


def font_paths() -> list[str]:
    """Folders of the fonts the reports embed beyond typst's own: Noto Sans CJK (OFL-1.1), installed
    from PyPI with the project (noto-cjk-sans-otc), so Chinese verbatim terms render."""
    try:
        import noto_cjk_sans_otc
    except ImportError:       # a broken install: the text stays, CJK glyphs would be missing
        return []
    return [str(Path(str(noto_cjk_sans_otc.FONT_PATH)).parent)]


def compile_report(source: str, root: Path, cut: str) -> bytes:
    """Compile typst source to PDF bytes, PDF/UA-1 and PDF/A-2a (PDF_STANDARDS: typst refuses a document
    that breaks them, e.g. a figure without alternative text); the PDF timestamp is the data-cut date."""
    import typst

    stamp = int(dt.datetime.fromisoformat(cut).replace(tzinfo=dt.timezone.utc).timestamp())
    return typst.compile(source.encode(), root=str(root), timestamp=stamp, font_paths=font_paths(),
                         pdf_standards=PDF_STANDARDS)


AUDIENCE = {"open": "For the open session of the DMC: pooled data only, no treatment arm.",
            "closed": "For DMC members only: by treatment arm.", "review": "Single-arm study: safety review."}


def report_meta(kind: str, title: str, protocol: dict, cut: str, version: str, currency: dict) -> dict:
    """The title-page and page-header facts of a report (`currency`: config.yaml data_currency of the cut)."""
    return dict(study_id=protocol["study"]["id"], study_title=protocol["study"]["title"], cut=cut, report_title=title,
                version=version, audience=AUDIENCE[kind], version_text=f"trialstats report version {version}",
                synthetic=protocol["study"]["synthetic"],
                synthetic_note="Synthetic data generated by trialstats.simulate: not patient data.",
                extracted=currency.get("extracted"), meeting=currency.get("meeting"),
                abbreviations=protocol.get("abbreviations", {}))


def record_appendices(adam: Path) -> list[tuple[str, pd.DataFrame]]:
    """The record-accounting appendices from the ADaM job's files: records in = removed + used + excluded,
    the excluded records and the records used with a note by reason, the data queries (when there are
    any) and the methods."""
    read = lambda name: pd.read_csv(adam / name, dtype=str, keep_default_na=False)  # noqa: E731
    accounting = pd.read_csv(adam / "accounting.csv", keep_default_na=False)
    out = [("Record accounting: records in = removed at the cut + used + excluded, by domain",
            accounting.rename(columns=lambda c: c.replace("_", " ").capitalize())),
           ("Records excluded from the analysis datasets, by domain and reason",
            excluded_summary(pd.read_csv(adam / "excluded_records.csv", keep_default_na=False))),
           ("Records used with a note: imputed dates, unscheduled visits, retests, baseline cross-check",
            notes_summary(pd.read_csv(adam / "record_notes.csv", keep_default_na=False))),
           ("Methods: partial dates, unscheduled visits, retests, NOT DONE results, rounding", IMPUTATION_RULES)]
    queries = read("data_queries.csv") if (adam / "data_queries.csv").exists() else pd.DataFrame()
    if len(queries):             # records kept or changed by a stated rule (none: no page)
        out.insert(3, ("Data queries: records kept or changed by a stated rule (adam/data_queries.csv)",
                       queries_summary(queries)))
    return out
