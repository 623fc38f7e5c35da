"""Chinese characters in Matplotlib's figures (dates such as 2009年6月25日, the Tang poems).

Matplotlib's default font, DejaVu Sans, has no CJK glyphs: it draws an empty box
for each character and warns. `use_cjk_font` adds an installed CJK font after it
as a fallback, so Latin text keeps its look and each Chinese character is drawn
from the fallback. Debian and Ubuntu: `apt-get install fonts-wqy-zenhei` (or
`fonts-noto-cjk`); Colab: `!apt-get install -qq fonts-wqy-zenhei`, then restart
the runtime. macOS and Windows ship one of the families below.

Example:

>>> family = use_cjk_font()  # e.g. "WenQuanYi Zen Hei", or None if none is installed
"""

import logging

GENERIC = ("sans-serif", "serif", "monospace", "cursive", "fantasy")

# Families with the simplified-Chinese glyphs the lessons draw, best first.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "PingFang SC",
    "Heiti SC",
    "Microsoft YaHei",
    "SimHei",
)


def _installed_families():
    from matplotlib import font_manager

    manager = font_manager.fontManager
    names = {font.name for font in manager.ttflist}
    if not names.intersection(CJK_FAMILIES):
        # Matplotlib caches the font list; a font installed after the cache was made
        # is found on disk and added.
        known = {font.fname for font in manager.ttflist}
        for path in font_manager.findSystemFonts():
            if path not in known:
                try:
                    manager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # a file FreeType cannot read
                    continue
        names = {font.name for font in manager.ttflist}
    return names


def _quiet_weight(record):
    return "Failed to find font weight" not in record.getMessage()


def use_cjk_font():
    """Make an installed CJK font Matplotlib's fallback for Chinese characters.

    Returns:
        The family used, or None when none of `CJK_FAMILIES` is installed (the
        figures then show boxes where the characters should be).
    """
    from matplotlib import rcParams

    installed = _installed_families()
    family = next((name for name in CJK_FAMILIES if name in installed), None)
    if family is not None:
        # Some CJK fonts (WenQuanYi) carry weight 500 only: Matplotlib then warns at every
        # figure that it uses 500 for "normal". Harmless, and noise in a lesson's output.
        logging.getLogger("matplotlib.font_manager").addFilter(_quiet_weight)
        # Fallback works through a list of families: a generic name ("sans-serif")
        # stands for one font only, so it is replaced by the font it stands for.
        first = [
            rcParams[f"font.{name}"][0] if name in GENERIC else name
            for name in rcParams["font.family"]
        ]
        rcParams["font.family"] = [name for name in first if name != family] + [family]
    return family
