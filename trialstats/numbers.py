"""Rounding for display: half away from zero on the decimal value a number prints as (23.95 -> 24.0,
-0.125 -> -0.13), not on its binary float (Python's f"{23.95:.1f}" gives 23.9, as 23.95 is stored as
23.949999...)."""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal


def decimal_text(value: float, decimals: int) -> str:
    """`value` at `decimals` decimals, rounded half away from zero on its shortest decimal form (repr);
    "" for a missing value, "inf"/"-inf" as Python prints them."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and math.isinf(value):
        return f"{value}"
    exact = Decimal(repr(float(value))) if not isinstance(value, int) else Decimal(value)
    return f"{exact.quantize(Decimal(1).scaleb(-int(decimals)), rounding=ROUND_HALF_UP):f}"
