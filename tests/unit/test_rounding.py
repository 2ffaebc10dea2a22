"""Display rounding: half away from zero on the decimal value (trialstats.numbers.decimal_text), as SAS's
ROUND function and R's janitor::round_half_up do, not Python's float formatting (23.95 -> "23.9")."""
import random

import pytest

from trialstats.numbers import decimal_text
from trialstats.tables.format import estimate_ci, fmt, fmt_fixed, fmt_p, n_over_n_pct


@pytest.mark.parametrize("value, decimals, expected", [
    (23.95, 1, "24.0"),      # issue 28's slip: f"{23.95:.1f}" is "23.9" (the float is 23.94999...)
    (2.675, 2, "2.68"),      # Python documentation, round(): round(2.675, 2) gives 2.67
    (0.125, 2, "0.13"), (-0.125, 2, "-0.13"), (2.5, 0, "3"), (-2.5, 0, "-3"),   # ties away from zero
    (1.005, 2, "1.01"),      # SAS ROUND(1.005, 0.01) = 1.01 (SAS documentation, ROUND function)
    (0.04965, 4, "0.0497"), (7, 1, "7.0"), (1.04999, 1, "1.0"),
])
def test_half_away_from_zero_on_the_decimal_value(value, decimals, expected):
    assert decimal_text(value, decimals) == expected


def test_against_integer_arithmetic_on_the_digits():
    """An independent rounding of decimal strings: integer digits, add 5 at the first dropped place."""
    rng = random.Random(28)
    for _ in range(2000):
        digits, places, keep = rng.randrange(0, 10 ** 7), rng.randrange(1, 6), rng.randrange(0, 4)
        sign = rng.choice([1, -1])
        keep = min(keep, places - 1)
        text = f"{'-' if sign < 0 else ''}{digits // 10 ** places}.{digits % 10 ** places:0{places}d}"
        scaled = (digits + 5 * 10 ** (places - keep - 1)) // 10 ** (places - keep)   # half up on |value|
        whole, frac = divmod(scaled, 10 ** keep)
        expected = f"{whole}" + (f".{frac:0{keep}d}" if keep else "")
        expected = ("-" + expected) if sign < 0 else expected
        assert decimal_text(float(text), keep) == expected, text


def test_the_display_formats_round_the_same_way():
    assert fmt(23.95, "pct") == "24.0" and fmt(0.23955, "pp") == "23.96" and fmt(1.125, "ratio") == "1.13"
    assert fmt(2.25, "df") == "2.3" and fmt(12.0, "count") == "12" and fmt(12.25, "count") == "12.3"
    assert fmt_fixed(23.95, 1) == "24.0" and fmt_fixed(-0.04, 1) == "0.0"      # never "-0.0"
    assert fmt_p(0.04965) == "0.0497" and fmt_p(0.00004) == "<0.0001" and fmt_p(float("nan")) == ""
    assert n_over_n_pct(479, 2000, 23.95) == "479/2000 (24.0%)"
    assert estimate_ci(-0.125, -1.25, 0.95, "ratio") == "-0.13 (-1.25, 0.95)"
    assert decimal_text(float("nan"), 1) == "" and decimal_text(None, 1) == ""
