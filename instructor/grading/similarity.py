"""The similarity report: which exercise code looks copied, for the instructor to read.

`rnn-lessons grade` writes `similarity.csv` and `similarity.md` next to
`grades.csv`. Each row compares the code two submissions wrote for the same
exercise, or one submission with the kit's own source or the solution. The
numbers never change points: short exercises with one natural answer look
alike however they were written, so the report says where to look, and the
instructor decides what happened.

The measure is copydetect's (winnowing, the fingerprints MOSS uses; Schleimer,
Wilkerson and Aiken, SIGMOD 2003), not string matching of our own:

- copydetect's `filter_code` tokenises the code with pygments, drops comments
  and whitespace and writes every variable or attribute name as V, function
  name as F, class name as O and string as S: renaming and recommenting
  change nothing;
- every run of `noise` characters of that normalised code (a k-gram) is
  hashed, and winnowing keeps the smallest hash of each window of
  `guarantee - noise + 1` k-grams: a match of `guarantee` characters or more
  is always found, one shorter than `noise` never counts;
- the k-grams of the exercise's stub (the template every student starts from)
  are copydetect's boilerplate, removed first, so untouched template code
  matches nothing and a blank notebook has nothing left to compare;
- `share_a` is the part of a's fingerprinted code that is also in b
  (copydetect's similarity of a to b). `similarity` is the larger of the two
  shares for two submissions (so copying and adding code still shows), and
  the submission's share against a reference (a kit module is much longer
  than any exercise).

copydetect hashes each k-gram with Python's `hash` of a `str`, salted afresh
in every process (PYTHONHASHSEED), which would change which fingerprints
winnowing keeps, and so the numbers, from one grading run to the next. Here
the library gets the normalised code as a tuple of code points instead: the
same k-grams, sliced and hashed by the same code, but tuples of ints hash the
same in every process, so two runs write the same bytes.
"""

import csv
import dataclasses
import io
import itertools
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
from copydetect import CodeFingerprint, compare_files
from copydetect.utils import filter_code

COLUMNS = (
    "lesson",
    "exercise",
    "a",
    "b",
    "similarity",
    "share_a",
    "share_b",
    "tokens_a",
    "tokens_b",
)


@dataclasses.dataclass(frozen=True)
class Entry:
    """Code to compare: a student's exercise cells (joined), or a reference.

    For a reference, `student` is its label ("solution", "kit:lessons/gru.py")
    and `exercise` may be None: a whole kit module, compared with every
    exercise of its lesson.
    """

    student: str
    lesson: str
    exercise: str | None
    code: str

    def __post_init__(self):
        for name in ("student", "lesson", "code"):
            if not isinstance(getattr(self, name), str):
                value = getattr(self, name)
                raise TypeError(f"Entry `{name}` must be a str, got {type(value).__name__}.")
        if self.exercise is not None and not isinstance(self.exercise, str):
            raise TypeError(
                f"Entry `exercise` must be a str or None, got {type(self.exercise).__name__}."
            )
        if not self.student or not self.lesson or self.exercise == "":
            raise ValueError(f"Entry needs a non-empty student, lesson and exercise: {self!r}.")


class _CodePoints:
    """What `CodeFingerprint` reads (its `fp`): normalised code as a tuple of code points.

    copydetect only slices the code into k-grams and hashes them; a tuple of
    ints gives the same k-grams with a hash that is not salted per process.
    """

    def __init__(self, text):
        self.text = text

    def read(self):
        return tuple(map(ord, self.text))


def fingerprint(code, noise=25, guarantee=30, boilerplate=None):
    """copydetect's fingerprint of Python `code`, with the k-gram hashes of `boilerplate` removed.

    Returns a `copydetect.CodeFingerprint` whose `token_coverage` counts the
    characters of normalised code that its fingerprints cover.
    """
    normalised, _ = filter_code(code, "exercise.py", language="python")
    return CodeFingerprint(
        "exercise.py",
        noise,
        guarantee - noise + 1,
        boilerplate=boilerplate,
        filter=False,
        fp=_CodePoints(normalised),
    )


def boilerplate_hashes(code, noise=25):
    """Every k-gram hash of `code` (window 1, as copydetect's own boilerplate), sorted."""
    return np.array(sorted(fingerprint(code, noise, noise).hashes), dtype=np.int64)


def _checked(entries, name, *, exercise_required):
    if isinstance(entries, (str, bytes, Entry)) or not isinstance(entries, Iterable):
        raise TypeError(f"`{name}` must be an iterable of Entry, got {type(entries).__name__}.")
    checked, seen = [], set()
    for i, entry in enumerate(entries):
        if not isinstance(entry, Entry):
            raise TypeError(f"`{name}[{i}]` must be an Entry, got {type(entry).__name__}.")
        if exercise_required and entry.exercise is None:
            raise ValueError(f"`{name}[{i}]` has no exercise: {entry.student}, {entry.lesson}.")
        key = (entry.student, entry.lesson, entry.exercise)
        if key in seen:
            raise ValueError(f"`{name}` holds {key} twice: join the code of one exercise first.")
        seen.add(key)
        checked.append(entry)
    return checked


def _checked_stubs(stubs):
    if stubs is None:
        return {}
    if not isinstance(stubs, Mapping):
        raise TypeError(f"`stubs` must map (lesson, exercise) to code, got {type(stubs).__name__}.")
    for key, code in stubs.items():
        if not (isinstance(key, tuple) and len(key) == 2 and all(isinstance(k, str) for k in key)):
            raise TypeError(f"`stubs` keys must be (lesson, exercise) pairs of str, got {key!r}.")
        if not isinstance(code, str):
            raise TypeError(f"`stubs[{key!r}]` must be a str, got {type(code).__name__}.")
    return dict(stubs)


def _checked_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"`{name}` must be an int, got {type(value).__name__}.")
    if value < minimum:
        raise ValueError(f"`{name}` must be at least {minimum}, got {value}.")
    return value


def similarity_rows(entries, references=(), *, stubs=None, noise=25, guarantee=30, min_tokens=50):
    """The compared pairs as dicts with the keys `COLUMNS`, most alike first.

    A submission whose code, once the stub's k-grams are gone, has fewer than
    `min_tokens` characters of normalised code under its fingerprints is left
    out: an untouched template, an empty cell or a one-word edit of the stub
    is no evidence of anything, and would match every other one exactly.
    """
    entries = _checked(entries, "entries", exercise_required=True)
    references = _checked(references, "references", exercise_required=False)
    stubs = _checked_stubs(stubs)
    noise = _checked_int(noise, "noise", 1)
    guarantee = _checked_int(guarantee, "guarantee", 1)
    if guarantee < noise:
        raise ValueError(f"`guarantee` ({guarantee}) must be at least `noise` ({noise}).")
    min_tokens = _checked_int(min_tokens, "min_tokens", 0)

    by_exercise = {}
    for entry in entries:
        by_exercise.setdefault((entry.lesson, entry.exercise), []).append(entry)
    rows = []
    for (lesson, exercise), group in sorted(by_exercise.items()):
        boilerplate = boilerplate_hashes(stubs.get((lesson, exercise), ""), noise)
        prints = {}
        for entry in sorted(group, key=lambda e: e.student):
            fp = fingerprint(entry.code, noise, guarantee, boilerplate)
            if fp.hashes and fp.token_coverage >= max(min_tokens, 1):
                prints[entry.student] = fp
        pairs = [(a, b, prints[a], prints[b], False) for a, b in itertools.combinations(prints, 2)]
        # One reference per label: the exercise's own code rather than its whole module.
        chosen = {}
        for ref in references:
            if ref.lesson == lesson and ref.exercise in (None, exercise):
                if ref.student not in chosen or ref.exercise is not None:
                    chosen[ref.student] = ref
        for label, ref in sorted(chosen.items()):
            ref_print = fingerprint(ref.code, noise, guarantee, boilerplate)
            if ref_print.hashes:
                pairs += [(a, label, fp, ref_print, True) for a, fp in prints.items()]
        for a, b, fp_a, fp_b, is_reference in pairs:
            _, (share_a, share_b), _ = compare_files(fp_a, fp_b)
            share_a, share_b = round(float(share_a), 3), round(float(share_b), 3)
            rows.append(
                {
                    "lesson": lesson,
                    "exercise": exercise,
                    "a": a,
                    "b": b,
                    "similarity": share_a if is_reference else max(share_a, share_b),
                    "share_a": share_a,
                    "share_b": share_b,
                    "tokens_a": int(fp_a.token_coverage),
                    "tokens_b": int(fp_b.token_coverage),
                }
            )
    rows.sort(key=lambda r: (-r["similarity"], r["lesson"], r["exercise"], r["a"], r["b"]))
    return rows


def to_csv(rows):
    """similarity.csv's text: `COLUMNS`, shares with 3 decimals."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {**row, **{k: f"{row[k]:.3f}" for k in ("similarity", "share_a", "share_b")}}
        )
    return buffer.getvalue()


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(rows, *, top=20, threshold=0.5):
    """similarity.md's text: what the numbers mean, then the `top` rows at or above `threshold`."""
    lines = [
        "# How alike the exercise code is",
        "",
        "Each pair is two submissions of the same exercise, or a submission and the kit's own",
        "source (`kit:`) or the solution, compared with copydetect's winnowing fingerprints (as",
        "MOSS does). Comments, blank lines and the names of variables, functions and classes are",
        "ignored, and the exercise's template is left out, so renaming and recommenting do not",
        "hide copied code. `similarity` is the share of the code found in the other one (for two",
        "submissions, the larger of the two shares): 1.000 means all of it. `tokens` counts the",
        "characters of normalised code compared, after the template is removed.",
        "",
        "These numbers never change points, and they do not say what happened: short exercises",
        "with one natural answer look alike when written independently. A high similarity with",
        "a `kit:` module means code copied from the kit's own source; with `solution`, it means",
        "copied from the solution, or an answer written straight from the equations as the",
        "solution is: read the two before concluding anything.",
        "",
    ]
    shown = [r for r in rows if r["similarity"] >= threshold][:top]
    if not rows:
        lines.append("No pairs to compare: no submission has code of its own beyond the template.")
    elif not shown:
        lines.append(
            f"{len(rows)} pair(s) compared; none reaches a similarity of {threshold:.2f}. "
            "All of them are in `similarity.csv`."
        )
    else:
        lines += [
            f"{len(rows)} pair(s) compared; the {len(shown)} most alike with a similarity of at "
            f"least {threshold:.2f} are below, and all of them are in `similarity.csv`.",
            "",
            "| similarity | lesson | exercise | a | b | share of a, of b | tokens of a, of b |",
            "|---:|---|---|---|---|---:|---:|",
        ]
        for r in shown:
            cells = [
                f"{r['similarity']:.3f}",
                *(_cell(r[k]) for k in ("lesson", "exercise", "a", "b")),
                f"{r['share_a']:.3f}, {r['share_b']:.3f}",
                f"{r['tokens_a']}, {r['tokens_b']}",
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _write_atomically(path, text):
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def report(
    entries,
    references,
    out_dir,
    *,
    stubs=None,
    noise=25,
    guarantee=30,
    min_tokens=50,
    top=20,
    threshold=0.5,
):
    """Write `out_dir/similarity.csv` and `out_dir/similarity.md`; return the rows.

    Args:
        entries: `Entry` per student and exercise: the code of that exercise's cells.
        references: `Entry` per reference (the solution's exercise code, a kit
            module with `exercise=None`), compared with every submission of
            its lesson (and exercise).
        out_dir: An existing folder.
        stubs: `{(lesson, exercise): code}`, the template the student notebook
            gives; its k-grams are removed before comparing.
        noise, guarantee: copydetect's thresholds, in characters of normalised
            code: matches shorter than `noise` are ignored, those of
            `guarantee` or more are always found.
        min_tokens: Submissions with less code of their own are left out.
        top, threshold: How many rows `similarity.md` shows, from which similarity.
    """
    if not isinstance(out_dir, (str, os.PathLike)):
        raise TypeError(f"`out_dir` must be a path, got {type(out_dir).__name__}.")
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise ValueError(f"`out_dir` must be an existing folder, got {str(out_dir)!r}.")
    top = _checked_int(top, "top", 0)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise TypeError(f"`threshold` must be a number, got {type(threshold).__name__}.")
    if not 0 <= threshold <= 1:
        raise ValueError(f"`threshold` must be in [0, 1], got {threshold}.")
    rows = similarity_rows(
        entries,
        references,
        stubs=stubs,
        noise=noise,
        guarantee=guarantee,
        min_tokens=min_tokens,
    )
    _write_atomically(out_dir / "similarity.csv", to_csv(rows))
    _write_atomically(out_dir / "similarity.md", to_markdown(rows, top=top, threshold=threshold))
    return rows
