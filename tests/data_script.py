"""`data/build_datasets.py` imported as a module, for the tests that rebuild the data sets."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "data" / "build_datasets.py"


def build_script():
    """The build script's module (it is a script, not a package: loaded from its path)."""
    spec = importlib.util.spec_from_file_location("build", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
