"""`rnn-lessons site`: the course as a static site, built offline, read in a real browser.

The site is built once per module into a temporary folder from this repository (nothing is
downloaded: Sphinx, the theme and MathJax come from the installed packages) and read by the
tests below; the browser tests load every page in Debian's headless Chromium over a loopback
HTTP server, as a static host serves it, and save a screenshot of each under
build/site-screenshots/ for a person to look at.
"""

import base64
import collections
import hashlib
import html
import html.parser
import json
import re
import shutil
import urllib.parse
from pathlib import Path

import nbformat
import pytest
import site_browser as browser

from instructor import build as B
from instructor import cli
from instructor import release as R
from instructor import site as S

REPO = Path(__file__).resolve().parents[1]
STEMS = sorted(p.stem for p in (REPO / "solutions").glob("[0-9][0-9]_*.py"))
SCREENSHOTS = REPO / "build" / "site-screenshots"
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "site"
    assert cli.main(["site", str(out), "--root", str(REPO)]) == 0
    return out


def executed(stem):
    return nbformat.read(REPO / "solutions" / f"{stem}.ipynb", as_version=4)


def is_exercise(cell):
    return B.SOLUTION_BEGIN in cell.source


class Page(html.parser.HTMLParser):
    """A built page's links, element ids and output images (the <img> inside a cell's output)."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.links, self.ids, self.output_images, self._open = [], set(), [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for key in ("href", "src"):
            if attrs.get(key):
                self.links.append((tag, attrs[key]))
        classes = (attrs.get("class") or "").split()
        if tag not in VOID:
            self._open.append("cell_output" in classes)
        if tag == "img" and any(self._open):
            self.output_images.append(attrs["src"])

    def handle_endtag(self, tag):
        if tag not in VOID and self._open:
            self._open.pop()


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


def page(built, name):
    return Page((built / name).read_text(encoding="utf-8"))


# --- what the site holds --------------------------------------------------------------------------
def test_every_lesson_has_a_page_in_order_with_previous_and_next(built):
    index = page(built, "index.html")
    for number, stem in enumerate(STEMS):
        path = built / S.PAGES / f"{stem}.html"
        assert path.is_file(), f"no page for {stem}"
        text = path.read_text(encoding="utf-8")
        title = executed(stem).metadata["rnn_lessons"]["title"]
        assert f"Lesson {stem[:2]} — {title}" in text
        assert ("a", f"{S.PAGES}/{stem}.html") in index.links, f"the home page misses {stem}"
        links = Page(text).links
        if number > 0:
            assert ("a", f"{STEMS[number - 1]}.html") in links, f"{stem}: no link to previous"
        if number + 1 < len(STEMS):
            assert ("a", f"{STEMS[number + 1]}.html") in links, f"{stem}: no link to next"


def test_exercise_cells_are_the_students(built):
    """Each solution region is a stub on the page, and the exercise cell has no output."""
    for stem in STEMS:
        text = (built / S.PAGES / f"{stem}.html").read_text(encoding="utf-8")
        visible = S.html_text(text)
        source = (REPO / "solutions" / f"{stem}.py").read_text(encoding="utf-8")
        regions = source.count(B.SOLUTION_BEGIN)
        assert regions > 0
        assert visible.count("raise NotImplementedError()") == regions, stem
        assert visible.count("# YOUR CODE HERE") == regions, stem
        assert B.SOLUTION_BEGIN not in visible and B.SOLUTION_END not in visible


def test_no_solution_line_in_any_built_file(built):
    secret = R.secret_lines(B.Project(REPO))
    assert len(secret) > 100  # the lessons' solution lines that appear nowhere else
    assert S.leaks(built, secret) == []
    assert not list(built.rglob("*.ipynb")) and not list(built.rglob("*.py"))


def test_the_leak_check_reads_pages_notebooks_and_scripts(tmp_path):
    """A solution line is found however a file holds it: highlighted, escaped, in JSON."""
    line = "H = ops.tanh(ops.matmul(X, self.W_xh) + ops.matmul(H, self.W_hh) + self.b_h)"
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    (tmp_path / "page.html").write_text(
        "<html><body>" + highlight(f"x = 1\n{line}\n", PythonLexer(), HtmlFormatter())
    )
    (tmp_path / "searchindex.js").write_text("Search.setIndex(" + json.dumps({"t": line}) + ")")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"  {line}")])
    (tmp_path / "copy.ipynb").write_text(nbformat.writes(notebook))
    (tmp_path / "fine.html").write_text("<p>H = ops.tanh(...)</p>")
    assert '<span class="o">' in (tmp_path / "page.html").read_text()  # highlighted indeed
    assert [path for path, _ in S.leaks(tmp_path, {line})] == [
        "copy.ipynb",
        "page.html",
        "searchindex.js",
    ]


def test_every_image_output_appears_on_its_page(built):
    """Each image a solution's stored run made is on its page, as the same image, once."""
    for stem in STEMS:
        expected = collections.Counter()
        for cell in executed(stem).cells:
            for output in cell.get("outputs", []):
                for mime in ("image/png", "image/jpeg"):
                    if mime in output.get("data", {}):
                        assert not is_exercise(cell), f"{stem}: an exercise cell made a figure"
                        data = base64.b64decode(output["data"][mime])
                        expected[hashlib.sha256(data).hexdigest()] += 1
        assert sum(expected.values()) >= 2, stem
        shown = page(built, f"{S.PAGES}/{stem}.html").output_images
        found = collections.Counter(
            hashlib.sha256((built / S.PAGES / src).read_bytes()).hexdigest() for src in shown
        )
        assert found == expected, f"{stem}: {len(shown)} output images, {len(expected)} expected"


def test_no_internal_link_is_broken_and_nothing_loads_from_elsewhere(built):
    pages = {p.relative_to(built).as_posix(): page(built, p.relative_to(built)) for p in
             built.rglob("*.html")}  # fmt: skip
    checked = 0
    for name, parsed in pages.items():
        for tag, link in parsed.links:
            url = urllib.parse.urlsplit(link)
            if url.scheme or url.netloc:
                assert tag == "a", f"{name}: <{tag}> loads {link} from another host"
                continue
            target = (built / name).parent / urllib.parse.unquote(url.path) if url.path else (
                built / name
            )  # fmt: skip
            assert target.resolve().is_relative_to(built.resolve()), f"{name}: {link}"
            assert target.exists(), f"{name}: broken link {link}"
            key = target.resolve().relative_to(built.resolve()).as_posix()
            if url.fragment and key in pages:
                assert url.fragment in pages[key].ids, f"{name}: no #{url.fragment} in {key}"
            checked += 1
    assert checked > 500


def test_home_page_shows_each_lesson_with_a_figure_of_its_run(built):
    summaries = json.loads((S.TEMPLATES / "lessons.json").read_text(encoding="utf-8"))
    index = (built / "index.html").read_text(encoding="utf-8")
    text = S.html_text(index).replace("\u2019", "'")  # MyST's typographic apostrophes
    images = {src for tag, src in Page(index).links if tag == "img"}
    for stem in STEMS:
        assert summaries[stem]["line"] in text
        pngs = [
            base64.b64decode(o["data"]["image/png"])
            for c in executed(stem).cells
            for o in c.get("outputs", [])
            if "image/png" in o.get("data", {})
        ]
        figure = [src for src in images if src.endswith(f"/{stem}.png")]
        assert len(figure) == 1, stem
        assert (built / figure[0]).read_bytes() == pngs[summaries[stem]["figure"]]
    assert any(src.endswith("colab-badge.svg") for src in images)
    for needed in ("jupyter lab notebooks/", "git clone --branch", "Andrew Ng",
                   "colah", "recurrent_kernel", "The course notes"):  # fmt: skip
        assert needed in text, needed
    colab = "https://colab.research.google.com/github/rnn-lessons/rnn-lessons-course/blob/"
    assert colab in index


def test_site_refuses_a_solution_line_in_an_output(tmp_path, monkeypatch):
    """A cell that prints a solution line (its source, say) stops the site; OUT_DIR stays.

    Sphinx's part is cut short here (each page notebook's cells and outputs written as a
    page's text): what is tested is that what the pages are made of is checked, and that a
    refused site leaves the one built before in place.
    """

    def pages_as_text(source, html_dir, doctrees):
        for path in sorted((source / S.PAGES).glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            pieces = [c.source for c in nb.cells]
            pieces += [o.get("text", "") for c in nb.cells for o in c.get("outputs", [])]
            page = html_dir / S.PAGES / f"{path.stem}.html"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text("<pre>" + html.escape("\n".join(pieces)) + "</pre>", encoding="utf-8")

    monkeypatch.setattr(S, "run_sphinx", pages_as_text)
    root = tmp_path / "course"
    shutil.copytree(REPO / "solutions", root / "solutions")
    (root / "lessons").mkdir()
    for name in ("pyproject.toml", "lessons/__init__.py"):
        shutil.copy(REPO / name, root / name)
    project, out = B.Project(root), tmp_path / "site"
    S.build_site(project, out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert len(before) == len(STEMS) + 1  # the pages and the marker

    line = sorted(R.secret_lines(project), key=len)[-1]
    nb = nbformat.read(root / "solutions" / "00_sequences.ipynb", as_version=4)
    cell = next(c for c in nb.cells[3:] if c.cell_type == "code" and not is_exercise(c))
    cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=line + "\n"))
    nbformat.write(nb, root / "solutions" / "00_sequences.ipynb")
    with pytest.raises(S.SiteError, match="solution line") as refused:
        S.build_site(project, out)
    assert f"html/{S.PAGES}/00_sequences.html: {line}" in str(refused.value)  # the page
    assert f"source/{S.PAGES}/00_sequences.ipynb: {line}" in str(refused.value)  # its source
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["course", "site"]


def test_site_never_replaces_a_folder_it_did_not_write(tmp_path, capsys):
    out = tmp_path / "notes"
    out.mkdir()
    (out / "mine.txt").write_text("an instructor's file")
    assert cli.main(["site", str(out), "--root", str(REPO)]) == 2
    assert "did not write" in capsys.readouterr().err
    assert (out / "mine.txt").read_text() == "an instructor's file"
    assert cli.main(["site", str(REPO / "solutions" / "x"), "--root", str(REPO)]) == 2
    assert "build/" in capsys.readouterr().err


# --- in a browser -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def chromium():
    reason = browser.missing_reason()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="module")
def visits(built, chromium):
    """Every page loaded once in headless Chromium: what it asked for, logged, and showed."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    names = ["index.html"] + [f"{S.PAGES}/{stem}.html" for stem in STEMS]
    found = {}
    with browser.session(built) as (driver, origin):
        for name in names:
            driver.get(f"{origin}/{name}")
            typeset = browser.wait_for_mathjax(driver)
            shot = SCREENSHOTS / (Path(name).stem + ".png")
            browser.screenshot(driver, shot)
            found[name] = {
                "origin": origin,
                "requests": browser.requests(driver),
                "errors": browser.console_errors(driver),
                "mjx": typeset,
                "merror": driver.execute_script(
                    "return document.querySelectorAll('mjx-merror').length"
                ),
                "prose": browser.prose_text(driver),
                "glyphs": cjk_glyphs(driver),
                "screenshot": shot,
            }
    return found


def cjk_glyphs(driver):
    """{character: drawn as a glyph} for the Chinese characters in the page's text."""
    elements = driver.execute_script("""
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        const found = new Map();
        while (walker.nextNode()) {
          const node = walker.currentNode;
          if (/[\\u3400-\\u9fff]/.test(node.data)) found.set(node.parentElement, node.data);
        }
        return Array.from(found, ([element, text]) => [element, text]);
    """)
    glyphs = {}
    for element, text in elements:
        chars = sorted(set(CJK.findall(text)))
        glyphs.update(driver.execute_script(browser.GLYPHS_JS, element, chars))
    return glyphs


def test_pages_load_without_console_errors_and_ask_nothing_of_other_hosts(visits):
    assert len(visits) == len(STEMS) + 1
    for name, visit in visits.items():
        assert visit["errors"] == [], name
        assert len(visit["requests"]) > 5, name
        outside = [
            url
            for url in visit["requests"]
            if not url.startswith(visit["origin"] + "/") and not url.startswith("data:")
        ]
        assert outside == [], f"{name} asked other hosts for {outside}"
        assert visit["screenshot"].stat().st_size > 20_000, name


def test_mathjax_typeset_every_equation(visits, built):
    for name, visit in visits.items():
        has_math = 'class="math' in (built / name).read_text(encoding="utf-8")
        if has_math:
            assert visit["mjx"] and visit["mjx"] > 5, f"{name}: MathJax typeset nothing"
        assert visit["merror"] == 0, f"{name}: MathJax could not read an equation"
        for raw in ("$$", "\\(", "\\)", "\\[", "\\begin{"):
            assert raw not in visit["prose"], f"{name}: raw {raw!r} in the rendered text"
    assert visits[f"{S.PAGES}/04_gru.html"]["mjx"] > 50


@pytest.mark.parametrize(("stem", "must"), [("03_language_models", "春"), ("09_seq2seq", "年月日")])
def test_chinese_renders_as_glyphs(visits, stem, must):
    glyphs = visits[f"{S.PAGES}/{stem}.html"]["glyphs"]
    assert set(must) <= set(glyphs), f"{stem}: {must} not in the page's text"
    boxes = sorted(ch for ch, drawn in glyphs.items() if not drawn)
    assert boxes == [], f"{stem}: drawn as boxes: {''.join(boxes)}"


def test_glyph_check_sees_boxes_without_a_chinese_font(built, chromium, tmp_path):
    """The check above can fail: with only DejaVu fonts, 年 is drawn as a box."""
    dejavu = Path("/usr/share/fonts/truetype/dejavu")
    if not dejavu.is_dir():
        pytest.skip("fonts-dejavu is not installed")
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f"<dir>{dejavu}</dir><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>"
    )
    env = {"FONTCONFIG_FILE": str(conf), "PATH": "/usr/bin:/bin"}
    with browser.session(built, env=env) as (driver, origin):
        driver.get(f"{origin}/{S.PAGES}/09_seq2seq.html")
        glyphs = cjk_glyphs(driver)
    assert glyphs and not any(glyphs[ch] for ch in "年月日"), glyphs


def test_search_finds_the_lesson(built, chromium):
    from selenium.webdriver.support.ui import WebDriverWait

    with browser.session(built) as (driver, origin):
        driver.get(f"{origin}/search.html?q=forget+gate")
        links = WebDriverWait(driver, 30).until(
            lambda d: d.execute_script(
                "const a = document.querySelectorAll('#search-results li a');"
                "return a.length ? Array.from(a, e => e.getAttribute('href')) : null;"
            )
        )
        assert browser.console_errors(driver) == []
    assert any("05_lstm.html" in link for link in links), links


def test_a_lesson_prints_as_the_lesson_alone(built, chromium):
    """In print, navigation is hidden, the article takes the page, code wraps, figures fit."""
    with browser.session(built) as (driver, origin):
        driver.get(f"{origin}/{S.PAGES}/04_gru.html")
        browser.wait_for_mathjax(driver)
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        layout = driver.execute_script("""
            const shown = s => [...document.querySelectorAll(s)]
                .filter(e => getComputedStyle(e).display !== "none").length;
            const article = document.querySelector("main article").getBoundingClientRect();
            const images = [...document.querySelectorAll("article img")]
                .map(e => e.getBoundingClientRect().right);
            return {
              navigation: shown(".bd-sidebar-primary, .bd-sidebar-secondary, .prev-next-area"
                                + ", .bd-header-article"),
              width: article.width / window.innerWidth,
              overflow: images.filter(r => r > article.right + 1).length,
              wrap: getComputedStyle(document.querySelector("article pre")).whiteSpace,
            };
        """)
        pdf = base64.b64decode(driver.execute_cdp_cmd("Page.printToPDF", {})["data"])
    assert layout["navigation"] == 0, layout
    assert layout["width"] > 0.9 and layout["overflow"] == 0, layout
    assert layout["wrap"] == "pre-wrap", layout
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "04_gru.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) > 10
