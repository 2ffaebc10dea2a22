"""figures.common.save_figure: one drawing saved in every format asked (config report.figure_formats),
each byte-identical when drawn again (fixed metadata, no timestamps)."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from trialstats.figures.common import formats, save_figure  # noqa: E402


def _figure():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1, 2], [1, 3, 2], marker="o")
    ax.set_title("ALT over weeks")
    return fig


def test_formats_are_png_by_default_and_as_asked(tmp_path):
    assert formats(tmp_path / "f") == [tmp_path / "f.png"]
    assert formats(tmp_path / "f", ["png", "pdf", "svg"]) == [tmp_path / f"f.{e}" for e in ("png", "pdf", "svg")]


def test_every_format_is_written_and_byte_identical_on_a_second_drawing(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for stem in (first, second):
        save_figure(_figure(), formats(stem, ["png", "pdf", "svg"]), "f_1")
    for ext in ("png", "pdf", "svg"):
        a, b = (s.with_suffix(f".{ext}").read_bytes() for s in (first, second))
        assert len(a) > 1000 and a == b, ext
    assert plt.get_fignums() == []                      # each figure closed after saving
