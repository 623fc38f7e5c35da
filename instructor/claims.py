"""The figures a lesson's prose quotes are the figures its cells printed in the stored run.

A lesson names each result its prose quotes in its header, `rnn_lessons.claims`:

    claims:
      char_model_time:
        printed: 243,916 parameters, trained in {} s
        says: trained in {} s on

`printed` is text in the stored outputs of the lesson's code cells and `says` text of its
markdown cells, each with `{}` where the number stands (any run of white space matches
any, so a line break in the prose does not matter). `printed` must find one value in the
whole notebook (an identical line printed twice is one value); `says` must find at least
one place in the prose, and each number it finds there must be the printed value as the
prose rounds it: within half a unit of the prose's last digit ("2.10" for 2.105), a whole
number ending in zeros to its last non-zero digit ("about 850 s" for 847 s).

Options: `divide: 60` when the prose says minutes of a time printed in seconds;
`between: [lo, hi]` for words that stand for a range of the printed value ("bends it a
little" for a cosine near 1): then `says` has no `{}`, and the printed value must lie in
the range while the prose says those words.

Numbers no claim names are left alone (equations, sizes, the lesson's own settings), with
one exception: a time in the prose ("850 s", "5.2 minutes") is always a measurement, so
one that no claim covers is reported.
"""

import re

NUMBER = r"[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?"
# A duration in prose: "850 s", "5.2 minutes", "0.28 s per batch"; not "3 s-shaped" or "s_t".
# Milliseconds are left out: the lessons measure in seconds, and "a frame every 10 ms" is data.
TIME = re.compile(
    r"(?<![\w.$^_{])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s?"
    r"(?:s|seconds?|min|minutes?|hours?)\b(?![-_])"
)


class ClaimError(ValueError):
    """A claim that cannot be resolved: its pattern matches nothing, or more than one value."""


def parse_number(text):
    return float(text.replace(",", "").replace("−", "-"))


def _template(template):
    """A regex for `template` with `{}` standing for a number (captured)."""
    if template.count("{}") != 1:
        raise ClaimError(f"{template!r}: needs exactly one {{}} where the number stands")
    before, after = template.split("{}")
    start = (
        r"(?<![\w=])" if re.match(r"\w", template) else ""
    )  # "clipnorm" not in "global_clipnorm"
    return re.compile(start + _words(before) + f"({NUMBER})" + _words(after))


def _words(text):
    """`text` as a regex, any run of white space (a line break in markdown) matching any."""
    return r"\s+".join(re.escape(part) for part in re.split(r"\s+", text)) if text else ""


def agrees(said, printed):
    """True when the prose's `said` (as written) is `printed` rounded the way the prose is.

    Rounding a printed 2.105 to two decimals may give 2.10 or 2.11: within half a unit
    of the prose's last digit, both agree.
    """
    value = parse_number(said)
    digits = said.split(".")[1] if "." in said else ""
    if digits:
        unit = 10.0 ** -len(digits)
    else:
        whole = said.replace(",", "").lstrip("-+−")
        zeros = len(whole) - len(whole.rstrip("0")) if whole.strip("0") else 0
        unit = 10.0**zeros
    return abs(printed - value) <= unit / 2 * (1 + 1e-9)


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # the colours of Keras' model summaries


def outputs_text(cell):
    """What a stored code cell showed: its streams and the plain text of its results."""
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        elif "data" in output:
            parts.append(output["data"].get("text/plain", ""))
    return ANSI.sub("", "".join("".join(p) if isinstance(p, list) else p for p in parts))


def printed_value(notebook, template):
    """The one value `template` finds in the stored outputs of `notebook`'s code cells."""
    pattern = _template(template)
    found = {
        match.group(1)
        for cell in notebook.cells
        if cell.cell_type == "code"
        for match in pattern.finditer(outputs_text(cell))
    }
    if not found:
        raise ClaimError(f"no stored output prints {template!r}")
    values = {parse_number(text) for text in found}
    if len(values) > 1:
        raise ClaimError(f"{template!r} finds {len(values)} printed values {sorted(found)}")
    return values.pop()


def lesson_claims(notebook):
    """{name: (printed, says, options)} of the lesson's header, `rnn_lessons.claims`."""
    claims = notebook.metadata.get("rnn_lessons", {}).get("claims", {})
    found = {}
    for name, claim in claims.items():
        if not isinstance(claim, dict) or not {"printed", "says"} <= set(claim):
            raise ClaimError(f"claim {name!r}: needs `printed` and `says`, got {claim!r}")
        options = {k: v for k, v in claim.items() if k not in ("printed", "says")}
        unknown = set(options) - {"divide", "between"}
        if unknown:
            raise ClaimError(f"claim {name!r}: unknown options {sorted(unknown)}")
        found[name] = (claim["printed"], claim["says"], options)
    return found


def disagreements(notebook, where="the notebook"):
    """Every claim of `notebook` the stored outputs contradict, and every unclaimed time.

    Returns a list of sentences, empty when prose and outputs agree.
    """
    prose = [
        (number, cell.source)
        for number, cell in enumerate(notebook.cells, 1)
        if cell.cell_type == "markdown"
    ]
    problems, covered = [], set()
    for name, (printed, says, options) in lesson_claims(notebook).items():
        at = f"{where}, claim {name!r}"
        try:
            value = printed_value(notebook, printed)
        except ClaimError as error:
            problems.append(f"{at}: {error}")
            continue
        value /= options.get("divide", 1)
        pattern = re.compile(_words(says)) if "between" in options else _template(says)
        matches = [(n, m) for n, text in prose for m in pattern.finditer(text)]
        if not matches:
            problems.append(f"{at}: no markdown cell says {says!r}")
        for number, match in matches:
            covered.add((number, match.span()))
            if "between" in options:
                low, high = options["between"]
                if not low <= value <= high:
                    problems.append(
                        f"{at}, cell {number}: says {match.group(0)!r}, which holds for "
                        f"values in [{low}, {high}], but the stored output prints "
                        f"{printed.replace('{}', f'{value:g}')!r}"
                    )
            elif not agrees(match.group(1), value):
                shown = printed.replace("{}", f"{value * options.get('divide', 1):g}")
                scale = f" (÷ {options['divide']} = {value:.4g})" if "divide" in options else ""
                problems.append(
                    f"{at}, cell {number}: says {match.group(0)!r}, but the stored output "
                    f"prints {shown!r}{scale}"
                )
    for number, text in prose:
        for match in TIME.finditer(text):
            spans = [span for n, span in covered if n == number]
            if not any(start <= match.start() < end for start, end in spans):
                problems.append(
                    f"{where}, cell {number}: the time {match.group(0)!r} is no claim: name "
                    "the output that printed it in the lesson's rnn_lessons.claims"
                )
    return problems


def check_lessons(paths):
    """The disagreements of the stored solution notebooks at `paths` (.ipynb)."""
    import nbformat

    problems = []
    for path in paths:
        notebook = nbformat.read(str(path), as_version=4)
        try:
            problems += disagreements(notebook, where=path.name)
        except ClaimError as error:
            problems.append(f"{path.name}: {error}")
    return problems
