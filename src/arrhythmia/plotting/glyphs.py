"""Many short texts in one artist: a strip's class letters and confidences as glyph outlines in one collection.

``ax.text`` makes one artist per string, laid out and rasterised one at a time: on a one-minute strip page its
~150 beat labels took about a third of the page's time. Here each distinct string's outline
(:class:`matplotlib.textpath.TextPath`, the same font) is made once per process and every label of a row is
drawn by one :class:`~matplotlib.collections.PathCollection`, placed in data coordinates and sized in points like
a text (``fontsize``, at any ``dpi``), anchored at its baseline and not clipped at the axes, like ``ax.text``'s
default.
"""

from __future__ import annotations

import functools

import numpy as np

TEXT_ZORDER = 3
"""Over the signal and the beat bands, as matplotlib's texts are."""


@functools.lru_cache(maxsize=2048)
def glyph_path(text: str, size: float, weight: str = "normal", ha: str = "center"):
    """The outline of ``text`` at ``size`` points, its baseline at 0, centred on 0 (``ha='center'``) or starting
    there (``'left'``)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath
    from matplotlib.transforms import Affine2D

    path = TextPath((0, 0), text, size=size, prop=FontProperties(weight=weight))
    ext = path.get_extents()
    dx = -(ext.x0 + ext.x1) / 2 if ha == "center" else 0.0
    return path.transformed(Affine2D().translate(dx, 0))


def draw_texts(ax, x, y, texts, colors, size: float, weight: str = "normal", ha: str = "center") -> None:
    """Draw ``texts[i]`` at ``(x[i], y)`` (data coordinates) in ``colors[i]`` (or all in one colour), all as one
    artist of ``ax``."""
    from matplotlib.collections import PathCollection
    from matplotlib.transforms import Affine2D

    texts = list(texts)
    colors = [colors] * len(texts) if isinstance(colors, str) else list(colors)
    keep = [i for i, t in enumerate(texts) if t]  # an empty text draws nothing, as ax.text('') does
    x = np.asarray(x, dtype=float)[keep]
    if not x.size:
        return
    paths = [glyph_path(texts[i], size, weight, ha) for i in keep]
    colors = [colors[i] for i in keep]
    points = Affine2D().scale(1 / 72) + ax.figure.dpi_scale_trans  # outlines in points, whatever the saved dpi
    ax.add_collection(PathCollection(paths, offsets=np.c_[x, np.broadcast_to(y, x.shape)],
                                     offset_transform=ax.transData, transform=points, facecolors=colors,
                                     edgecolors="none", linewidths=0, zorder=TEXT_ZORDER, clip_on=False),
                      autolim=False)  # not clipped at the axes, like a text
