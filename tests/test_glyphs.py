"""The strip's beat labels drawn as glyph outlines: placed and sized as the texts they replace, one artist a row."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402

from arrhythmia.plotting.glyphs import draw_texts, glyph_path  # noqa: E402


def test_glyphs_are_anchored_and_sized_like_texts():
    centred, left = glyph_path("0.97", 7), glyph_path("?", 10, ha="left")
    e = centred.get_extents()
    assert abs(e.x0 + e.x1) < 1e-9 and abs(e.y0) < 0.2  # centred on the point, on the baseline (round glyphs dip)
    le = left.get_extents()  # 'left' starts at the point (the glyph's side bearing after it), as a text does
    assert 0 <= le.x0 < 0.3 * le.width
    shifted = left.vertices - [(le.x0 + le.x1) / 2, 0]
    np.testing.assert_allclose(glyph_path("?", 10, ha="center").vertices, shifted, atol=1e-9)
    fig, ax = plt.subplots(figsize=(4, 2), dpi=90)
    ax.set_xlim(0, 10)
    text = ax.text(5, 0.5, "N", fontsize=10, fontweight="bold", ha="center")
    draw_texts(ax, [5.0], 0.5, ["N"], ["k"], 10, weight="bold")
    fig.canvas.draw()
    tb = text.get_window_extent()
    gb = ax.collections[-1].get_paths()[0].transformed(ax.collections[-1].get_transform()).get_extents()
    # the size of the text in pixels at this dpi: the ink inside the text's box, which adds the side bearings and
    # the descent (points taken for pixels would make it 90/72 too large)
    assert 0.65 * tb.width < gb.width <= tb.width and 0.6 * tb.height < gb.height <= tb.height
    plt.close(fig)


def test_a_strip_row_draws_its_labels_as_one_collection(tmp_path):
    from arrhythmia.plotting import strip

    fs, n = 360.0, 3600
    sig = np.sin(np.arange(n) / fs * 2 * np.pi)
    samples = np.arange(180, n, 360)
    labels = np.array(["N", "S", "V", "N", "N", "F", "Q", "N", "N", "N"])
    conf = np.linspace(0.4, 1.0, samples.size)
    fig, ax = plt.subplots()
    strip._beats(ax, samples / fs, labels, conf, -1.0, 1.0, 2.0, 0.6)
    cols = [c for c in ax.collections if isinstance(c, PathCollection)]
    # letters, confidences, and the '?' of the 2 beats under 0.6
    assert [len(c.get_paths()) for c in cols] == [10, 10, int((conf < 0.6).sum())]
    np.testing.assert_allclose(cols[0].get_offsets()[:, 0], samples / fs)
    assert not ax.texts
    plt.close(fig)
    fig, ax = plt.subplots()
    draw_texts(ax, [1.0, 2.0, 3.0], 0.0, ["N", "", "V"], "k", 10)  # an empty text draws nothing, as ax.text('')
    assert len(ax.collections[0].get_paths()) == 2
    np.testing.assert_allclose(ax.collections[0].get_offsets()[:, 0], [1.0, 3.0])
    plt.close(fig)
    assert strip.plot_strip(sig, fs, samples, labels, conf, tmp_path / "s.png", duration_s=10).is_file()
