"""`rnn-lessons build`: one source per lesson -> instructor and student notebooks.

Each lesson's single source is `solutions/NN_topic.py` (jupytext percent
format). From it the build keeps three files up to date:

- `solutions/NN_topic.ipynb`: the same cells, paired by jupytext, carrying the
  outputs of its last execution (`--execute` runs it with nbclient);
- `notebooks/NN_topic.ipynb` and its paired `notebooks/NN_topic.py`: the
  student twin, where each region between `### BEGIN SOLUTION` and
  `### END SOLUTION` becomes `# YOUR CODE HERE` / `raise NotImplementedError()`,
  outputs are cleared, and everything else (cell ids, cell and notebook
  metadata, markdown) is kept, so a handed-in notebook maps back cell by cell.

The first two cells of every notebook are the build's own: the "Open in
Colab" badge and the set-up cell. The build rewrites only those in a source.
A solution's badge opens it from the instructor's repository (`[project.urls]
Repository` in `pyproject.toml`, branch main); a student notebook's badge and
every set-up cell point at the student repository (`[tool.rnn-lessons]
student-repository`), pinned to the release's tag `v{version}`: that is where
`rnn-lessons release` publishes the notebooks and the package `lessons`.

Nothing a person wrote is overwritten: `.build-manifest.json` records a hash
of every file the build wrote, and a file that has changed since then (a
student's work, an instructor's edit in Jupyter) is left alone unless
`--force` is given.
"""

import ast
import copy
import dataclasses
import hashlib
import json
import re
import string
import sys
from pathlib import Path

SOLUTION_BEGIN = "### BEGIN SOLUTION"
SOLUTION_END = "### END SOLUTION"
# The grader's probes in a lesson's checks module: the release leaves them out.
HIDDEN_BEGIN, HIDDEN_END = "# BEGIN HIDDEN TESTS", "# END HIDDEN TESTS"
STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
BADGE_TAG, SETUP_TAG = "kit-badge", "kit-setup"
RUN_KEY = "rnn_lessons_run"  # solutions' notebook metadata: what the last execution ran
MANIFEST = ".build-manifest.json"
LESSON_NAME = re.compile(r"^\d\d_[a-z0-9_]+\.py$")
STUDENT_KEY = "student-repository"  # in [tool.rnn-lessons]: where `rnn-lessons release` goes
GITHUB = re.compile(r"^https://github\.com/[^/\s]+/[^/\s]+$")
# jupytext pairing as in jupytext.toml; the filter keeps jupytext's version out of
# the files, so another jupytext release does not make every notebook "out of date".
JUPYTEXT = {
    "formats": "ipynb,py:percent",
    "notebook_metadata_filter": "rnn_lessons,-jupytext.text_representation.jupytext_version",
}

# The set-up cell students read first: `$url`, `$tag`, `$version` and `$folder` are filled in
# from pyproject.toml (see Links). On Colab a failed clone or install stops the notebook there,
# naming the address and where it is set, rather than failing later on `import lessons`.
SETUP_SOURCE = string.Template("""\
# Set-up, written by `rnn-lessons build`. On Colab it installs the course's package,
# `lessons`, from the course's repository (once per runtime); elsewhere it only imports it.
# Seeding makes two runs print the same numbers.
import sys

if "google.colab" in sys.modules:
    import shutil
    import subprocess

    url = "$url"
    tag, version = "$tag", "$version"
    folder = "$folder"
    try:
        import lessons

        ready = getattr(lessons, "__version__", None) == version
    except ImportError:
        ready = False
    if not ready:
        shutil.rmtree(folder, ignore_errors=True)
        for command in (
            ["git", "clone", "--quiet", "--depth=1", "--branch", tag, url, folder],
            [sys.executable, "-m", "pip", "install", "--quiet", "--editable", folder],
        ):
            if subprocess.run(command).returncode != 0:
                raise RuntimeError(
                    f"Could not install the course from {url} (tag {tag}): `{' '.join(command)}` "
                    "failed (see above). If that address is wrong, the instructor sets it as "
                    "[tool.rnn-lessons] student-repository in pyproject.toml, then runs "
                    "`rnn-lessons release`."
                )
        sys.path.insert(0, folder)

import lessons
from lessons import config

lessons.set_seed(0)
print(config.describe())""")


class BuildError(Exception):
    """A lesson source the build cannot turn into notebooks; the message says why."""


# --- the project -------------------------------------------------------------------
@dataclasses.dataclass
class Project:
    root: Path

    @property
    def solutions(self):
        return self.root / "solutions"

    @property
    def notebooks(self):
        return self.root / "notebooks"

    def sources(self, only=()):
        """The lesson sources `solutions/NN_topic.py`, sorted; `only` filters by stem."""
        found = sorted(p for p in self.solutions.glob("*.py") if LESSON_NAME.match(p.name))
        if only:
            unknown = set(only) - {p.stem for p in found}
            if unknown:
                raise BuildError(f"No lesson source for {sorted(unknown)} in {self.solutions}.")
            found = [p for p in found if p.stem in only]
        return found

    def repository(self):
        """`https://github.com/OWNER/REPO`, from pyproject.toml's [project.urls]."""
        text = (self.root / "pyproject.toml").read_text(encoding="utf-8")
        match = re.search(r'^Repository\s*=\s*"(https://github\.com/[^"/]+/[^"/]+?)/?"', text, re.M)
        if not match:
            raise BuildError(
                'pyproject.toml needs [project.urls] Repository = "https://github.com/OWNER/REPO".'
            )
        return match.group(1)

    def setting(self, table, key):
        """The string `key = "..."` of pyproject.toml's `[table]`, or None."""
        return pyproject_string(
            (self.root / "pyproject.toml").read_text(encoding="utf-8"), table, key
        )

    def student_repository(self):
        """`[tool.rnn-lessons] student-repository`; a project without one has one repository."""
        url = self.setting("tool.rnn-lessons", STUDENT_KEY)
        if url is None:
            return self.repository()
        if not GITHUB.match(url):
            raise BuildError(
                f'pyproject.toml: [tool.rnn-lessons] {STUDENT_KEY} = "{url}" is not '
                '"https://github.com/OWNER/REPO" (Colab opens notebooks from GitHub).'
            )
        return url.rstrip("/").removesuffix(".git")

    def links(self, tag=None):
        """Where the generated cells point; `tag` defaults to `v` + [project] version."""
        version = self.setting("project", "version") or ""
        if tag is None:
            tag = f"v{version}" if version else "main"
        return Links(self.repository(), self.student_repository(), tag, version)


def pyproject_string(text, table, key):
    """`key = "value"` in `[table]` of a pyproject.toml's text (no TOML parser before 3.11)."""
    current = None
    for line in text.splitlines():
        header = re.match(r"^\s*\[([^\[\]]+)\]\s*(#.*)?$", line)
        if header:
            current = header.group(1).strip().replace('"', "")
            continue
        match = re.match(rf'^\s*"?{re.escape(key)}"?\s*=\s*"([^"]*)"', line)
        if current == table and match:
            return match.group(1)
    return None


@dataclasses.dataclass(frozen=True)
class Links:
    """What the badges and the set-up cell point at.

    A solution opens from the instructor's repository (main); a student notebook opens from
    the student repository at the release's `tag`, and every set-up cell installs `lessons`
    from there: the package a student uses is the one released with the notebook.
    """

    instructor: str  # https://github.com/OWNER/REPO
    student: str  # https://github.com/OWNER/REPO
    tag: str  # e.g. v0.1.0
    version: str  # lessons.__version__ that tag holds

    def badge(self, folder, stem):
        repository, ref = (
            (self.instructor, "main") if folder == "solutions" else (self.student, self.tag)
        )
        return badge_line(repository, folder, stem, ref)

    def setup(self):
        folder = "/content/" + self.student.rsplit("/", 1)[-1]
        return SETUP_SOURCE.substitute(
            url=self.student + ".git", tag=self.tag, version=self.version, folder=folder
        )


def find_project(start=None):
    """The folder holding `pyproject.toml` and `solutions/`, from `start` upwards."""
    start = Path(start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "solutions").is_dir():
            return Project(folder)
    raise BuildError(
        f"No rnn-lessons project (pyproject.toml and solutions/) in {start} or above; "
        "run from the repository or pass --root."
    )


# --- cell transformations --------------------------------------------------------------
def strip_solutions(source, where="a cell"):
    """Replace each BEGIN/END SOLUTION region by the stub, at the marker's indent."""
    lines, out, inside = source.splitlines(), [], False
    for number, line in enumerate(lines, 1):
        marker = line.strip()
        if marker == SOLUTION_BEGIN:
            if inside:
                raise BuildError(f"{where}, line {number}: {SOLUTION_BEGIN} inside a region.")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(indent + stub for stub in STUB)
        elif marker == SOLUTION_END:
            if not inside:
                raise BuildError(f"{where}, line {number}: {SOLUTION_END} without a BEGIN.")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise BuildError(f"{where}: {SOLUTION_BEGIN} has no matching {SOLUTION_END}.")
    return "\n".join(out)


def solution_lines(source):
    """The non-blank lines inside the solution regions of `source`."""
    return region_lines(source, SOLUTION_BEGIN, SOLUTION_END)


def region_lines(source, begin, end):
    """The stripped non-blank lines between each line `begin` and the next line `end`."""
    found, inside = [], False
    for line in source.splitlines():
        if line.strip() in (begin, end):
            inside = line.strip() == begin
        elif inside and line.strip():
            found.append(line.strip())
    return found


def strip_hidden(source):
    """`source` (a module of the checks) without its HIDDEN TESTS regions, markers included."""
    out, inside = [], False
    for line in source.splitlines(keepends=True):
        if line.strip() in (HIDDEN_BEGIN, HIDDEN_END):
            inside = line.strip() == HIDDEN_BEGIN
        elif not inside:
            out.append(line)
    return "".join(out)


def badge_line(repository, folder, stem, ref="main"):
    owner_repo = repository.removeprefix("https://github.com/")
    url = f"https://colab.research.google.com/github/{owner_repo}/blob/{ref}/{folder}/{stem}.ipynb"
    return f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({url})"


def with_generated_cells(nb, links, folder, stem):
    """A copy of `nb` whose badge and set-up cells are the build's current ones."""
    nb = copy.deepcopy(nb)
    nb.metadata.setdefault("jupytext", {}).update(JUPYTEXT)
    tagged = {
        tag: [c for c in nb.cells if tag in c.metadata.get("tags", [])]
        for tag in (BADGE_TAG, SETUP_TAG)
    }
    for tag, cells in tagged.items():
        if len(cells) != 1:
            raise BuildError(
                f"{folder}/{stem}: needs exactly one cell tagged {tag!r}, found {len(cells)}."
            )
    badge = tagged[BADGE_TAG][0]
    rest = badge.source.split("\n", 1)[1:]  # the instructor's title etc. below the badge
    badge.source = "\n".join([links.badge(folder, stem), *rest])
    tagged[SETUP_TAG][0].source = links.setup()
    return nb


def student_twin(solution_nb, links, stem):
    """The student notebook: solution regions stubbed, outputs cleared, all else kept."""
    nb = with_generated_cells(solution_nb, links, "notebooks", stem)
    nb.metadata.pop(RUN_KEY, None)
    nb.metadata.get("rnn_lessons", {}).pop("claims", None)  # the instructor's proof-reading
    for index, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)  # run timestamps, if Jupyter recorded any
        if cell.cell_type == "code":
            cell.source = strip_solutions(
                cell.source, where=f"solutions/{stem}.py, cell {index + 1}"
            )
            cell.outputs = []
            cell.execution_count = None
    return nb


def inputs_hash(nb):
    """A hash of what the cells say (types and sources) and of the lesson's header
    (`rnn_lessons`: exercises, claims): outputs do not count."""
    cells = [(c.cell_type, c.source) for c in nb.cells]
    header = nb.metadata.get("rnn_lessons", {})
    return hashlib.sha256(json.dumps([cells, header], sort_keys=True).encode()).hexdigest()


def code_hash(nb):
    """A hash of the code cells' sources: what the outputs depend on (prose does not).

    The set-up cell counts as it runs off Colab (`off_colab`): a release's new tag,
    version or student repository leaves the stored outputs current.
    """
    code = [
        off_colab(c.source) if SETUP_TAG in c.metadata.get("tags", []) else c.source
        for c in nb.cells
        if c.cell_type == "code"
    ]
    return hashlib.sha256(json.dumps(code).encode()).hexdigest()


def off_colab(source):
    """The code of a set-up cell without its `if "google.colab" in sys.modules:` branch.

    `build --execute` never runs on Colab, so that branch cannot have made the outputs.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    tree.body = [
        node
        for node in tree.body
        if not (isinstance(node, ast.If) and "google.colab" in ast.unparse(node.test))
    ]
    return ast.unparse(tree)


# --- files and the manifest ----------------------------------------------------------
def text_of(nb, fmt):
    import jupytext

    text = jupytext.writes(nb, fmt=fmt)
    return text if text.endswith("\n") else text + "\n"


def sha(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Writer:
    """Writes files, refusing to overwrite one changed since the build wrote it."""

    def __init__(self, project, force=False, dry_run=False):
        self.project, self.force, self.dry_run = project, force, dry_run
        path = project.root / MANIFEST
        self.manifest = json.loads(path.read_text()) if path.is_file() else {}
        self.changed, self.refused = [], []

    def key(self, path):
        return path.relative_to(self.project.root).as_posix()

    def edited_by_someone(self, path):
        """True when `path` exists and is not what the build last wrote there."""
        if not path.is_file():
            return False
        return sha(path.read_text(encoding="utf-8")) != self.manifest.get(self.key(path))

    def write(self, path, text, guard=True):
        """Write `text` to `path`; `guard=False` for a source whose build-owned cells change."""
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            if guard:
                self.manifest[self.key(path)] = sha(text)
            return
        if guard and current is not None and self.edited_by_someone(path) and not self.force:
            self.refused.append(path)
            return
        self.changed.append(path)
        if not self.dry_run:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            if guard:
                self.manifest[self.key(path)] = sha(text)

    def save_manifest(self):
        if not self.dry_run:
            text = json.dumps(dict(sorted(self.manifest.items())), indent=1) + "\n"
            (self.project.root / MANIFEST).write_text(text, encoding="utf-8")


# --- one lesson ------------------------------------------------------------------------
def read_notebook(path):
    import jupytext

    return jupytext.read(path)


def paired_solution(source_nb, ipynb_path):
    """The solution .ipynb: the source's cells, with the ids and outputs it had."""
    from jupytext.combine import combine_inputs_with_outputs

    if not ipynb_path.is_file():
        return source_nb
    return combine_inputs_with_outputs(source_nb, read_notebook(ipynb_path))


def execute(nb, project):
    """Run `nb` top to bottom with nbclient; record which inputs gave the outputs."""
    import nbclient

    from lessons import config

    nb = copy.deepcopy(nb)
    client = nbclient.NotebookClient(
        nb,
        timeout=1800,
        kernel_name="python3",
        record_timing=False,  # timestamps in cell metadata would change every run
        resources={"metadata": {"path": str(project.solutions)}},
    )
    client.execute()
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = tidy_outputs(cell.outputs)
    nb.metadata[RUN_KEY] = {"inputs": code_hash(nb), "mode": config.run_size()}
    return nb


# TensorFlow's C++ start-up lines (absl logging ignores TF_CPP_MIN_LOG_LEVEL for them).
TF_LOG_LINE = re.compile(
    r"^([IWEF]\d{4} [\d:.]+\s+\d+ \S+:\d+\] .*"
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called .*)\n?$"
)


def tidy_outputs(outputs):
    """Stored outputs without TensorFlow's start-up log lines, streams merged.

    The kernel flushes print() output in chunks that vary from run to run;
    merging neighbouring chunks keeps a re-run from rewriting unchanged outputs.
    """
    tidy = []
    for output in outputs:
        if output.get("output_type") == "stream":
            lines = output.text.splitlines(keepends=True)
            text = "".join(line for line in lines if not TF_LOG_LINE.match(line))
            if not text:
                continue
            if tidy and tidy[-1].get("output_type") == "stream" and tidy[-1].name == output.name:
                tidy[-1].text += text
                continue
            output.text = text
        tidy.append(output)
    return tidy


def build_lesson(source, project, writer, run=False):
    """Bring the three notebooks of one lesson up to date; return what is stale."""
    stem, links = source.stem, project.links()
    source_nb = read_notebook(source)
    fresh_source = with_generated_cells(source_nb, links, "solutions", stem)
    pairing = source_nb.metadata.get("jupytext", {})
    if inputs_hash(fresh_source) != inputs_hash(source_nb) or any(
        pairing.get(k) != v for k, v in JUPYTEXT.items()
    ):
        writer.write(source, text_of(fresh_source, "py:percent"), guard=False)

    ipynb = source.with_suffix(".ipynb")
    solution = paired_solution(fresh_source, ipynb)
    stale = []
    if run:
        solution = execute(solution, project)
    elif solution.metadata.get(RUN_KEY, {}).get("inputs") != code_hash(solution):
        stale.append(ipynb)
    if not ipynb.is_file() or run or inputs_hash(read_notebook(ipynb)) != inputs_hash(solution):
        writer.write(ipynb, text_of(solution, "ipynb"))

    twin = student_twin(solution, links, stem)
    for suffix, fmt in ((".ipynb", "ipynb"), (".py", "py:percent")):
        writer.write(project.notebooks / (stem + suffix), text_of(twin, fmt))
    return stale


def build(project, check=False, force=False, run=(), only=()):
    """Build every lesson (or `only` some). Returns the process exit status."""
    writer = Writer(project, force=force, dry_run=check)
    unknown = set(run) - {p.stem for p in project.sources()} - {"all"}
    if unknown:
        raise BuildError(
            f"--execute: no lesson source for {sorted(unknown)} in {project.solutions}."
        )
    if check and run:
        raise BuildError("--check writes nothing, so it cannot --execute; run them separately.")
    stale = []
    for source in project.sources(only):
        stale += build_lesson(source, project, writer, run=source.stem in run or "all" in run)
    writer.save_manifest()
    return report(project, writer, stale, check)


def report(project, writer, stale, check):
    rel = lambda p: p.relative_to(project.root).as_posix()  # noqa: E731
    status = 0
    if writer.refused:
        status = 1
        print("Refused to overwrite files changed since the build wrote them:", file=sys.stderr)
        for path in writer.refused:
            print(f"  {rel(path)}", file=sys.stderr)
        print(
            "They may hold someone's work. To keep it, copy them elsewhere first (e.g. "
            "`cp notebooks/00_sequences.ipynb ~/my-work/`); for a solution edited in Jupyter, "
            "carry the edits into its .py with `jupytext --sync solutions/NN_topic.ipynb`. "
            "Then rerun with --force to overwrite.",
            file=sys.stderr,
        )
    if check and writer.changed:
        status = 1
        print("Out of date (run `rnn-lessons build`):", file=sys.stderr)
        for path in writer.changed:
            print(f"  {rel(path)}", file=sys.stderr)
    elif writer.changed:
        for path in writer.changed:
            print(f"wrote {rel(path)}")
    if stale:
        status = status or (1 if check else 0)
        print(
            "Outputs older than the cells (run `rnn-lessons build --execute NN_topic`):",
            file=sys.stderr,
        )
        for path in stale:
            print(f"  {rel(path)}", file=sys.stderr)
    if status == 0 and not writer.changed and not stale:
        print("All notebooks are up to date.")
    return status
