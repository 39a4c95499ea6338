"""Imports the scripts in tools/ (not a package) for the tests: ``load_tool("slides")``."""

import importlib.util
import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parent.parent / "tools"


def load_tool(name: str):
    """``tools/<name>.py`` as a module, registered in ``sys.modules`` (dataclasses need that)."""
    if name in sys.modules and getattr(sys.modules[name], "__file__", "") == str(
        TOOLS / f"{name}.py"
    ):
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def root_conftest():
    """The repository's root ``conftest.py`` as a module (``import conftest`` may give
    tests/conftest.py instead)."""
    spec = importlib.util.spec_from_file_location("root_conftest", TOOLS.parent / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
