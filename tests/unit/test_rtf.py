"""RTF of long listings (write_rtf_long): every value, the header repeated on each page, valid nesting."""
import re

import pandas as pd

from trialstats.report.catalog import Output
from trialstats.report.rtf import LONG, write_rtf_long, write_rtf_tables


def listing(n):
    return pd.DataFrame({"Arm": ["A", "B"] * (n // 2), "USUBJID": [f"S-{i:05d}" for i in range(n)],
                         "AEDECOD": ["Hypoglycaemia", "Naus\u00e9e {x}\\y"] * (n // 2)})


OUT = Output("l_16_2_3", "Listing 16.2.3", "Adverse events of special interest", "Safety set", "x.csv",
             "listing", footnote="Level 1: glucose < 3.9 mmol/L", source="ADAE")


def test_long_listing_rtf_holds_every_row_once_with_a_repeated_header(tmp_path):
    frame = listing(1200)
    write_rtf_long(frame, tmp_path / "l.rtf", OUT, OUT.footnote)
    text = (tmp_path / "l.rtf").read_text(encoding="ascii")
    assert text.startswith("{\\rtf1") and text.rstrip().endswith("}")
    unescaped = re.sub(r"\\[{}\\]", "", text)
    assert unescaped.count("{") == unescaped.count("}")
    assert text.count("\\row") == len(frame) + 1 and text.count("\\trhdr") == 1
    assert all(f"S-{i:05d}" in text for i in range(len(frame)))
    assert "Naus\\u233?e \\{x\\}\\\\y" in text                    # escaped, not lost
    assert "Listing 16.2.3 Adverse events of special interest" in text and "Source: ADAE" in text


def test_the_report_uses_the_long_writer_only_for_long_listings(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr("trialstats.report.rtf.write_rtf_long", lambda f, *a: calls.append(("long", len(f))))
    monkeypatch.setattr("trialstats.report.rtf.write_rtf", lambda f, *a: calls.append(("rtflite", len(f))))
    for n, name in ((10, "short"), (LONG + 2, "long")):
        listing(n).to_csv(tmp_path / f"{name}.csv", index=False)
    outs = [Output(name, "Listing 1", "x", "Safety set", f"{name}.csv", "listing") for name in ("short", "long")]
    write_rtf_tables([("s", outs)], tmp_path, tmp_path / "rtf")
    assert calls == [("rtflite", 10), ("long", LONG + 2)]
