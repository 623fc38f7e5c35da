"""Headless Chromium for the site's tests: Debian's `chromium` and `chromium-driver` driven by
Selenium, never a browser downloaded at run time. `make install` installs both (as root with
apt-get); where they are missing the browser tests skip, saying so.
"""

import base64
import contextlib
import functools
import http.server
import json
import shutil
import threading

CHROMIUM = ("chromium", "chromium-browser")
DRIVER = "chromedriver"

# Draws each character, then a code point no font has (U+0378, unassigned), in the font the
# page uses for `element`, and compares the pixels: a character with no glyph is drawn as that
# same box (.notdef). Returns {char: true when drawn as a glyph of its own}.
GLYPHS_JS = """
const [element, chars] = arguments;
const style = getComputedStyle(element);
const canvas = document.createElement("canvas");
canvas.width = 64; canvas.height = 64;
const ctx = canvas.getContext("2d", {willReadFrequently: true});
ctx.font = `32px ${style.fontFamily}`;
function draw(ch) {
  ctx.clearRect(0, 0, 64, 64);
  ctx.fillStyle = "#000";
  ctx.fillText(ch, 8, 44);
  return Array.from(ctx.getImageData(0, 0, 64, 64).data).join(",");
}
const box = draw("\\u0378");
const drawn = {};
for (const ch of chars) drawn[ch] = draw(ch) !== box && draw(ch) !== draw(" ");
return drawn;
"""


def executables():
    """(chromium, chromedriver) paths, or None where either is missing."""
    browser = next((shutil.which(name) for name in CHROMIUM if shutil.which(name)), None)
    driver = shutil.which(DRIVER)
    return (browser, driver) if browser and driver else None


def missing_reason():
    try:
        import selenium  # noqa: F401
    except ImportError:
        return 'selenium is not installed (pip install -e ".[site]"; make install does)'
    if executables() is None:
        return (
            "Debian's chromium and chromium-driver are not installed: `make install` installs "
            "them as root with apt-get (apt-get install chromium chromium-driver)"
        )
    return None


def chrome(width=1280, height=900, env=None):
    """A headless Chromium whose console and network events can be read back."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver = executables()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in (
        "--headless=new",
        "--no-sandbox",  # root in a container: Chromium's own sandbox cannot start
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--hide-scrollbars",
        f"--window-size={width},{height}",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-extensions",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(options=options, service=Service(executable_path=driver, env=env))


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(folder):
    """The folder over HTTP on the loopback interface, as a static host serves it."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def session(folder, env=None):
    """(driver, origin): a headless Chromium, and `folder` served to it over HTTP."""
    driver = chrome(env=env)
    try:
        with serve(folder) as origin:
            yield driver, origin
    finally:
        driver.quit()


def requests(driver):
    """Every URL the page asked for since the last call (Chromium's performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def console_errors(driver):
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def wait_for_mathjax(driver):
    """Wait until MathJax has typeset the page (and its fonts are in); None without MathJax."""
    return driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        (async () => {
          const typeset = window.MathJax && MathJax.startup;
          if (typeset) await MathJax.startup.promise;
          await document.fonts.ready;
          done(typeset ? document.querySelectorAll("mjx-container").length : null);
        })();
    """)


def prose_text(driver):
    """The article's rendered text without code, outputs and typeset equations."""
    return driver.execute_script("""
        const main = document.querySelector("main article") || document.body;
        const copy = main.cloneNode(true);
        copy.querySelectorAll("pre, code, .highlight, mjx-container, script, style")
            .forEach(e => e.remove());
        return copy.innerText;
    """)


def screenshot(driver, path):
    """The whole page, top to bottom, as a PNG (the viewport stretched to the page's height)."""
    width = driver.execute_script("return window.innerWidth")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    try:
        shot = driver.execute_cdp_cmd(
            "Page.captureScreenshot", {"format": "png", "optimizeForSpeed": True}
        )
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    path.write_bytes(base64.b64decode(shot["data"]))
    return height
