"""Runs the lessons and keeps the results, so an instructor can present them without waiting.

    python tools/execute.py --profile cpu            # every lesson
    python tools/execute.py --profile smoke 01 03    # some lessons

``make executed PROFILE=cpu [LESSONS="01 03"]`` calls this. For each lesson it writes, into
``build/executed/<profile>/``:

- ``NN_name.ipynb``: the lesson with its outputs (open it in JupyterLab);
- ``NN_name.html``: the same as a web page (images embedded; opens without Jupyter);
- ``NN_name.slides.html``: the lesson's reveal.js deck with the outputs (see tools/slides.py);
- ``SUMMARY.md``: per lesson whether it ran, how long it took, and its banner line, which says
  the profile, the device and the data (real or stand-in) the results come from;
- ``logs/NN_name.kernel.log``: what the kernel process printed outside the cells.

Without ``--profile`` the course's own default applies (``COURSE_PROFILE``, else ``full`` with a
GPU and ``cpu`` without). A lesson that fails is still written, with the error in its outputs,
and the run goes on with the next lesson; the exit status is 1 if any lesson failed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
OUT = ROOT / "build" / "executed"

sys.path.insert(0, str(Path(__file__).resolve().parent))
import slides  # noqa: E402  (tools/slides.py, next to this file)


def banner_line(nb) -> str:
    """The setup cell's banner (``[lesson NN ...] profile: ... | data: ...``), or ``""``."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            for line in output.get("text", "").splitlines():
                if line.startswith("[lesson "):
                    return line
    return ""


def execute(path: Path, profile: str, log: Path, progress: bool = True):
    """Runs ``path`` in a fresh kernel in profile ``profile`` (working folder: the notebook's).

    The kernel process' own output (TensorFlow's C++ start-up lines, a crash report) goes to
    ``log`` rather than over the progress bar. Returns ``(notebook, error)``: the notebook with
    every output produced so far, and the error (``None`` if all cells ran).
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    from tqdm.auto import tqdm

    nb = nbformat.read(path, as_version=4)
    code_cells = sum(cell.cell_type == "code" for cell in nb.cells)
    bar = tqdm(total=code_cells, desc=path.stem, unit="cell", disable=not progress, leave=True)

    def executed(cell, cell_index, execute_reply):  # nbclient hook after each cell
        bar.update(1)

    client = NotebookClient(
        nb,
        timeout=None,  # a full-profile lesson trains for many minutes per cell
        startup_timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(Path(path).parent)}},
        on_cell_executed=executed,
    )
    # The kernel's environment: this process' with the profile (course_utils quiets TF's logs).
    env = {**os.environ, "COURSE_PROFILE": profile}
    error = None
    log.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(log, "w") as kernel_output:
            client.execute(stdout=kernel_output, stderr=subprocess.STDOUT, env=env)
    except CellExecutionError as e:
        error = e
    finally:
        bar.close()
    return nb, error


def write_html(nb, target: Path) -> None:
    """The executed lesson as one self-contained web page (JupyterLab look, images embedded,
    figures with their text alternatives)."""
    from nbconvert import HTMLExporter

    # nbconvert's lab template with each figure's text alternative in its <img> (the course's
    # figures also carry a text/html <img alt>, which nbconvert prefers anyway)
    exporter = HTMLExporter(
        template_name="course-lab", extra_template_basedirs=[str(slides.TEMPLATES)]
    )
    html, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": target.stem}})
    part = target.with_name(f".{target.name}.part")
    part.write_text(html, encoding="utf-8")
    part.replace(target)


def write_notebook(nb, target: Path) -> None:
    import nbformat

    part = target.with_name(f".{target.name}.part")
    nbformat.write(nb, part)
    part.replace(target)


def write_summary(target: Path, profile: str, rows: list[str]) -> None:
    lines = [
        f"# Executed lessons, profile `{profile}`",
        "",
        "Written by `make executed` (tools/execute.py). Each banner line says the device and the",
        "data (real or stand-in) the results come from.",
        "",
        "| lesson | status | time | banner |",
        "|---|---|---|---|",
        *rows,
        "",
    ]
    target.write_text("\n".join(lines), encoding="utf-8")


def run(paths: list[Path], profile: str | None, out: Path = OUT, assets: str = "auto") -> int:
    """Executes ``paths`` and writes notebook, HTML and deck of each; returns the failure count."""
    from course_utils.profiles import resolve_profile_name

    name, why = resolve_profile_name(profile)
    folder = Path(out) / name
    folder.mkdir(parents=True, exist_ok=True)
    print(f"profile {name} ({why}): executing {len(paths)} lessons into {folder}")
    urls = slides.resolve_assets(assets, folder)  # once: local copies, or CDNs with a warning
    rows, failures = [], 0
    for i, path in enumerate(paths, 1):
        print(f"[{i}/{len(paths)}] {path.name}", flush=True)
        start = time.monotonic()
        nb, error = execute(path, name, folder / "logs" / f"{path.stem}.kernel.log")
        seconds = time.monotonic() - start
        target = folder / path.name
        write_notebook(nb, target)
        write_html(nb, target.with_suffix(".html"))
        slides.write_decks([target], folder, urls)
        status = "ran" if error is None else f"FAILED: {error.ename}: {error.evalue}"
        failures += error is not None
        print(f"    {status} in {seconds:.0f} s")
        cells = [path.stem, status, f"{seconds:.0f} s", banner_line(nb) or "-"]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        write_summary(folder / "SUMMARY.md", name, rows)  # after each lesson: nothing lost
    print(f"wrote {len(paths)} notebooks, web pages and decks to {folder} (see SUMMARY.md)")
    if failures:
        print(f"error: {failures} lesson(s) failed; their outputs show the error", file=sys.stderr)
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lessons", nargs="*", help="two-digit lesson numbers (default: all)")
    parser.add_argument("--profile", help="smoke, cpu or full (default: the course's default)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"default: {OUT}")
    parser.add_argument("--assets", choices=["auto", "local", "cdn"], default="auto")
    args = parser.parse_args(argv)
    from course_utils.errors import CourseError

    try:
        failures = run(slides.select(args.lessons), args.profile or None, args.out, args.assets)
    except CourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
