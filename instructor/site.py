"""`rnn-lessons site OUT_DIR`: the course as a static site, the lessons as students get them.

Each lesson's page is its executed solution (`solutions/NN_topic.ipynb`, with the outputs of
its last run) with every exercise cell replaced by the student twin's (`# YOUR CODE HERE` /
`raise NotImplementedError()`, as `rnn-lessons build` makes it) and that cell's outputs
dropped: prose, equations, plots and the other cells' outputs are kept. Sphinx with MyST-NB
renders the stored outputs and runs nothing; the theme is sphinx-book-theme (search,
previous/next, a page that prints as the lesson alone), and MathJax 3 is served from the site
itself, so the site works offline and calls no other host.

Nothing from inside a solution region reaches the site: the pages are built from the
student cells only, and before the site is put in OUT_DIR every file it holds (pages, search
index, notebooks, scripts) is read for the lines of every solution region, as
`rnn-lessons release` does; one found refuses the site.
"""

import base64
import copy
import html.parser
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from instructor import build as B
from instructor import release as R

TEMPLATES = R.TEMPLATES / "site"
MARKER = ".rnn-lessons-site"  # in OUT_DIR: a folder this command wrote, safe to replace
TITLE = "Recurrent neural networks, from the slides' equations"
PAGES = "lessons"  # the lesson pages' folder in the site
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
LOCAL_BADGE = "/figures/colab-badge.svg"  # from the source folder's root (Sphinx's rule)
# MathJax's bundles the site does not load; everything else (fonts, TeX extensions it
# loads on demand, the accessibility menu's parts) is copied.
MATHJAX_UNUSED = ("tex-svg*", "tex-mml-*", "mml-*", "tex-chtml-full*", "node-main.js")


class SiteError(Exception):
    """A site that cannot be built; the message says why."""


# --- the pages --------------------------------------------------------------------------
def lesson_page(source, links):
    """The lesson's page notebook: the executed solution, its exercise cells the student's.

    Cells are matched by position (the student twin keeps every cell, in order); a code
    cell whose student source differs from the solution's is an exercise cell: it gets the
    student's source and no outputs. The badge opens the student notebook on Colab and
    shows a copy of its image served by the site; the set-up cell is folded.
    """
    stem = source.stem
    fresh = B.with_generated_cells(B.read_notebook(source), links, "solutions", stem)
    solution = B.paired_solution(fresh, source.with_suffix(".ipynb"))
    twin = B.student_twin(solution, links, stem)
    page = copy.deepcopy(twin)
    for cell, solved in zip(page.cells, solution.cells):
        tags = cell.metadata.get("tags", [])
        if B.BADGE_TAG in tags:
            cell.source = cell.source.replace(COLAB_BADGE, LOCAL_BADGE)
        if cell.cell_type != "code" or cell.source != solved.source:
            continue
        cell.outputs = copy.deepcopy(solved.outputs)
        cell.execution_count = solved.get("execution_count")
        if B.SETUP_TAG in tags:
            cell.metadata["tags"] = [*tags, "hide-input"]
    return page


def png_outputs(nb):
    """The PNG images (base64) among the outputs of `nb`'s code cells, in order."""
    return [
        output["data"]["image/png"]
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {})
    ]


def lesson_title(nb, stem):
    return nb.metadata.get("rnn_lessons", {}).get("title") or stem


def home_page(links, summaries, figures):
    """index.md: the course, the lessons (one line, one figure each), how to open them."""
    cards = []
    for stem, title in figures:
        entry = summaries[stem]
        cards += [
            ":::{container} lesson-card",
            f"**[{stem[:2]} · {title}]({PAGES}/{stem}.ipynb)**",
            "",
            entry["line"],
            "",
            f"![A figure from lesson {stem[:2]}](figures/{stem}.png)",
            ":::",
            "",
        ]
    lessons = "::::{container} lesson-grid\n" + "\n".join(cards) + "::::"
    first = figures[0][0]
    values = {
        "title": TITLE,
        "version": links.version,
        "tag": links.tag,
        "lessons": lessons,
        "badge": links.badge("notebooks", first).replace(COLAB_BADGE, LOCAL_BADGE),
        "clone_url": links.student + ".git",
        "folder": links.student.rsplit("/", 1)[-1],
        "repository": f"<{links.student}>",
    }
    text = (TEMPLATES / "index.md").read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    toctree = "\n".join(f"{PAGES}/{stem}" for stem, _ in figures)
    return f"{text}\n```{{toctree}}\n:hidden:\n:caption: Lessons\n\n{toctree}\n```\n"


def summaries_for(project):
    """{stem: {"line", "figure"}} from the site's lessons.json; every lesson needs one."""
    path = TEMPLATES / "lessons.json"
    summaries = json.loads(path.read_text(encoding="utf-8"))
    missing = [s.stem for s in project.sources() if s.stem not in summaries]
    if missing:
        raise SiteError(
            f"{path} has no entry for {missing}: give each lesson a line and the index of the "
            'image output the home page shows, e.g. {"line": "...", "figure": 0}.'
        )
    return summaries


def write_sources(project, folder):
    """The Sphinx source folder: conf.py, index.md, the lesson pages, figures, static files."""
    links = project.links()
    R.check_settings(project, links)
    summaries = summaries_for(project)
    (folder / PAGES).mkdir(parents=True)
    (folder / "figures").mkdir()
    (folder / "_static").mkdir()
    shutil.copy(TEMPLATES / "colab-badge.svg", folder / "figures")
    for name in ("site.css", "favicon.svg"):
        shutil.copy(TEMPLATES / name, folder / "_static")
    unused = shutil.ignore_patterns(*MATHJAX_UNUSED)
    shutil.copytree(mathjax_folder(), folder / "_static" / "mathjax", ignore=unused)
    figures = []
    for source in project.sources():
        page = lesson_page(source, links)
        (folder / PAGES / f"{source.stem}.ipynb").write_text(
            B.text_of(page, "ipynb"), encoding="utf-8"
        )
        images = png_outputs(page)
        pick = summaries[source.stem].get("figure", 0)
        if not 0 <= pick < len(images):
            raise SiteError(
                f"lessons.json: {source.stem} shows its PNG output number {pick}, but its "
                f"stored run has {len(images)} (numbered from 0)."
            )
        (folder / "figures" / f"{source.stem}.png").write_bytes(base64.b64decode(images[pick]))
        figures.append((source.stem, lesson_title(page, source.stem)))
    conf = R.template(
        "site/conf.py.in",
        title=TITLE,
        author=f"the {project.setting('project', 'name') or 'rnn-lessons'} authors",
        version=links.version,
        repository=links.student,
        tag=links.tag,
    )
    (folder / "conf.py").write_text(conf, encoding="utf-8")
    (folder / "index.md").write_text(home_page(links, summaries, figures), encoding="utf-8")
    return figures


def mathjax_folder():
    """MathJax 3 as sphinx-mathjax-offline's wheel ships it."""
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or spec.origin is None:
        raise SiteError(
            "MathJax for the site comes from the package sphinx-mathjax-offline: "
            'pip install -e ".[site]" (make install does).'
        )
    return Path(spec.origin).parent / "static" / "mathjax"


# --- the leak check ---------------------------------------------------------------------------
class _Text(html.parser.HTMLParser):
    """An HTML page's text as a reader sees it: tags gone, entities decoded."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces = []

    def handle_data(self, data):
        self.pieces.append(data)


def html_text(page):
    parser = _Text()
    parser.feed(page)
    parser.close()
    return "".join(parser.pieces)


def leaks(folder, secret):
    """(path, line) for each solution line in a file under `folder` (everything in it).

    A page is read as its text (a highlighted line is split over many tags); a notebook as
    its cells; any other file as its lines, and, for the longer lines, anywhere in it (a
    search index or a script holds many lines in one).
    """
    files = {}
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        content = path.read_bytes()
        if path.suffix == ".html":
            content = html_text(content.decode("utf-8")).encode("utf-8")
        files["site/" + path.relative_to(folder).as_posix()] = content  # never R.PACKAGE's
    found = set(R.leaks(files, secret))
    long = [line for line in secret if len(line) >= 20]
    for name, content in files.items():
        text = content.decode("utf-8", errors="ignore")
        found.update((name, line) for line in long if line in text)
    return sorted((name.removeprefix("site/"), line) for name, line in found)


# --- building ---------------------------------------------------------------------------------
def check_out_dir(project, out):
    """OUT_DIR is new, empty, or a site this command wrote; never the repository or around it."""
    root = project.root.resolve()
    if out == root or out in root.parents:
        raise SiteError(f"OUT_DIR {out} holds the repository {root}; give a folder of its own.")
    if out.is_relative_to(root) and not out.is_relative_to(root / "build"):
        raise SiteError(
            f"OUT_DIR {out} is inside the repository but not under its build/ folder (which git "
            "ignores); use e.g. build/site, or a folder outside the repository."
        )
    if out.exists() and not out.is_dir():
        raise SiteError(f"OUT_DIR {out} is a file, not a folder.")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise SiteError(
            f"OUT_DIR {out} holds files this command did not write; give an empty or new "
            "folder (a site built before is replaced)."
        )


def run_sphinx(source, html, doctrees):
    """Sphinx in a process of its own; its warnings (a broken link, a bad file) fail the build."""
    command = [
        sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going",
        "-d", str(doctrees), str(source), str(html),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, encoding="utf-8", errors="replace")
    if result.returncode != 0:
        raise SiteError(f"Sphinx failed (exit {result.returncode}):\n{result.stderr.strip()}")


def build_site(project, out):
    """Build the site into `out`, replacing a site built there before; return the lessons.

    Everything is made in a folder beside `out` and checked for solution lines first, so a
    refused or failed build leaves `out` as it was.
    """
    out = Path(out).resolve()
    check_out_dir(project, out)
    secret = R.secret_lines(project)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
    try:
        figures = write_sources(project, staging / "source")
        html = staging / "html"
        run_sphinx(staging / "source", html, staging / "doctrees")
        # The themes copy Jinja templates of their own into _static: not pages, and unfilled.
        for name in ("webpack-macros.html", "sbt-webpack-macros.html"):
            (html / "_static" / name).unlink(missing_ok=True)
        found = leaks(staging, secret)
        if found:
            shown = "\n".join(f"  {path}: {line}" for path, line in found[:20])
            raise SiteError(
                f"refusing to write the site: {len(found)} solution line(s) in its files:\n{shown}"
            )
        record = {"lessons": [stem for stem, _ in figures], "tag": project.links().tag}
        (html / MARKER).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        html.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return figures


def site(project, out):
    """`rnn-lessons site OUT_DIR`: build, and say where the site is; the exit status."""
    start = time.perf_counter()
    figures = build_site(project, out)
    out = Path(out).resolve()
    print(
        f"{out}: the site of {len(figures)} lessons, built in {time.perf_counter() - start:.0f} s. "
        f"Open {out / 'index.html'}, or serve the folder from any static host."
    )
    return 0
