"""PDF reports compiled in-process with typst: title page, outline (PDF bookmarks), numbered
tables and figures with population, footnotes and source, "Page X of Y", a banner on every page
of a closed report, and a provenance appendix from the manifest. The document date and the PDF
timestamp are the data-cut date, so the same inputs give the same bytes.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from ..outputs.plan import Output

BANNER = "CLOSED - DMC MEMBERS ONLY"


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


def output_markup(out: Output, root: Path) -> str:
    """One numbered output: heading (bookmark), population, the table/figure, footnotes, source."""
    lines = [f"== #{lit(out.number + ' ' + out.title)}",
             f"#text(size: 8pt)[Population: #{lit(out.population)}]", ""]
    notes = [n for n in (footnote_text(out, root), f"Source: {out.source}" if out.source else "") if n]
    note_markup = "#text(size: 7pt)[" + " ".join(f"#{lit(n)}" for n in notes) + "]" if notes else ""
    if out.kind == "statement":        # an output that is not there: the footnote says why
        lines.append(f"#text(size: 9pt)[#{lit(out.footnote)}]")
    elif out.kind == "figure":         # the figure and its notes on one page
        lines.append(f'#block(breakable: false)[#align(center)[#image({lit(out.path)}, height: 13.2cm, fit: "contain")]'
                     f'#v(2pt){note_markup}]')
    else:
        frame = pd.read_csv(root / out.path, dtype=str, keep_default_na=False)
        lines.append(table_markup(frame, "7.5pt" if out.kind == "listing" else "8.5pt", notes=note_markup))
    return "\n".join(lines) + "\n"


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
    "NOT DONE", "Range indicator", "Baseline cross-check", "Supplemental qualifiers"], "Rule": [
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
    "and listed."]})


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
    "CP": "Clopper-Pearson", "DMC": "Data Monitoring Committee",
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
}


def abbreviations(text: str, study: dict | None = None) -> pd.DataFrame:
    """The abbreviations the report uses (found in its text), defined, in alphabetical order: the
    general ones (ABBREVIATIONS) and the study's (protocol `abbreviations`)."""
    import re
    known = {**ABBREVIATIONS, **(study or {})}
    used = [a for a in known if re.search(rf"(?<![\w-]){re.escape(a)}(?![\w-])", text)]
    used.sort(key=lambda a: (a.lower(), a))
    return pd.DataFrame({"Abbreviation": used, "Meaning": [known[a] for a in used]})


def currency_statement(meta: dict) -> str:
    """Data currency for the title page: the cut, the extraction date and the meeting (config.yaml
    studies.<study>.data_currency, or the key `currency_key` of `meta` names)."""
    if not meta.get("extracted"):
        key = meta.get("currency_key", "studies.<study>.data_currency")
        return f"Data cut {meta['cut']}; extraction date and meeting not given (config.yaml: {key})."
    meeting = f"; prepared for {meta['meeting']}" if meta.get("meeting") else ""
    return f"Data cut {meta['cut']}; data extracted {meta['extracted']}{meeting}."


def report_source(kind: str, meta: dict, sections: list, root: Path, manifest: dict,
                  appendices: list[tuple[str, pd.DataFrame]] = (),
                  preface: tuple[str, list[tuple[str, pd.DataFrame]]] | None = None,
                  summary: pd.DataFrame | None = None) -> str:
    """The typst document of one report (kind "open", "closed" or "review"): title page, contents,
    the executive summary and the stopping guidelines (where given), changes since the last cut,
    the sections, appendices."""
    assert_planned_outputs(sections, root)
    cut = dt.date.fromisoformat(meta["cut"])
    banner = (f'#align(center)[#text(fill: rgb("#b00000"), weight: "bold", size: 9pt)[{BANNER}]]'
              if kind == "closed" else "")
    left = lit(f"{meta['study_id']}: {meta['report_title']}")
    right = lit(f"Data cut {meta['cut']}")
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
        f"#set text(size: 9pt, font: ({lit(MAIN_FONT)}, {lit(CJK_FONT)}))",
        # each output starts a page; a section heading shares the page of its first output
        '#let section-opened = state("section-opened", false)',
        "#show heading.where(level: 1): it => { pagebreak(weak: true); text(size: 13pt, it); "
        "section-opened.update(true) }",
        "#show heading.where(level: 2): it => { context if not section-opened.get() { pagebreak(weak: true) }; "
        "section-opened.update(false); text(size: 10.5pt, it) }",
        "#align(center + horizon)[",
        f"  #text(size: 22pt, weight: \"bold\")[#{lit(meta['study_id'])}] #v(6pt)",
        (f"  #text(size: 13pt)[#{lit(meta['study_title'])}] #v(14pt)" if meta["study_title"] != meta["study_id"]
         else "  #v(14pt)"),
        f"  #text(size: 17pt, weight: \"bold\")[#{lit(meta['report_title'])}] #v(10pt)",
        f"  #text(size: 11pt)[#{lit('Data cut: ' + meta['cut'])} #h(2em) #{lit('Version ' + meta['version'])}] #v(6pt)",
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
        lines += ["= Executive summary", table_markup(summary, "9pt", "(auto, 1fr, auto)"), "#v(4pt)"]
    sections = list(sections)
    lead = next((i for i, (title, _) in enumerate(sections) if title not in ("Benefit-risk", "Stopping guidelines")),
                len(sections))
    front = sections[:lead]      # after the summary: the benefit-risk page and the stopping guidelines
    for title, outputs in front:
        lines.append(f"= #{lit(title)}")
        for out in outputs:
            lines.append(output_markup(out, root))
    if preface is not None:
        lines.append(f"= #{lit(preface[0])}")
        for title, frame in preface[1]:
            lines += [f"=== #{lit(title)}", table_markup(frame), "#v(6pt)"]
    for title, outputs in sections[len(front):]:
        lines.append(f"= #{lit(title)}")
        for out in outputs:
            lines.append(output_markup(out, root))
    lines.append("= Appendices")
    for title, frame in appendices:
        lines += [f"== #{lit(title)}", table_markup(frame)]
    lines.append(provenance_markup(manifest))
    used = abbreviations("\n".join(lines), meta.get("abbreviations"))
    lines.insert(contents + 1, "= Abbreviations\n" + table_markup(used, "9pt", "(auto, 1fr)"))
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
    """Compile typst source to PDF bytes; the PDF timestamp is the data-cut date."""
    import typst

    stamp = int(dt.datetime.fromisoformat(cut).replace(tzinfo=dt.timezone.utc).timestamp())
    return typst.compile(source.encode(), root=str(root), timestamp=stamp, font_paths=font_paths())


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
           ("Methods: partial dates, unscheduled visits, retests, NOT DONE results", IMPUTATION_RULES)]
    queries = read("data_queries.csv") if (adam / "data_queries.csv").exists() else pd.DataFrame()
    if len(queries):             # records kept or changed by a stated rule (none: no page)
        out.insert(3, ("Data queries: records kept or changed by a stated rule (adam/data_queries.csv)",
                       queries_summary(queries)))
    return out
