"""The timeline of one patient profile: doses, adverse events (severity, seriousness, outcome), key
laboratory values as multiples of ULN (every record, retests included) and concomitant medications, on
one study-day axis (day 1 = the first dose)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from .common import STYLE  # noqa: E402

SEVERITY_COLOURS = {"MILD": "#9ecae1", "MODERATE": "#fd8d3c", "SEVERE": "#d62728",
                    "LIFE THREATENING": "#67000d", "DEATH": "#000000"}
LAB_STYLES = {"ALT": ("#d62728", "o"), "AST": ("#ff7f0e", "s"), "BILI": ("#2ca02c", "^"),
              "ALP": ("#9467bd", "D"), "CREAT": ("#7f7f7f", "v")}
PROFILE_HEIGHT_IN, PROFILE_WIDTH_IN = 2.6, 10.5   # printed within 6.8 cm x 26.7 cm: near full width


def _study_day(dates: pd.Series, first: pd.Timestamp) -> pd.Series:
    """Study day of dates (no day 0: day 1 = the first dose, the day before it -1)."""
    days = (pd.to_datetime(dates) - first).dt.days
    return days.where(days < 0, days + 1)


def g_profile(subject: str, first_dose, doses: pd.DataFrame, events: pd.DataFrame, labs: pd.DataFrame,
              conmeds: pd.DataFrame, last_day, medications_shown: bool = True) -> plt.Figure:
    """The timeline of `subject` from its profile records (listings.profiles); `first_dose` (ADSL TRTSDT)
    is day 1; medications ongoing and AEs without an end are drawn to `last_day`, the end of observation
    (ADSL EOSDT, else the data cut), marked by a solid line; events in the narrative in bold."""
    first = pd.Timestamp(first_dose)
    end = _study_day(pd.Series([pd.Timestamp(last_day)]), first).iloc[0]
    with plt.rc_context(STYLE):
        fig, (ax_ae, ax_cm, ax_lab) = plt.subplots(
            3, 1, sharex=True, figsize=(PROFILE_WIDTH_IN, PROFILE_HEIGHT_IN + 0.12 * (len(events) + len(conmeds))),
            gridspec_kw={"height_ratios": [max(len(events), 1) + 1, max(len(conmeds), 1), 4]})
        for ax in (ax_ae, ax_cm, ax_lab):
            for d in doses["ASTDY"]:
                ax.axvline(float(d), color="#1f77b4", lw=0.8, ls=":", zorder=0)
            ax.axvline(float(end), color="black", lw=0.8, zorder=0)
        for d, n in zip(doses["ASTDY"], doses["INFNUM"]):
            ax_ae.annotate(f"dose {int(n)}", (float(d), 1.0), xycoords=("data", "axes fraction"), fontsize=7,
                           color="#1f77b4", ha="center", va="bottom")
        labels = []
        for i, ae in enumerate(events.itertuples(index=False)):
            start = float(ae.ASTDY) if pd.notna(ae.ASTDY) else 1.0
            stop = float(ae.AENDY) if pd.notna(getattr(ae, "AENDY", pd.NA)) else float(end)
            serious = str(ae.AESER).upper() == "Y"
            ax_ae.barh(i, max(stop - start + 1, 1), left=start - 0.5, height=0.6,
                       color=SEVERITY_COLOURS.get(str(ae.AESEV).upper(), "#cccccc"),
                       edgecolor="black" if serious else "none", lw=1.6 if serious else 0,
                       hatch="//" if pd.isna(getattr(ae, "AENDY", pd.NA)) else None)
            labels.append(f"{ae.AEDECOD}{' (SAE)' if serious else ''}: {str(ae.AEOUT).lower()}")
        ax_ae.set_yticks(range(len(labels)), labels, fontsize=7)
        for tick, narrated in zip(ax_ae.get_yticklabels(), events["NARR_"]):
            tick.set_fontweight("bold" if narrated else "normal")
        ax_ae.invert_yaxis()
        ax_ae.set_title("Adverse events (bold: in the narrative; black edge: serious; hatched: no end date); "
                        "dotted lines: doses; solid line: end of observation",
                        fontsize=7.5, loc="left", pad=12)
        ax_ae.legend(handles=[Patch(color=c, label=s.capitalize()) for s, c in SEVERITY_COLOURS.items()
                              if s in set(events["AESEV"].astype(str).str.upper())],
                     fontsize=7, ncol=5, loc="upper right", bbox_to_anchor=(1, 1.3), frameon=False)
        cm_labels = []
        for i, cm in enumerate(conmeds.itertuples(index=False)):
            start = max(float(_study_day(pd.Series([cm.START]), first).iloc[0]), -30.0) if pd.notna(cm.START) else -30
            stop = float(_study_day(pd.Series([cm.END]), first).iloc[0]) if pd.notna(cm.END) else float(end)
            ax_cm.barh(i, stop - start, left=start, height=0.5, color="#bdbdbd")
            cm_labels.append(str(cm.CMDECOD).capitalize())
        ax_cm.set_yticks(range(len(cm_labels)), cm_labels, fontsize=7)
        ax_cm.invert_yaxis()
        ax_cm.set_title("Concomitant medications (bars start at day -30 at the earliest)" if len(conmeds) else
                        "Concomitant medications: none on or after the first dose" if medications_shown else
                        "Concomitant medications: not shown in the open session (the closed report has them)",
                        fontsize=7.5, loc="left")
        for test, d in labs.groupby("PARAMCD", sort=True):
            colour, marker = LAB_STYLES.get(test, ("black", "o"))
            ax_lab.plot(d["ADY"].astype(float), d["XULN"].astype(float), marker=marker, ms=3.5, lw=1,
                        color=colour, label=test)
        ax_lab.axhline(1, color="black", lw=0.6)
        ax_lab.axhline(3, color="#d62728", lw=0.6, ls="--")
        ax_lab.set_ylabel("x ULN", fontsize=7.5)
        ax_lab.set_xlabel("Study day (day 1 = first dose)")
        ax_lab.set_title("Key laboratory values as x ULN, every record; lines at 1 and 3 x ULN", fontsize=7.5,
                         loc="left")
        if len(labs):
            ax_lab.legend(fontsize=7, ncol=5, loc="lower right", bbox_to_anchor=(1, 1), frameon=False)
        fig.tight_layout()
    return fig
