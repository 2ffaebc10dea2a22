"""Four safety subjects on study days (first dose 2020-01-01 = day 1, no day 0) for the DMC display tests."""
import pandas as pd

D = pd.Timestamp("2020-01-01")        # every subject's first dose: study day 1


def day(n):                           # the date of study day n (no day 0)
    return D + pd.Timedelta(days=n - 1)


def four_subjects() -> pd.DataFrame:
    return pd.DataFrame({"USUBJID": ["S1", "S2", "S3", "S4"], "ARM_": ["A", "A", "B", "B"], "TRTSDT": [D] * 4,
                         "EOSDT": [day(100), pd.NaT, day(50), day(100)], "AGE": [40.0, 51.0, 62.0, 33.0],
                         "SEX": ["F", "M", "F", "M"], "EOSSTT": ["COMPLETED", None, "DISCONTINUED", "COMPLETED"],
                         "DCSREAS": [None, None, "ADVERSE EVENT", None]})
