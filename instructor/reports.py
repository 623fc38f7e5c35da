"""What `rnn-lessons grade` writes for the instructor besides the feedback files.

- `grades.csv`: the long table, one row per student, lesson and exercise;
- `gradebook.csv`: the wide table an LMS imports, one row per student;
- `similarity.csv` and `similarity.md`: which exercise code looks copied
  (`instructor.grading.similarity`); it never changes points.

Every file is written atomically (a temporary file renamed), so an interrupted
run never leaves half a table.
"""

import csv
import importlib.util
import inspect
import io
import json
import os
import statistics

COLUMNS = ("student", "lesson", "exercise", "points", "max_points", "status", "file", "detail")
STATE = ".grade-state.json"
POSSIBLE = "Points Possible"  # the gradebook's maximum row, as Canvas names it
# The folder holding the package `lessons`: kit files are named from there (lessons/gru.py).
KIT_ROOT = os.path.dirname(os.path.dirname(importlib.util.find_spec("lessons").origin))


def write_atomically(path, text):
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _csv(columns, rows):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_outputs(out_dir, state, order=None):
    """grades.csv, gradebook.csv and the state, from the state's rows.

    `order`: {lesson: [exercise, ...]} in notebook order (the gradebook's columns).
    """
    graded = state["submissions"]
    rows = [row for key in sorted(graded) for row in graded[key]["rows"]]
    write_atomically(out_dir / "grades.csv", _csv(COLUMNS, rows))
    write_atomically(out_dir / "gradebook.csv", gradebook(rows, order or {}))
    write_atomically(out_dir / STATE, json.dumps(state, indent=1))


def _number(value):
    return f"{round(value, 2):g}"


def gradebook(rows, order):
    """One row per student: the total, each lesson's total and each exercise's points.

    Columns: `student`, `total`, then per lesson (sorted) `<lesson>` and
    `<lesson>/<exercise>` (notebook order); the first row holds the maximum
    points. A lesson a student did not hand in is left blank, not 0.
    """
    exercises, possible, points = {}, {}, {}
    for row in rows:
        lesson, exercise = row["lesson"], row["exercise"]
        points.setdefault(row["student"], {})
        if not exercise:  # a file of an unknown lesson: no exercise to put it in
            continue
        exercises.setdefault(lesson, [])
        if exercise not in exercises[lesson]:
            exercises[lesson].append(exercise)
        possible[lesson, exercise] = float(row["max_points"])
        points.setdefault(row["student"], {})[lesson, exercise] = float(row["points"])
    columns = ["student", "total"]
    for lesson in sorted(exercises):
        known = order.get(lesson, [])
        names = [e for e in known if e in exercises[lesson]]
        names += sorted(e for e in exercises[lesson] if e not in known)
        exercises[lesson] = names
        columns += [lesson, *(f"{lesson}/{e}" for e in names)]

    def line(student, values):
        out = {"student": student}
        for lesson, names in exercises.items():
            got = [values[lesson, e] for e in names if (lesson, e) in values]
            out[lesson] = _number(sum(got)) if got else ""
            for e in names:
                out[f"{lesson}/{e}"] = _number(values[lesson, e]) if (lesson, e) in values else ""
        out["total"] = _number(sum(values.values()))
        return out

    table = [line(POSSIBLE, possible)] + [line(s, points[s]) for s in sorted(points)]
    return _csv(columns, table)


def summary(state, statuses):
    """One line per lesson: submissions, mean and median score, count of each status."""
    by_lesson = {}
    for entry in state["submissions"].values():
        rows = entry["rows"]
        if rows:
            by_lesson.setdefault(rows[0]["lesson"], []).append(rows)
    lines = []
    for lesson, submissions in sorted(by_lesson.items()):
        totals = [sum(float(r["points"]) for r in rows) for rows in submissions]
        possible = max(sum(float(r["max_points"]) for r in rows) for rows in submissions)
        counts = {}
        for rows in submissions:
            for row in rows:
                counts[row["status"]] = counts.get(row["status"], 0) + 1
        listed = ", ".join(f"{s} {counts[s]}" for s in statuses if s in counts)
        lines.append(
            f"{lesson}: {len(submissions)} submission(s), mean {statistics.mean(totals):.2f} / "
            f"{possible:g}, median {statistics.median(totals):g}; exercises: {listed}"
        )
    return lines


def similarity(submissions, lessons, out_dir):
    """similarity.csv and similarity.md over every submission's exercise code.

    `submissions`: the parsed `Submission`s (cells tagged with their exercise);
    `lessons`: {name: Lesson}. Each exercise is also compared with the
    solution and with the kit's source of its declared kit answers.
    """
    from instructor.build import strip_solutions
    from instructor.grading import similarity as sim
    from lessons.checks.tripwire import resolve

    entries, references, stubs = [], [], {}
    for submission in submissions:
        lesson = lessons.get(submission.lesson)
        if submission.cells is None or not hasattr(lesson, "exercises"):
            continue
        for exercise in lesson.exercises:
            code = "\n\n".join(
                c["source"] for c in submission.cells if c.get("exercise") == exercise
            )
            if code.strip():
                entries.append(sim.Entry(submission.student, lesson.name, exercise, code))
    for name, lesson in sorted(lessons.items()):
        if not hasattr(lesson, "exercises"):
            continue
        for exercise, code in lesson.exercise_cells.items():
            stubs[name, exercise] = strip_solutions(code)
            references.append(sim.Entry("solution", name, exercise, code))
        for exercise, answers in lesson.kit_answers.items():
            files = {inspect.getsourcefile(resolve(answer)) for answer in answers}
            for path in sorted(files):
                label = "kit:" + os.path.relpath(path, KIT_ROOT)
                text = open(path, encoding="utf-8").read()
                references.append(sim.Entry(label, name, exercise, text))
    return sim.report(entries, references, out_dir, stubs=stubs)
