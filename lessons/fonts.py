"""Chinese characters in the lessons' figures: a fallback font for Matplotlib.

Matplotlib's default font, DejaVu Sans, has no Chinese characters: the Tang poems of lesson 03
and the dates of lesson 09 (2009年6月25日) would be drawn as boxes. Since Matplotlib 3.6 each
character is drawn with the first family of `font.family` that has it, so adding an installed
Chinese font after the default keeps every Latin label as it was and draws the rest.
`import lessons` calls `use_cjk_fallback()`.
"""

import subprocess

# Fonts with Chinese characters, most wanted first: Linux (Noto, WenQuanYi), macOS, Windows.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "PingFang SC",
    "Heiti SC",
    "Microsoft YaHei",
    "SimHei",
)


def use_cjk_fallback():
    """Add the first installed font with Chinese characters to Matplotlib's `font.family`.

    Returns the family's name, or None where no such font is installed (then nothing
    changes). A font installed after Matplotlib built its font cache is found through
    fontconfig's `fc-list`.

    Example:

    >>> import matplotlib
    >>> family = use_cjk_fallback()
    >>> family is None or family in matplotlib.rcParams["font.family"]
    True
    """
    import matplotlib
    from matplotlib import font_manager

    family = _installed(font_manager) or _from_fontconfig(font_manager)
    if family and family not in matplotlib.rcParams["font.family"]:
        matplotlib.rcParams["font.family"] = [*matplotlib.rcParams["font.family"], family]
    return family


def _installed(font_manager):
    names = {font.name for font in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in names), None)


def _from_fontconfig(font_manager):
    try:
        listed = subprocess.run(
            ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in listed.splitlines():
        path = line.strip().rstrip(":")
        if path:
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    return _installed(font_manager)
