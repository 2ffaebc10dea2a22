"""Unit conversions the analyses rely on, each factor spelled out with its source."""
from __future__ import annotations

import numpy as np

# value_in_target_unit = value_in_source_unit * factor
CONVERSIONS: dict[tuple[str, str, str], float] = {
    # creatinine: 1 mg/dL = 88.42 umol/L (molar mass 113.12 g/mol)
    ("CREAT", "umol/L", "mg/dL"): 1 / 88.42,
    ("CREAT", "mg/dL", "umol/L"): 88.42,
    # glucose: 1 mmol/L = 18.016 mg/dL (molar mass 180.16 g/mol)
    ("GLUC", "mmol/L", "mg/dL"): 18.016,
    ("OGTT2H", "mmol/L", "mg/dL"): 18.016,
    # C-peptide: 1 ng/mL = 331 pmol/L (molar mass 3020 g/mol; the SAP pins 331)
    ("CPEPTIDE", "ng/mL", "pmol/L"): 331.0,
}


def convert(value, test: str, source: str, target: str):
    """Convert a value or array of `test` from unit `source` to `target` (no-op if equal)."""
    if source == target:
        return value
    try:
        # rounded so that a value converted and compared at a limit (1.4 mg/dL) is not 1.3999999
        return np.round(value * CONVERSIONS[(test, source, target)], 10)
    except KeyError:
        raise ValueError(f"no conversion for {test} from {source} to {target}; "
                         f"known: {sorted(CONVERSIONS)}") from None
