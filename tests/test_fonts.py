"""Chinese characters in figures: drawn from a CJK fallback font, not as empty boxes."""

import io
import warnings

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from lessons import fonts  # noqa: E402

TEXT = "zh_CN 2009年6月25日 -> 2009-06-25"


def missing_glyphs(text, size=12):
    """The warnings Matplotlib gives while drawing `text`: one per glyph its fonts lack."""
    fig, ax = plt.subplots()
    ax.set_title(text, fontsize=size)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


@pytest.fixture
def rc():
    with matplotlib.rc_context():
        yield


def test_default_font_lacks_the_characters(rc):
    matplotlib.rcParams["font.family"] = ["DejaVu Sans"]
    assert len(missing_glyphs(TEXT)) == 3  # 年, 月, 日: what the fallback must supply


def test_the_fallback_draws_every_character(rc):
    family = fonts.use_cjk_font()
    if family is None:
        pytest.skip("no CJK font installed (make install adds fonts-wqy-zenhei)")
    assert missing_glyphs(TEXT) == []
    assert matplotlib.rcParams["font.family"] == ["DejaVu Sans", family]  # Latin text unchanged


def test_none_when_no_cjk_font_is_installed(rc, monkeypatch):
    monkeypatch.setattr(fonts, "CJK_FAMILIES", ("A Family Nobody Has",))
    before = list(matplotlib.rcParams["font.family"])
    assert fonts.use_cjk_font() is None
    assert matplotlib.rcParams["font.family"] == before


def test_import_lessons_sets_the_fallback():
    """Every notebook's set-up cell imports lessons: its figures get the fallback from there."""
    import subprocess
    import sys

    if fonts.use_cjk_font() is None:
        pytest.skip("no CJK font installed (make install adds fonts-wqy-zenhei)")
    code = "import lessons, matplotlib; print(matplotlib.rcParams['font.family'][-1])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() in fonts.CJK_FAMILIES


def test_the_fallback_draws_without_warnings_in_the_log(rc, caplog):
    if fonts.use_cjk_font() is None:
        pytest.skip("no CJK font installed (make install adds fonts-wqy-zenhei)")
    with caplog.at_level("INFO", logger="matplotlib.font_manager"):
        assert missing_glyphs(TEXT, size=13.37) == []  # a size no lookup has cached
    assert not [r for r in caplog.records if r.levelname == "WARNING"], caplog.text
