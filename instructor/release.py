"""`rnn-lessons release OUT_DIR`: the student course, as a repository of its own.

Students get their own package in their own repository, never this one. The
release holds:

- `notebooks/NN_topic.ipynb`: the student twins, made from `solutions/` exactly
  as `rnn-lessons build` makes them, their badges and set-up cells pointing at
  the student repository at the release's tag. The `.py` twins stay here: they
  are the build's reviewable copy, and nothing a student installs keeps them in
  step with a notebook saved in Jupyter;
- the package `lessons/` (all of it, `lessons/checks/` included, but for the
  grader's probes: each lesson's checks module holds them in a region between
  `# BEGIN HIDDEN TESTS` and `# END HIDDEN TESTS`, which is left out), `data/`
  with its README and licence texts, and this repository's own licence files;
- a README, a `pyproject.toml` that installs `lessons` alone with the same
  runtime dependencies (JupyterLab as the extra `jupyter`), a `.gitignore`,
  and `.release-manifest.json` (each file's hash).

Never `solutions/`, `instructor/` (the build, the grader and its hidden tests)
or `tests/`. Before anything is written, every text file is checked against
the lines of every solution region, and one found there refuses the whole
release. The package is the exception, held to the region markers only: it is
the kit whose pieces the lessons rebuild (`lessons.GRUCell`, `lessons.text`,
the checks' NumPy references), so it answers parts of several exercises by
design; each lesson's checks module names those answers (`KIT_ANSWERS`).

`release --check OUT_DIR` recomputes the release in memory and names each file
missing, stale or extra; `.git` and what the release's `.gitignore` ignores
(a student's `.venv`, caches) do not count.
"""

import fnmatch
import hashlib
import json
import os
import re
import string
import sys
from pathlib import Path, PurePosixPath

from instructor import build as B

MANIFEST = ".release-manifest.json"
PACKAGE, DATA = "lessons", "data"
TEMPLATES = Path(__file__).with_name("templates")
LICENCE_FILES = ("LICENSE*", "LICENCE*", "COPYING*", "NOTICE*")
TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")  # safe in a git ref, a URL and a str literal
# What a student repository never holds: git's own folder and what its .gitignore names.
IGNORED = (
    ".git",
    *(
        line.strip().rstrip("/")
        for line in (TEMPLATES / "gitignore.in").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ),
)


class ReleaseError(Exception):
    """A release that cannot be made or checked; the message says why."""


# --- what the release holds ---------------------------------------------------------------
def plan(project, tag=None):
    """Every file of the release, {relative path: bytes}; nothing is written.

    Raises ReleaseError when pyproject.toml does not say where students get the
    course, or when a solution line would be released.
    """
    links = project.links(tag)
    check_settings(project, links)
    files, rows = {}, []
    for source in project.sources():
        source_nb = B.read_notebook(source)
        fresh = B.with_generated_cells(source_nb, links, "solutions", source.stem)
        solution = B.paired_solution(fresh, source.with_suffix(".ipynb"))
        twin = B.student_twin(solution, links, source.stem)
        files[f"notebooks/{source.stem}.ipynb"] = B.text_of(twin, "ipynb").encode()
        title = source_nb.metadata.get("rnn_lessons", {}).get("title", "")
        rows.append(f"| `{source.stem}` | {title} | {links.badge('notebooks', source.stem)} |")
    for folder in (PACKAGE, DATA):
        files.update(tree(project.root, folder))
    for path in [p for p in files if p.startswith(PACKAGE + "/") and p.endswith(".py")]:
        files[path] = B.strip_hidden(files[path].decode("utf-8")).encode()  # the probes
    licences = sorted(
        {p.name for pattern in LICENCE_FILES for p in project.root.glob(pattern) if p.is_file()}
    )
    files.update({name: (project.root / name).read_bytes() for name in licences})
    files["README.md"] = readme(project, links, rows, licences, files).encode()
    files["pyproject.toml"] = student_pyproject(project, links).encode()
    files[".gitignore"] = (TEMPLATES / "gitignore.in").read_bytes()

    found = leaks(files, secret_lines(project))
    if found:
        shown = "\n".join(f"  {path}: {line}" for path, line in found[:20])
        more = f"\n  ... and {len(found) - 20} more" if len(found) > 20 else ""
        raise ReleaseError(
            f"refusing to write the release: {len(found)} solution line(s) in what students "
            f"would get:\n{shown}{more}"
        )
    files[MANIFEST] = manifest(files, links).encode()
    return files


def secret_lines(project):
    """The solution regions' lines that appear nowhere else in the lessons' sources.

    A lone `return x` is in the student notebooks anyway: only the lines a student could
    not have got elsewhere count as a leak.
    """
    secret, public = set(), set()
    for source in project.sources():
        for cell in B.read_notebook(source).cells:
            secret.update(B.solution_lines(cell.source))
            public.update(line.strip() for line in B.strip_solutions(cell.source).splitlines())
    return secret - public


def check_settings(project, links):
    """The student repository is set and is not this one; the versions agree."""
    if project.setting("tool.rnn-lessons", B.STUDENT_KEY) is None:
        raise ReleaseError(
            f"pyproject.toml has no [tool.rnn-lessons] {B.STUDENT_KEY}: set it to the students' "
            'repository (e.g. "https://github.com/OWNER/rnn-lessons-course"), a repository of '
            "its own."
        )
    if links.student == links.instructor:
        raise ReleaseError(
            f"[tool.rnn-lessons] {B.STUDENT_KEY} is {links.student}, the instructor's repository "
            "([project.urls] Repository), which holds the solutions: students get their own."
        )
    if not links.version:
        raise ReleaseError('pyproject.toml needs [project] version = "X.Y.Z".')
    if not TAG.match(links.tag):
        raise ValueError(f"tag: {links.tag!r} is not a tag name such as v{links.version}")
    init = (project.root / PACKAGE / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*"([^"]+)"', init, re.M)
    if not match or match.group(1) != links.version:
        found = match.group(1) if match else "missing"
        raise ReleaseError(
            f"lessons.__version__ ({found}) differs from [project] version ({links.version}) "
            "in pyproject.toml; Colab's set-up cell compares them. Make them equal."
        )


def ignored(relative):
    """True for a path a student repository does not hold (`.git`, .gitignore's patterns)."""
    parts = PurePosixPath(relative).parts
    return any(fnmatch.fnmatch(part, pattern) for part in parts for pattern in IGNORED)


def tree(root, folder):
    """{relative path: bytes} of every file under `root/folder` that a repository holds."""
    return {path: (root / path).read_bytes() for path in files_in(root, folder)}


def files_in(root, folder="."):
    """The sorted relative paths of the files under `root/folder`, ignored folders unvisited."""
    found = []
    for parent, folders, names in os.walk(root / folder):
        base = Path(parent).relative_to(root)
        folders[:] = sorted(f for f in folders if not ignored((base / f).as_posix()))
        for name in names:
            relative = (base / name).as_posix()
            if not ignored(relative) and not name.endswith((".pyc", ".pyo")):
                found.append(relative)
    return sorted(found)


def text_lines(path, content):
    """The stripped lines a reader of the file sees (a notebook's cells), or None if binary."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\0" in text:
        return None
    if path.endswith(".ipynb"):
        pieces = []
        for cell in json.loads(text)["cells"]:
            pieces.append(cell["source"])
            for output in cell.get("outputs", []):
                pieces += [output.get("text", ""), output.get("data", {}).get("text/plain", "")]
        text = "\n".join("".join(p) if isinstance(p, list) else p for p in pieces)
    return {line.strip() for line in text.splitlines()} - {""}


def leaks(files, secret):
    """(path, line) for each solution line in a released text file, sorted.

    `secret` holds the solution lines that appear nowhere else in the lessons
    (a lone `return x` is in the student notebooks anyway). The package is held
    to the region markers only (see the module's docstring).
    """
    markers = {B.SOLUTION_BEGIN, B.SOLUTION_END, B.HIDDEN_BEGIN, B.HIDDEN_END}
    found = []
    for path in sorted(files):
        lines = text_lines(path, files[path])
        if lines is not None:
            forbidden = markers if path.startswith(PACKAGE + "/") else markers | secret
            found += [(path, line) for line in sorted(lines & forbidden)]
    return found


def manifest(files, links):
    entries = {path: hashlib.sha256(files[path]).hexdigest() for path in sorted(files)}
    record = {"repository": links.student, "tag": links.tag, "files": entries}
    return json.dumps(record, indent=1) + "\n"


# --- the README and pyproject.toml ---------------------------------------------------------
def template(filename, **values):
    """`instructor/templates/<filename>` with its `$placeholders` filled ($$ for a dollar)."""
    return string.Template((TEMPLATES / filename).read_text(encoding="utf-8")).substitute(values)


def readme(project, links, rows, licences, files):
    licence = project.setting("project", "license")
    named = ", ".join(f"`{name}`" for name in licences)
    if licence:
        code = f"The package and the notebooks are under the {licence} licence"
        code += f": see {named}." if named else "."
    else:
        code = f"The package and the notebooks: see {named}." if named else ""
    data_licences = [p for p in files if re.match(rf"^{DATA}/LICEN[CS]E", p)]
    data = (
        "The data sets keep their own licences: `data/README.md` gives each file's source and "
        "licence"
        + (", and the licence texts are in `data/LICENSE-*.txt`." if data_licences else ".")
    )
    return template(
        "README.md.in",
        version=links.version,
        tag=links.tag,
        lessons="\n".join(rows),
        clone_url=links.student + ".git",
        folder=links.student.rsplit("/", 1)[-1],
        licence=f"{code}\n{data}",
    )


def student_pyproject(project, links):
    text = (project.root / "pyproject.toml").read_text(encoding="utf-8")
    dependencies = pyproject_list(text, "project", "dependencies")
    if not dependencies:
        raise ReleaseError("pyproject.toml: [project] dependencies is missing or empty.")
    name = project.setting("project", "name") or "rnn-lessons"
    return template(
        "pyproject.toml.in",
        name=f"{name}-course",
        version=links.version,
        description=project.setting("project", "description") or "",
        requires_python=project.setting("project", "requires-python") or ">=3.10",
        dependencies="\n".join(f"    {json.dumps(d)}," for d in dependencies),
        repository=links.student,
    )


def pyproject_list(text, table, key):
    """The strings of the array `key = [...]` in `[table]` (comments and line breaks allowed)."""
    lines, current = [], None
    for line in text.splitlines():
        header = re.match(r"^\s*\[([^\[\]]+)\]\s*(#.*)?$", line)
        if header:
            current = header.group(1).strip()
        elif current == table:
            lines.append(line)
    start = re.search(rf"^\s*{re.escape(key)}\s*=\s*\[", "\n".join(lines), re.M)
    if not start:
        return None
    items = []
    body = "\n".join(lines)[start.end() :]
    for match in re.finditer(r'"((?:[^"\\]|\\.)*)"|(\])|#[^\n]*', body):
        if match.group(2):
            return items
        if match.group(1) is not None:
            items.append(json.loads(f'"{match.group(1)}"'))
    return None


# --- writing and checking ------------------------------------------------------------------------
def on_disk(out):
    """The relative paths of the files under `out` that a repository holds."""
    return set(files_in(out)) if out.is_dir() else set()


def check_out_dir(project, out):
    """The student repository lives beside the instructor's, never in or around it."""
    root = project.root.resolve()
    if out.is_relative_to(root) or out in root.parents:
        raise ReleaseError(
            f"OUT_DIR {out} is in or around the instructor's repository {root}; give a folder "
            "of its own outside it (e.g. ../rnn-lessons-course)."
        )
    if out.exists() and not out.is_dir():
        raise ReleaseError(f"OUT_DIR {out} is a file, not a folder.")


def write(files, out):
    """Make `out` hold `files`; return (written, removed). Refuses a foreign file."""
    previous = set()
    if (out / MANIFEST).is_file():
        previous = set(json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"])
    present = on_disk(out)
    foreign = sorted(present - set(files) - previous)
    if foreign:
        raise ReleaseError(
            f"{out} holds files no release wrote ({', '.join(foreign[:5])}"
            f"{', ...' if len(foreign) > 5 else ''}); give an empty folder, a clone of the "
            "student repository, or a folder a release wrote."
        )
    written = []
    for path in sorted(files, key=lambda p: p == MANIFEST):  # the manifest last
        target = out / path
        if not target.is_file() or target.read_bytes() != files[path]:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(files[path])
            written.append(path)
    removed = sorted((present & previous) - set(files))
    for path in removed:
        (out / path).unlink()
        for folder in (out / path).parents:
            if folder == out or any(folder.iterdir()):
                break
            folder.rmdir()
    return written, removed


def differences(files, out):
    """{"missing": [...], "stale": [...], "extra": [...]}: `out` against `files`."""
    present = on_disk(out)
    return {
        "missing": sorted(set(files) - present),
        "stale": sorted(p for p in set(files) & present if (out / p).read_bytes() != files[p]),
        "extra": sorted(present - set(files)),
    }


def release(project, out, tag=None, check=False):
    """Write (or with `check`, compare) the release in `out`; return the exit status."""
    out = Path(out).resolve()
    check_out_dir(project, out)
    files = plan(project, tag)
    links = project.links(tag)
    if check:
        found = differences(files, out)
        if any(found.values()):
            print(
                f"The release in {out} is out of date (run `rnn-lessons release`):", file=sys.stderr
            )
            for kind, paths in found.items():
                for path in paths:
                    print(f"  {kind}: {path}", file=sys.stderr)
            return 1
        print(f"The release in {out} is up to date ({len(files)} files, tag {links.tag}).")
        return 0
    written, removed = write(files, out)
    print(
        f"{out}: wrote {len(written)} file(s), removed {len(removed)}; the release has "
        f"{len(files)} files, for tag {links.tag} of {links.student}."
    )
    if not any(p.startswith(("LICENSE", "LICENCE", "COPYING")) for p in files):
        print(
            f"note: no LICENSE file in {project.root}: the release carries the data's licence "
            "texts only.",
            file=sys.stderr,
        )
    print(
        f"To publish: cd {out}; git init -b main (the first time); git add -A; "
        f'git commit -m "Release {links.tag}"; git tag {links.tag}; '
        f"git push {links.student}.git main {links.tag}"
    )
    return 0
