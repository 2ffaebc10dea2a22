"""The open side's trial-conduct folder (rule open_flow, the blinded ADaM only): accrual, completeness,
deviations and the accrual figure; for a randomized study the open session's pooled safety tables and,
where the protocol wants them (narratives.open), the patient profiles without arm."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..figures.common import formats, save_figure
from ..figures.conduct import g_accrual
from ..io import read_datasets, write_csv
from ..protocol import dose_words, narrative_aesi
from ..tables.conduct import open_safety_tables, open_side_tables
from .profiles import write_profiles


def write_open_side(tables: Path, adam: Path, sdtm: Path, adsl: pd.DataFrame, protocol: dict, cut: str,
                    randomized: bool, enrolled: str, exts=("png",)) -> None:
    """Write the open side's conduct (and, randomized, pooled safety) files into `tables`."""
    adae, adeff = (pd.read_parquet(adam / f"{name}.parquet") for name in ("adae", "adeff"))
    conduct = open_side_tables(adsl, adae, adeff, protocol, cut, randomized)
    if randomized:        # the open session's pooled safety (a single-arm study's review has its own safety job)
        lab, ex = (pd.read_parquet(adam / f"{name}.parquet") if (adam / f"{name}.parquet").exists() else None
                   for name in ("adlb", "adex"))
        aesi = [a["name"] for a in protocol.get("aesi", [])]          # as the closed side (aesi_names)
        conduct.update(open_safety_tables(adsl, adae, lab, ex, aesi))
        if (protocol.get("narratives") or {}).get("open"):           # the profiles without arm
            write_profiles(tables, {"adsl": adsl, "adae": adae, "adlb": lab, "adex": ex},   # as read above
                           read_datasets(sdtm, {"cm", "mh"}), narrative_aesi(protocol), None, cut,
                           dose_words(protocol)["dose_word"], selecting_only=True)
    for name, frame in conduct.items():
        write_csv(frame, tables / f"{name}.csv")
    save_figure(g_accrual(conduct["accrual"], protocol["study"].get("target_randomized"), "Accrual over time",
                          enrolled), formats(tables / "accrual", exts), "accrual")
