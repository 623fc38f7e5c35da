"""The TensorFlow and Keras versions the kit is tested with, and what to do outside them.

`SUPPORTED` is the range `pyproject.toml` states (tests/test_versions.py
keeps the two equal): the lower bounds are the oldest pair that `make
test-oldest` runs the cells', interop, stacks' and seq2seq tests on; the
upper bounds are one minor release past the newest pair `make test` runs.
Colab upgrades TensorFlow and Keras on its own schedule, so the set-up cell
prints the versions (`lessons.config.describe`) and warns outside the range.
"""

import importlib.metadata

# package -> (oldest supported, first unsupported): the range [low, high).
SUPPORTED = {"tensorflow": ("2.16.2", "2.22"), "keras": ("3.3.3", "3.16")}


def _release(version):
    """(2, 16, 1) from "2.16.1", "2.16.1rc0" or "2.16.1+cpu": the release numbers only."""
    numbers = []
    for part in version.split("+")[0].split("."):
        digits = "".join(c for c in part if c.isdigit()) if part[:1].isdigit() else ""
        if not digits:
            break
        numbers.append(int(digits))
        if not part.isdigit():  # "1rc0": a pre-release of 1, the rest is not a number
            break
    return tuple(numbers)


def supported_range(package):
    """The range as text, e.g. "keras >= 3.3.3, < 3.16"."""
    low, high = SUPPORTED[package]
    return f"{package} >= {low}, < {high}"


def in_range(package, version):
    """Whether `version` of `package` lies in the supported range."""
    low, high = SUPPORTED[package]
    return _release(low) <= _release(version) < _release(high)


def installed(package):
    """The installed version of `package`, or None where it is not installed."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def warnings(versions=None):
    """One sentence per package outside the range: what runs, what is supported, what to do.

    Args:
        versions: `{package: version or None}`; default: the installed ones.
            A package that is not installed is not warned about (Keras runs
            without TensorFlow on JAX or PyTorch).
    """
    if versions is None:
        versions = {package: installed(package) for package in SUPPORTED}
    return [
        f"WARNING: {package} {version} is outside the versions rnn-lessons is tested with "
        f"({supported_range(package)}); if something fails, install a supported one, e.g. "
        f'pip install "{package}>={SUPPORTED[package][0]},<{SUPPORTED[package][1]}".'
        for package, version in versions.items()
        if version is not None and not in_range(package, version)
    ]


def unsupported_keras(detail):
    """The ImportError for a Keras whose internals the kit relies on have moved."""
    return ImportError(
        f"rnn-lessons cannot run on keras {installed('keras')}: {detail}. It supports "
        f"{supported_range('keras')} (and {supported_range('tensorflow')}); install one, "
        f'e.g. pip install "keras>={SUPPORTED["keras"][0]},<{SUPPORTED["keras"][1]}".'
    )
