"""``make test-colab``: every Colab export, run on Colab's own package versions.

The Colab exports keep the TensorFlow and Keras that Colab has, so on Colab the lessons run on
versions the course's pinned environment never sees. This script:

1. builds (once; again when ``tools/colab_stack.txt`` changes) a virtual environment,
   ``.venv-colab``, with exactly the versions listed in ``tools/colab_stack.txt`` (Python
   included), plus the test tools (nbval, pytest, xdist);
2. prints that environment's versions;
3. writes the Colab exports (``tools/export.py colab``) into a working folder *outside* the
   repository, where only the copy of ``course_utils`` embedded in each notebook can be
   imported, and runs the first export's install cell there once, as Colab would (it installs
   what the stack lacks, at the course's pins);
4. runs every export through nbval (lax mode) in the ``smoke`` profile, one notebook per worker.

    python tools/test_colab.py [--venv .venv-colab] [--python python3.13] [NN ...]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STACK = ROOT / "tools" / "colab_stack.txt"
TEST_TOOLS = ["nbval==0.11.0", "pytest==9.2.0", "pytest-xdist==3.8.0"]


def read_stack(path: Path = STACK) -> tuple[str, dict[str, str]]:
    """``(python version, {package: version})`` from the stack file."""
    python, packages = "", {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, _, version = line.partition("==")
        if not version:
            raise SystemExit(f"{path}: '{line}' is not 'name==version'")
        if name.strip() == "python":
            python = version.strip()
        else:
            packages[name.strip()] = version.strip()
    if not python:
        raise SystemExit(f"{path}: no 'python==X.Y' line")
    return python, packages


def find_python(version: str, given: str | None) -> str:
    """An interpreter of ``version`` (X.Y): ``--python``, ``$COLAB_PYTHON``, ``pythonX.Y`` on
    the PATH, or pyenv's copy."""
    candidates = [given, os.environ.get("COLAB_PYTHON"), f"python{version}"]
    candidates += sorted(
        str(p) for p in Path.home().glob(f".pyenv/versions/{version}*/bin/python3")
    )
    for candidate in filter(None, candidates):
        exe = shutil.which(candidate) or candidate
        try:
            out = subprocess.run(
                [exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True,
                text=True,
                timeout=30,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0 and out.stdout.strip() == version:
            return exe
    raise SystemExit(
        f"no Python {version} found (Colab's version, from {STACK.name}). Install one (e.g. "
        f"`pyenv install {version}`) or pass --python / set COLAB_PYTHON."
    )


def ensure_venv(venv: Path, python: str, packages: dict[str, str]) -> Path:
    """Create or refresh ``venv`` with exactly ``packages``; returns its python."""
    wanted = [f"{name}=={version}" for name, version in packages.items()] + TEST_TOOLS
    stamp = hashlib.sha256(json.dumps([python, wanted]).encode()).hexdigest()
    marker = venv / ".colab-stack"
    exe = venv / "bin" / "python"
    if marker.is_file() and marker.read_text() == stamp and exe.is_file():
        return exe
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    pip = [str(exe), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    print(f"installing into {venv}: {' '.join(wanted)}", flush=True)
    subprocess.run([*pip, *wanted], check=True)
    marker.write_text(stamp)
    return exe


def versions(exe: Path, packages: dict[str, str]) -> str:
    code = (
        "import importlib.metadata as m, json, platform, sys\n"
        f"names = {sorted(packages)!r}\n"
        "found = {}\n"
        "for n in names:\n"
        "    try:\n"
        "        found[n] = m.version(n)\n"
        "    except m.PackageNotFoundError:\n"
        "        found[n] = '-'\n"
        "print(json.dumps({'python': platform.python_version(), **found}))"
    )
    out = subprocess.run([str(exe), "-c", code], capture_output=True, text=True, check=True)
    found = json.loads(out.stdout)
    rows = [f"  {name:24s} {found[name]:>10s}" for name in found]
    return "Colab-stack environment:\n" + "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lessons", nargs="*", help="two-digit lesson numbers (default: all)")
    parser.add_argument("--venv", type=Path, default=ROOT / ".venv-colab")
    parser.add_argument("--python", help="a Python of the stack's version")
    parser.add_argument("--workers", default="2", help="pytest-xdist workers (default 2)")
    parser.add_argument("--keep", action="store_true", help="keep the working folder")
    args = parser.parse_args(argv)

    python_version, packages = read_stack()
    exe = ensure_venv(args.venv.resolve(), find_python(python_version, args.python), packages)
    print(versions(exe, packages), flush=True)

    sys.path.insert(0, str(ROOT / "tools"))
    import export

    paths = export.lessons()
    if args.lessons:
        paths = [p for p in paths if p.name[:2] in {n.zfill(2) for n in args.lessons}]
    work = Path(tempfile.mkdtemp(prefix="colab-exports-"))
    try:
        written = export.export_colab(work / "notebooks", paths)
        data = work / "data"
        data.mkdir()
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        env.update(COURSE_PROFILE="smoke", COURSE_DATA_DIR=str(data), MPLBACKEND="agg")
        env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # ipykernel 6.17 debugger noise on 3.13
        env["PATH"] = f"{exe.parent}{os.pathsep}{env.get('PATH', '')}"
        # Only the embedded copy of course_utils may be importable there.
        probe = subprocess.run(
            [str(exe), "-c", "import course_utils"], cwd=work, env=env, capture_output=True
        )
        if probe.returncode == 0:
            raise SystemExit(f"course_utils is importable in {args.venv} without the notebook")
        # Colab starts with the install cell: run it once here (not in parallel notebooks).
        install = next(
            "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in json.loads(written[0].read_text())["cells"]
            if "colab" in c.get("metadata", {}).get("tags", [])
        )
        print("install cell (as on a fresh Colab runtime):", flush=True)
        (work / "install_cell.py").write_text(install)
        subprocess.run([str(exe), "install_cell.py"], cwd=work, env=env, check=True)
        command = [
            str(exe), "-m", "pytest", "--nbval-lax", "--nbval-current-env", "-p",
            "no:cacheprovider", "-n", args.workers, "--dist", "loadfile", "--durations=10",
            "-o", "addopts=", *[str(p) for p in written],
        ]  # fmt: skip
        print(f"running {len(written)} Colab exports in {work} (smoke profile)", flush=True)
        return subprocess.run(command, cwd=work / "notebooks", env=env).returncode
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
