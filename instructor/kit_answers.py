"""The kit answers each exercise declares (`kit_answer:` in its lesson's header), for the checks.

`rnn-lessons build` writes them into the student package as
`lessons/checks/kit_answers.json` (`lessons.checks.tripwire` reads it), since
students get the package but not the lesson sources; the grader reads the
headers directly.
"""

import json

from lessons.checks import tripwire


def declared(notebook):
    """{exercise: [dotted names]} of a lesson notebook's header; ValueError if malformed."""
    exercises = notebook.metadata.get("rnn_lessons", {}).get("exercises", {}) or {}
    found = {}
    for exercise, settings in exercises.items():
        names = (settings or {}).get("kit_answer", [])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ValueError(
                f"exercise {exercise}: kit_answer must be a list of dotted names, got {names!r}"
            )
        for name in names:
            try:
                tripwire.resolve(name)
            except (ImportError, AttributeError) as error:
                raise ValueError(f"exercise {exercise}: kit_answer {name!r}: {error}") from None
        if names:
            found[exercise] = names
    return found


def render(project):
    """The text of kit_answers.json: {lesson number: {exercise: [names]}}, sorted."""
    from instructor.build import read_notebook

    table = {source.stem[:2]: declared(read_notebook(source)) for source in project.sources()}
    table = {lesson: exercises for lesson, exercises in sorted(table.items()) if exercises}
    return json.dumps(table, indent=1, sort_keys=True) + "\n"


def write(project):
    """Bring kit_answers.json up to date; True if it changed."""
    text = render(project)
    if tripwire.DECLARATIONS.is_file() and tripwire.DECLARATIONS.read_text() == text:
        return False
    tripwire.DECLARATIONS.write_text(text, encoding="utf-8")
    return True
