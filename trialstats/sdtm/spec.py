"""What each SDTM domain must hold: columns and their kind, keys, date order.

Column kinds: "id" text required in every row; "text" optional text; "date"/"date?" ISO 8601
date or date-time (required/optional); "num"/"num?" a number; ("in", values) / ("in?", values)
a controlled term. Columns not listed are carried through unchecked.

Dates the SDTM IG marks Expected, not Required (AESTDTC, LBDTC, VSDTC) may be blank: such a
record is kept, its ADaM date imputed where a rule applies, else listed as not placeable.
"""
from __future__ import annotations

SEXES = ("M", "F", "U")
NY = ("Y", "N")

BASE = {"STUDYID": "id", "DOMAIN": "id", "USUBJID": "id"}

DOMAINS: dict[str, dict] = {
    "DM": dict(columns={"SUBJID": "id", "RFICDTC": "date", "RFSTDTC": "date?", "RFENDTC": "date?",
                        "BRTHDTC": "date?", "AGE": "num", "SEX": ("in", SEXES)},
               keys=[["USUBJID"]], order=[("RFSTDTC", "RFENDTC"), ("BRTHDTC", "RFICDTC")]),
    "EX": dict(columns={"EXSEQ": "num", "EXTRT": "id", "EXDOSE": "num", "EXDOSU": "text",
                        "EXSTDTC": "date", "EXENDTC": "date?"},
               keys=[["USUBJID", "EXSEQ"], ["USUBJID", "EXSTDTC"]], order=[("EXSTDTC", "EXENDTC")],
               nonnegative=["EXDOSE"]),
    "LB": dict(columns={"LBSEQ": "num", "LBTESTCD": "id", "LBORRES": "text", "LBSTRESC": "text",
                        "LBSTRESN": "num?", "LBSTRESU": "text", "LBSTNRLO": "num?", "LBSTNRHI": "num?",
                        "VISITNUM": "num?", "VISIT": "text", "LBDTC": "date?"},
               keys=[["USUBJID", "LBSEQ"], ["USUBJID", "LBTESTCD", "VISITNUM", "LBDTC"]]),
    "VS": dict(columns={"VSSEQ": "num", "VSTESTCD": "id", "VSORRES": "text", "VSSTRESN": "num?",
                        "VSSTRESU": "text", "VSTPTNUM": "num?", "VISITNUM": "num?", "VISIT": "text",
                        "VSDTC": "date?"},
               keys=[["USUBJID", "VSSEQ"], ["USUBJID", "VSTESTCD", "VISITNUM", "VSTPTNUM", "VSDTC"]]),
    "AE": dict(columns={"AESEQ": "num", "AETERM": "id", "AEDECOD": "id", "AEBODSYS": "id",
                        "AESEV": ("in?", ("MILD", "MODERATE", "SEVERE")), "AESER": ("in", NY),
                        "AEREL": "text", "AESTDTC": "date?", "AEENDTC": "date?"},
               keys=[["USUBJID", "AESEQ"]], order=[("AESTDTC", "AEENDTC")], may_be_empty=True),
    "DS": dict(columns={"DSSEQ": "num", "DSDECOD": "id", "DSCAT": "id", "DSSTDTC": "date"},
               keys=[["USUBJID", "DSSEQ"]]),
    "CM": dict(columns={"CMSEQ": "num", "CMTRT": "id", "CMCLAS": "text", "CMCAT": "text",
                        "CMDOSE": "num?", "CMDOSU": "text", "CMSTDTC": "date?", "CMENDTC": "date?"},
               keys=[["USUBJID", "CMSEQ"]], order=[("CMSTDTC", "CMENDTC")], nonnegative=["CMDOSE"],
               may_be_empty=True),
    "MH": dict(columns={"MHSEQ": "num", "MHTERM": "id", "MHDECOD": "text", "MHSTDTC": "date?",
                        "MHDTC": "date?"},
               keys=[["USUBJID", "MHSEQ"]], order=[("MHSTDTC", "MHDTC")], may_be_empty=True),
    "IE": dict(columns={"IESEQ": "num", "IETESTCD": "id", "IECAT": ("in", ("INCLUSION", "EXCLUSION")),
                        "IEORRES": ("in", NY), "IEDTC": "date"},
               keys=[["USUBJID", "IESEQ"], ["USUBJID", "IETESTCD"]], may_be_empty=True),
    "SU": dict(columns={"SUSEQ": "num", "SUTRT": "id", "SUDOSE": "num?", "SUDOSFRQ": "text",
                        "SUDTC": "date?"},
               keys=[["USUBJID", "SUSEQ"]], nonnegative=["SUDOSE"], may_be_empty=True),
    "QS": dict(columns={"QSSEQ": "num", "QSTESTCD": "id", "QSSTRESN": "num?", "QSDTC": "date?"},
               keys=[["USUBJID", "QSSEQ"], ["USUBJID", "QSTESTCD", "QSDTC"]], may_be_empty=True),
    "PR": dict(columns={"PRSEQ": "num", "PRTRT": "id", "PRCAT": "text", "PRSTDTC": "date?",
                        "PRDTC": "date?"},
               keys=[["USUBJID", "PRSEQ"]], may_be_empty=True),
    # every SUPP-- domain (suppae.csv, suppdm.csv, ...): merged onto its parent (sdtm/suppqual.py)
    "SUPPQUAL": dict(columns={"RDOMAIN": "id", "IDVAR": "text", "IDVARVAL": "text", "QNAM": "id",
                              "QLABEL": "text", "QVAL": "text"},
                     keys=[["USUBJID", "RDOMAIN", "IDVAR", "IDVARVAL", "QNAM"]], may_be_empty=True),
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

