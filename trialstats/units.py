"""Unit conversions the analyses rely on. The factors are the study's, stated in its protocol
(labs: <test>: conversions: {unit: factor}, value in that unit = value in the standard unit x
factor, each with its source in a comment there); the library knows no analyte."""
from __future__ import annotations

import numpy as np


def convert(value, test: str, source: str, target: str, conversions: dict[str, float] | None = None,
            standard: str | None = None):
    """Convert a value or array of `test` from unit `source` to `target` (no-op if equal).

    `conversions` maps a unit to its factor from the `standard` unit (the protocol's unit of the
    test): standard -> unit multiplies by the factor, unit -> standard divides by it."""
    if source == target:
        return value
    conversions = conversions or {}
    if source == standard and target in conversions:
        factor = conversions[target]
    elif target == standard and source in conversions:
        factor = 1 / conversions[source]
    else:
        raise ValueError(f"no conversion for {test} from {source} to {target}: add it to the protocol "
                         f"(labs: {test}: conversions: {{{target}: factor}}); known: {sorted(conversions)} "
                         f"from {standard}")
    # rounded so that a value converted and compared at a limit (1.4 mg/dL) is not 1.3999999
    return np.round(value * factor, 10)


# as printed; the data keep the CDISC spelling
UNIT_DISPLAY = {"C": "°C", "F": "°F", "uU/mL": "µU/mL", "umol/L": "µmol/L"}


def parameter_label(name: str, unit: str | None = None) -> str:
    """A parameter as tables print it: "Temperature (°C)", "Creatinine (µmol/L)"; the name alone without a unit."""
    return f"{name} ({UNIT_DISPLAY.get(unit, unit)})" if unit else name
