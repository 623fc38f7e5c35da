"""Chinese characters in the lessons' figures: `import lessons` gives Matplotlib a font for them."""

import warnings

import matplotlib
import numpy as np
import pytest

import lessons  # noqa: F401  (what every notebook's set-up cell does)
from lessons import fonts

matplotlib.use("Agg")


def drawn(text):
    """(pixels, Matplotlib's missing-glyph warnings) for `text` drawn in the current rcParams."""
    import matplotlib.pyplot as plt

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = plt.figure(figsize=(1, 1), dpi=64)
        fig.text(0.1, 0.3, text, fontsize=28)
        fig.canvas.draw()
        pixels = np.asarray(fig.canvas.buffer_rgba())[..., 0].copy()
        plt.close(fig)
    return pixels, [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_chinese_is_drawn_as_glyphs_not_boxes():
    family = fonts.use_cjk_fallback()
    if family is None:
        pytest.skip("no font with Chinese characters installed (make install: fonts-wqy-zenhei)")
    assert matplotlib.rcParams["font.family"][-1] == family
    assert matplotlib.rcParams["font.family"].count(family) == 1  # called twice, added once
    box, missing = drawn("\u0378")  # no font has it: the missing-glyph box
    assert missing  # the check below can see a box
    glyphs = {}
    for char in "年月日春":
        glyphs[char], missing = drawn(char)
        assert missing == [], missing
        assert (glyphs[char] < 128).sum() > 20 and not np.array_equal(glyphs[char], box)
    assert len({g.tobytes() for g in glyphs.values()}) == 4  # four different glyphs

    before = matplotlib.rcParams["font.family"]
    try:
        latin, _ = drawn("Hg")
        matplotlib.rcParams["font.family"] = before[:-1]
        assert np.array_equal(drawn("Hg")[0], latin)  # Latin keeps the default font
        assert drawn("年")[1]  # and without the fallback, 年 is missing: drawn as a box
    finally:
        matplotlib.rcParams["font.family"] = before
