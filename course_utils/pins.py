"""The package versions the course was tested with (same as pyproject.toml and environment.yml).

Lesson 00 compares the installed versions against this table; a test keeps the three lists equal.
"""

PINS: dict[str, str] = {
    "tensorflow": "2.21.0",
    "keras": "3.15.1",
    "tensorflow-datasets": "4.9.10",
    "importlib_resources": "7.1.0",
    "jupyterlab": "4.6.6",
    "ipykernel": "7.4.0",
    "matplotlib": "3.11.2",
    "pandas": "3.1.1",
    "scipy": "1.17.1",
    "tqdm": "4.70.1",
    "nbval": "0.11.0",
    "nbconvert": "7.17.2",
    "pytest": "9.2.0",
    "pytest-xdist": "3.8.0",
    "ruff": "0.17.6",
}
