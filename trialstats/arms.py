"""One arm order and one colour per arm for every table and figure of a study.

Order: the arms by their numeric code where the data have one (TRTxxPN, ADaM route), else by
label (A, B, ... = order of first appearance in the randomization key); the control arm always
last. Colours: Okabe-Ito (colour-blind safe) by position in that order, the control in grey, so
an arm keeps its colour in every figure. Headers read "<arm> (N=<n>)".
"""
from __future__ import annotations

import math

OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
CONTROL_COLOUR = "#6E6E6E"
POOLED_COLOUR = "#000000"


def _rank(value) -> float:
    try:
        r = float(value)
    except (TypeError, ValueError):
        return math.inf
    return r if math.isfinite(r) else math.inf


def order_arms(arms, control: str | None = None, rank: dict | None = None) -> list[str]:
    """The display order: by numeric code (`rank`, arm -> code) then label, the control last."""
    rank = rank or {}
    unique = list(dict.fromkeys(str(a) for a in arms))
    return sorted(unique, key=lambda a: (a == control, _rank(rank.get(a)), a))


def arm_colours(arms, control: str | None = None, rank: dict | None = None) -> dict[str, str]:
    """Arm -> colour: Okabe-Ito by position among the active arms, the control grey."""
    ordered = order_arms(arms, control, rank)
    actives = [a for a in ordered if a != control]
    colours = {a: OKABE_ITO[i % len(OKABE_ITO)] for i, a in enumerate(actives)}
    if control in ordered:
        colours[control] = CONTROL_COLOUR
    return colours


def arm_header(arm, n) -> str:
    """A column header for an arm: "A (N=45)"."""
    return f"{arm} (N={int(n)})"


def label_arm_columns(frame, n_by_arm: dict):
    """Columns named by an arm ("A", or "A: n", "A: LS mean") headed with its N ("A (N=45)",
    "A (N=45): n"); other columns unchanged."""
    def head(col: str) -> str:
        arm, sep, rest = str(col).partition(": ")
        return arm_header(arm, n_by_arm[arm]) + sep + rest if arm in n_by_arm else col
    return frame.rename(columns=head)


def arm_sizes(adsl, arm: str, population: str = "SAFFL") -> dict[str, int]:
    """N per arm label of a population flag (SAFFL: safety tables; FASFL: efficacy tables)."""
    return {str(a): n for a, n in adsl[adsl[population] == "Y"].groupby(arm).size().items()}
