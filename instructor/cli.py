"""The `rnn-lessons` command line: the instructor's tools (and the ladder demo).

Each command is a function `_<command>(args)`; its docstring is its help: the first line
in the list of commands, the rest the description its --help prints.
"""

import argparse
import inspect
import sys
from pathlib import Path


def _ladder(args):
    # Its own parser, built here: importing `lessons` loads TensorFlow (seconds), which
    # the other commands, and `rnn-lessons --help`, do not need.
    from lessons.ladder import LADDER_DESCRIPTION, add_arguments, main_from_args

    parser = argparse.ArgumentParser(prog="rnn-lessons ladder", description=LADDER_DESCRIPTION)
    add_arguments(parser)
    return main_from_args(parser.parse_args(args.ladder_args))


def _on_project(args, action, errors=()):
    """`action(project)` for the project at `args.root` (default: found from the cwd).

    A `BuildError`, or one of `errors`, is printed as `rnn-lessons <command>: ...`; exit 2.
    """
    from instructor.build import BuildError, Project, find_project

    try:
        project = Project(args.root.resolve()) if args.root else find_project()
        return action(project)
    except (BuildError, *errors) as error:
        print(f"rnn-lessons {args.command}: {error}", file=sys.stderr)
        return 2


def _build(args):
    """write the student notebooks (and paired solution .ipynb) from solutions/NN_topic.py

    From each lesson source solutions/NN_topic.py, bring solutions/NN_topic.ipynb and the
    student twin notebooks/NN_topic.ipynb (+ .py) up to date. Never overwrites a file
    changed since the build wrote it unless --force.
    """
    from instructor.build import build

    return _on_project(
        args,
        lambda project: build(
            project, check=args.check, force=args.force, run=args.execute, only=args.lessons
        ),
    )


def _grade(args):
    """grade a folder of student notebooks offline, each in its own sandboxed process

    Grade SUBMISSIONS_DIR/<student>/<lesson>.ipynb with the grader's hidden tests, each
    notebook in a fresh sandboxed process; write OUT_DIR/grades.csv and one feedback file
    per submission under OUT_DIR/feedback/. See README, 'For instructors'. `rnn-lessons
    grade merge SHARD_OUT_DIR... --out OUT_DIR` merges the shards of --shard (a folder of
    submissions named merge: write ./merge).
    """
    from instructor.grade import GradeError, grade

    return _on_project(
        args,
        lambda project: grade(
            args.submissions,
            args.out,
            project=project,
            jobs=args.jobs,
            timeout=args.timeout,
            memory_mb=args.memory_mb,
            resume=args.resume,
            lesson=args.lesson,
            isolation=args.sandbox,
            shard=args.shard,
            seed=args.seed,
        ),
        (GradeError, ValueError),
    )


def _merge(argv):
    from instructor.grade import GradeError
    from instructor.shards import merge

    parser = argparse.ArgumentParser(
        prog="rnn-lessons grade merge",
        description=(
            "Merge the OUT_DIRs of `rnn-lessons grade --shard K/N` (all N of them) into one "
            "grades.csv, gradebook.csv, feedback/ and a similarity report over the whole class."
        ),
    )
    parser.add_argument("shards", nargs="+", type=Path, metavar="SHARD_OUT_DIR")
    parser.add_argument("--out", type=Path, required=True, metavar="OUT_DIR")
    _add_root(parser)
    parser.set_defaults(command="grade merge")
    args = parser.parse_args(argv)
    return _on_project(
        args,
        lambda project: merge(args.shards, args.out, project=project),
        (GradeError, ValueError),
    )


def _release(args):
    """write the student course (notebooks, package, data) as a repository of its own

    Write OUT_DIR as the student repository: the student notebooks, the package lessons,
    data/, a README and a pyproject.toml; never solutions/, instructor/ or tests/, and
    nothing holding a solution line. Its badges and Colab set-up cells point at
    [tool.rnn-lessons] student-repository (pyproject.toml) at the tag.
    """
    from instructor.release import ReleaseError, release

    return _on_project(
        args,
        lambda project: release(project, args.out_dir, tag=args.tag, check=args.check),
        (ReleaseError, ValueError),
    )


def _site(args):
    """build the course as a static HTML site (the executed lessons, as students get them)

    Build OUT_DIR as a static site: a page per lesson from its executed solution, every
    exercise cell shown as the student notebook has it (no solution code, its outputs
    dropped), a home page, search and MathJax served from the site. Nothing runs and
    nothing is downloaded. A site built there before is replaced.
    """
    from instructor.release import ReleaseError
    from instructor.site import SiteError, site

    return _on_project(
        args, lambda project: site(project, args.out_dir), (ReleaseError, SiteError, ValueError)
    )


def _autograder(args):
    """write a lesson's Gradescope autograder (a zip to upload)

    Write OUT_ZIP, the autograder of LESSON in Gradescope's format: setup.sh installs this
    kit at this version with its pinned dependencies; run_autograder grades the uploaded
    notebook as `rnn-lessons grade` does (sandbox, hidden tests, feedback) and writes
    results.json, one test per exercise.
    """
    from instructor.autograder import write_zip
    from instructor.grade import GradeError

    return _on_project(
        args,
        lambda project: write_zip(
            project,
            args.lesson,
            args.out_zip,
            timeout=args.timeout,
            memory_mb=args.memory_mb,
            visibility=args.visibility,
            force=args.force,
        ),
        (GradeError, ValueError),
    )


def _add_command(commands, run):
    """The subcommand that `run` (`_<command>`) runs, with its docstring as its help."""
    summary, _, description = inspect.getdoc(run).partition("\n\n")
    parser = commands.add_parser(run.__name__[1:], help=summary, description=description)
    parser.set_defaults(func=run)
    return parser


def _add_root(parser):
    parser.add_argument("--root", type=Path, help="the repository (default: found from the cwd)")


def _add_limits(parser):
    """A notebook's time and memory, for the commands that grade."""
    parser.add_argument(
        "--timeout", type=float, default=300, help="seconds per notebook (default 300)"
    )
    parser.add_argument(
        "--memory-mb", type=int, default=4096, help="memory per notebook in MB (default 4096)"
    )


LADDER_HELP = "train vanilla RNN, GRU, LSTM and a deep bidirectional LSTM on the adding problem"


def build_parser():
    parser = argparse.ArgumentParser(
        prog="rnn-lessons", description="Recurrent networks from the slides' equations."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    # Every word after `ladder` (--help included) goes to the ladder's own parser: no
    # prefix character is an option here.
    ladder = commands.add_parser("ladder", help=LADDER_HELP, add_help=False, prefix_chars="\0")
    ladder.add_argument("ladder_args", nargs=argparse.REMAINDER)
    ladder.set_defaults(func=_ladder)

    build = _add_command(commands, _build)
    build.add_argument("lessons", nargs="*", help="lesson names (e.g. 00_sequences); default all")
    build.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 naming out-of-date files"
    )
    build.add_argument(
        "--force", action="store_true", help="overwrite files changed since the last build"
    )
    build.add_argument(
        "--execute",
        nargs="+",
        default=(),
        metavar="LESSON",
        help="also run these solutions (or 'all') with nbclient and store their outputs",
    )
    _add_root(build)

    grade = _add_command(commands, _grade)
    grade.add_argument("submissions", type=Path, metavar="SUBMISSIONS_DIR")
    grade.add_argument("--out", type=Path, required=True, metavar="OUT_DIR")
    grade.add_argument("--jobs", type=int, default=1, help="notebooks graded at once (default 1)")
    _add_limits(grade)
    grade.add_argument(
        "--resume", action="store_true", help="skip submissions graded before, if unchanged"
    )
    grade.add_argument("--lesson", help="grade only this lesson's notebooks (e.g. 00_sequences)")
    grade.add_argument(
        "--sandbox",
        choices=("auto", "bwrap", "user", "none"),
        default="auto",
        help="isolation: bubblewrap, the user nobody, or none (default: the best available)",
    )
    grade.add_argument(
        "--shard",
        metavar="K/N",
        help="grade only shard K of N of the class, by student (merge them with `grade merge`)",
    )
    grade.add_argument(
        "--seed",
        type=int,
        help="the class's seed for the hidden inputs (default: fresh); --shard needs it",
    )
    _add_root(grade)

    autograder = _add_command(commands, _autograder)
    autograder.add_argument("lesson", metavar="LESSON", help="e.g. 04_gru")
    autograder.add_argument("out_zip", type=Path, metavar="OUT_ZIP")
    _add_limits(autograder)
    autograder.add_argument(
        "--visibility",
        default="visible",
        help="when students see the results: visible (default), after_due_date, "
        "after_published or hidden",
    )
    autograder.add_argument("--force", action="store_true", help="replace OUT_ZIP if it exists")
    _add_root(autograder)

    release = _add_command(commands, _release)
    release.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    release.add_argument(
        "--tag", help="the git tag the release is pushed as (default: v + [project] version)"
    )
    release.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 naming each file missing, stale or extra in OUT_DIR",
    )
    _add_root(release)

    site = _add_command(commands, _site)
    site.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    _add_root(site)
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:2] == ["grade", "merge"]:
        return _merge(argv[2:])
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
