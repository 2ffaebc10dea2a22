"""Reading back the RTF tables trialstats.report.rtf writes, for checks."""
import re


def table_cells(rtf: str) -> list[list[dict]]:
    """The rows of the tables this module wrote, per cell: width (twips), font size (pt), left
    indent (twips), alignment and text; for checks."""
    rows = []
    for match in re.finditer(r"\\trowd(.*?)\n(.*?)\\row", rtf):
        edges = [int(e) for e in re.findall(r"\\cellx(\d+)", match.group(1))]
        cells = match.group(2).split("\\cell")[:-1]
        rows.append([dict(width=b - a, size=int(re.search(r"\\fs(\d+)", c).group(1)) / 2,
                          indent=int((re.search(r"\\li(\d+)", c) or [0, 0])[1]),
                          align=re.search(r"\\q[lrcj]", c).group(0)[1:],
                          text=re.sub(r"\\[a-z]+-?\d* ?|[{}]", "", c))
                     for a, b, c in zip([0] + edges, edges, cells)])
    return rows
