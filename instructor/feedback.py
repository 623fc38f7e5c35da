"""The feedback file of one submission: the score, each exercise's status and why, the run.

Written to `OUT/feedback/<student>/<lesson>.md`; students may read it, so it
holds only what the hidden tests found, never their code.
"""

import datetime

from instructor.grading import ERROR
from instructor.reports import write_atomically


def error_text(error, located=True):
    """An error value in words: what was raised, and where in the notebook."""
    if error[ERROR] == "NotImplementedError":
        text = "not written yet: the exercise still raises NotImplementedError"
    elif error[ERROR] in ("Missing", "NumPyOnSymbolicTensor"):  # the message says it all
        text = error["message"]
    else:
        text = f"{error[ERROR]}: {error['message']}"
    where = error.get("where") if located else ""
    return f"{text} ({where})" if where else text


def render_feedback(submission, lesson, sections, outcome, results, log, settings):
    total = sum(s[1] for s in sections)
    possible = sum(s[2] for s in sections)
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"# {lesson.name}: {submission.student}",
        "",
        f"Score: **{total:g} / {possible:g}** (`{submission.key}`, graded {when}).",
        "",
        *_others(submission),
        "| exercise | points | status |",
        "|---|---|---|",
        *[f"| {e} | {p:g} / {m:g} | {s} |" for e, p, m, s, _ in sections],
        "",
        "## The hidden tests",
        "",
    ]
    for exercise, points, max_points, status, detail in sections:
        lines.append(f"### {exercise}: {status} ({points:g} / {max_points:g})")
        lines.append("")
        if status == "passed":
            lines.append("Every case agrees with the reference solution.")
        else:
            lines.append(detail or "No details.")
        lines.append("")
    lines += ["## The notebook's run", ""]
    lines += _run_summary(outcome, results, log, settings)
    if submission.skipped:
        lines.append(
            f"- Not run: {len(submission.skipped)} cell(s) of the lesson's own code, unchanged "
            "(training runs, plots, tables); the hidden tests do not need them."
        )
    lines += [
        "",
        "Points come only from the grader's hidden tests, run on fresh inputs after the "
        "notebook's cells; printed outputs and stored check results count for nothing. "
        f"Isolation: {settings.isolation.description}.",
        "",
    ]
    return "\n".join(lines)


def _others(submission):
    if not submission.others:
        return []
    listed = ", ".join(f"`{name}`" for name in submission.others)
    return [
        f"Only the newest file of this lesson was graded; not graded: {listed}.",
        "",
    ]


def _run_summary(outcome, results, log, settings):
    lines = [
        f"- Ran for {outcome.seconds:.1f} s (limit {settings.timeout:g} s); peak memory "
        f"{outcome.peak_mb:.0f} MB (limit {settings.memory_mb} MB)."
    ]
    if results is None:
        lines.append("- The hidden tests could not run: the process ended without results.")
        if log:
            lines += ["- The last lines it printed:", "", "```", log, "```"]
        return lines
    stopped = results.get("stopped")
    if stopped:
        lines.append(f"- Stopped at cell {stopped.get('cell')}: {stopped['reason']}.")
    errors = results.get("cell_errors") or []
    counted = " (cells counted from the top of the notebook, text cells included):"
    lines.append(f"- {len(errors) or 'No'} cell(s) raised an error{counted if errors else '.'}")
    for error in errors[:20]:
        line = f", line {error['line']}" if error.get("line") else ""
        where = f"cell {error.get('cell')}{line}"
        lines.append(f"  - {where}: {error_text(error, located=False)}")
    skipped = results.get("skipped_magics") or []
    if skipped:
        lines.append(f"- Skipped {len(skipped)} IPython magic(s) or shell command(s).")
    return lines


def write_feedback(out_dir, submission, text):
    path = out_dir / "feedback" / submission.student / f"{submission.path.stem}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, text)
    return path.relative_to(out_dir).as_posix()
