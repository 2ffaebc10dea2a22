"""What each SDTM domain must hold: columns and their kind, keys, date order.

Column kinds: "id" text required in every row; "text" optional text; "date"/"date?" ISO 8601
date or date-time (required/optional); "num"/"num?" a number; ("in", values) / ("in?", values)
a controlled term. Columns not listed are carried through unchecked.

Variable roles (SDTM IG core): a Required variable ("id", "num", "date", ("in", ...)) must be a
column with a value in every row; an Expected variable ("date?", "num?", "text", ("in?", ...)) must
be a column but may be null, each with a stated fallback (RFICDTC: sdtm/queries.py
consent_dates); a Permissible variable (a domain's `permissible` list) may be absent: it is then
carried as a blank column. Dates the SDTM IG marks Expected (AESTDTC, LBDTC, VSDTC) may be blank:
such a record is kept, its ADaM date imputed where a rule applies, else listed as not placeable.

Every domain may hold no records (a header only: accepted, no records) except DM, the subjects.
"""
from __future__ import annotations

import pandas as pd

SEXES = ("M", "F", "U")
NY = ("Y", "N")
# SDTM IG values of ARMCD/ARM that are no assignment (screen failures, not assigned, not treated)
NULL_ARMS = {"SCRNFAIL", "SCREEN FAILURE", "NOTASSGN", "NOT ASSIGNED", "NOTTRT", "NOT TREATED",
             "UNPLAN", "UNPLANNED TREATMENT"}

BASE = {"STUDYID": "id", "DOMAIN": "id", "USUBJID": "id"}

DOMAINS: dict[str, dict] = {
    "DM": dict(columns={"SUBJID": "id", "RFICDTC": "date?", "RFSTDTC": "date?", "RFENDTC": "date?",
                        "BRTHDTC": "date?", "AGE": "num", "SEX": ("in", SEXES)},
               keys=[["USUBJID"]], order=[("RFSTDTC", "RFENDTC"), ("BRTHDTC", "RFICDTC")], permissible=["BRTHDTC"],
               may_be_empty=False),
    "EX": dict(columns={"EXSEQ": "num", "EXTRT": "id", "EXDOSE": "num?", "EXDOSU": "text",
                        "EXSTDTC": "date", "EXENDTC": "date?"},
               keys=[["USUBJID", "EXSEQ"], ["USUBJID", "EXSTDTC"]], order=[("EXSTDTC", "EXENDTC")],
               nonnegative=["EXDOSE"]),
    "LB": dict(columns={"LBSEQ": "num", "LBTESTCD": "id", "LBORRES": "text", "LBSTRESC": "text",
                        "LBSTRESN": "num?", "LBSTRESU": "text", "LBSTNRLO": "num?", "LBSTNRHI": "num?",
                        "VISITNUM": "num?", "VISIT": "text", "LBDTC": "date?"},
               permissible=["VISIT"],
               keys=[["USUBJID", "LBSEQ"], ["USUBJID", "LBTESTCD", "VISITNUM", "LBDTC"]]),
    "VS": dict(columns={"VSSEQ": "num", "VSTESTCD": "id", "VSORRES": "text", "VSSTRESN": "num?",
                        "VSSTRESU": "text", "VSTPTNUM": "num?", "VISITNUM": "num?", "VISIT": "text",
                        "VSDTC": "date?"},
               permissible=["VSTPTNUM", "VISIT"],
               keys=[["USUBJID", "VSSEQ"], ["USUBJID", "VSTESTCD", "VISITNUM", "VSTPTNUM", "VSDTC"]]),
    "AE": dict(columns={"AESEQ": "num", "AETERM": "id", "AEDECOD": "id", "AEBODSYS": "id",
                        "AESEV": ("in?", ("MILD", "MODERATE", "SEVERE")), "AESER": ("in", NY),
                        "AEREL": "text", "AESTDTC": "date?", "AEENDTC": "date?"},
               keys=[["USUBJID", "AESEQ"]], order=[("AESTDTC", "AEENDTC")], permissible=["AESEV"]),
    "DS": dict(columns={"DSSEQ": "num", "DSDECOD": "id", "DSCAT": "id", "DSSTDTC": "date"},
               keys=[["USUBJID", "DSSEQ"]], permissible=["DSCAT"]),
    "CM": dict(columns={"CMSEQ": "num", "CMTRT": "id", "CMCLAS": "text", "CMCAT": "text",
                        "CMDOSE": "num?", "CMDOSU": "text", "CMSTDTC": "date?", "CMENDTC": "date?"},
               keys=[["USUBJID", "CMSEQ"]], order=[("CMSTDTC", "CMENDTC")], nonnegative=["CMDOSE"],
               permissible=["CMCLAS", "CMCAT", "CMDOSE", "CMDOSU", "CMSTDTC", "CMENDTC"]),
    "MH": dict(columns={"MHSEQ": "num", "MHTERM": "id", "MHDECOD": "text", "MHSTDTC": "date?",
                        "MHDTC": "date?"},
               keys=[["USUBJID", "MHSEQ"]], order=[("MHSTDTC", "MHDTC")],
               permissible=["MHDECOD", "MHSTDTC", "MHDTC"]),
    "IE": dict(columns={"IESEQ": "num", "IETESTCD": "id", "IECAT": ("in", ("INCLUSION", "EXCLUSION")),
                        "IEORRES": ("in", NY), "IEDTC": "date"},
               keys=[["USUBJID", "IESEQ"], ["USUBJID", "IETESTCD"]], permissible=["IEDTC"]),
    "SU": dict(columns={"SUSEQ": "num", "SUTRT": "id", "SUDOSE": "num?", "SUDOSFRQ": "text",
                        "SUDTC": "date?"},
               keys=[["USUBJID", "SUSEQ"]], nonnegative=["SUDOSE"]),
    "QS": dict(columns={"QSSEQ": "num", "QSTESTCD": "id", "QSSTRESN": "num?", "QSDTC": "date?"},
               keys=[["USUBJID", "QSSEQ"], ["USUBJID", "QSTESTCD", "QSDTC"]]),
    "PR": dict(columns={"PRSEQ": "num", "PRTRT": "id", "PRCAT": "text", "PRSTDTC": "date?",
                        "PRDTC": "date?"},
               keys=[["USUBJID", "PRSEQ"]]),
    # every SUPP-- domain (suppae.csv, suppdm.csv, ...): merged onto its parent (sdtm/suppqual.py)
    "SUPPQUAL": dict(columns={"RDOMAIN": "id", "IDVAR": "text", "IDVARVAL": "text", "QNAM": "id",
                              "QLABEL": "text", "QVAL": "text"},
                     keys=[["USUBJID", "RDOMAIN", "IDVAR", "IDVARVAL", "QNAM"]]),
}

# The date that places a record before or after a data cut, and the end of an interval record.
CUT_DATES: dict[str, tuple[str, str | None]] = {
    "DM": ("RFICDTC", None), "EX": ("EXSTDTC", "EXENDTC"), "LB": ("LBDTC", None),
    "VS": ("VSDTC", None), "AE": ("AESTDTC", "AEENDTC"), "DS": ("DSSTDTC", None),
    "CM": ("CMSTDTC", "CMENDTC"), "MH": ("MHDTC", None), "IE": ("IEDTC", None),
    "SU": ("SUDTC", None), "QS": ("QSDTC", None), "PR": ("PRDTC", None),
}

# Findings domains whose results the protocol defines test by test.
FINDINGS = {"LB": ("labs", "LBTESTCD", "LBSTRESN", "LBSTRESC", "LBSTRESU"),
            "VS": ("vitals", "VSTESTCD", "VSSTRESN", "VSSTRESN", "VSSTRESU")}


def spec_name(domain: str) -> str:
    """The spec a domain is checked against: its own, or SUPPQUAL for any SUPP-- domain."""
    return "SUPPQUAL" if domain.startswith("SUPP") and len(domain) > 4 else domain


def columns_of(domain: str) -> dict:
    spec = DOMAINS.get(spec_name(domain), {"columns": {}})
    base = {k: v for k, v in BASE.items() if k != "DOMAIN"} if spec_name(domain) == "SUPPQUAL" else BASE
    return {**base, **spec["columns"]}


def numeric_columns(domain: str) -> list[str]:
    return [c for c, kind in columns_of(domain).items() if kind in ("num", "num?")]


def permissible(domain: str) -> list[str]:
    """The Permissible variables of a domain: they may be absent (carried as blank columns)."""
    return list(DOMAINS.get(spec_name(domain), {}).get("permissible", []))


def may_be_empty(domain: str) -> bool:
    """A header-only file is accepted (no records) for every domain but DM (the subjects)."""
    return DOMAINS.get(spec_name(domain), {}).get("may_be_empty", True)


def required_domains(protocol: dict) -> list[str]:
    """The domains a study must deliver: DM, EX, AE, DS always; LB if the protocol has labs
    (or a safety laboratory panel), VS if vitals, IE if eligibility criteria."""
    uses = {"LB": bool(protocol.get("labs") or protocol.get("safety_labs")), "VS": bool(protocol.get("vitals")),
            "IE": bool(protocol.get("criteria"))}
    return [d for d in ("DM", "EX", "LB", "VS", "AE", "DS", "IE") if uses.get(d, True)]


def empty_domain(domain: str) -> pd.DataFrame:
    """A domain without records (every column of its spec, as text): what a study that does not
    use the domain has."""
    return pd.DataFrame({c: pd.Series(dtype="string") for c in columns_of(domain)}).assign(DOMAIN=domain)

