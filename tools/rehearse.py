"""A dress rehearsal of the learner's journey: every lesson in order, through the real download
path, on rehearsal data.

    make rehearsal                          # every lesson, profile cpu
    make rehearsal PROFILE=smoke LESSONS="02 04"
    python tools/rehearse.py --profile cpu 05 06

What it does:

1. writes every real source in its exact real format, filled with stand-in pictures
   (:mod:`course_utils.rehearsal`: the Microsoft zip with its broken files, the Oxford-IIIT Pet
   tarballs, CelebA's zip and text files, ``mnist.npz`` ...) into ``build/rehearsal/sources-*``
   (kept: the files are deterministic), and, for the ``cpu`` and ``full`` profiles, the
   *rehearsal weights*: Keras' ImageNet weight files (VGG16 with and without its top, Xception,
   MobileNetV2 at each size; about 760 MB, 1-2 minutes the first time) with their real names
   and layouts, filled with random values;
2. serves them on 127.0.0.1 with :mod:`course_utils.mirror` (a rehearsal manifest; Google
   Drive's confirmation page emulated for CelebA's large file);
3. runs the lessons in order, each in a fresh kernel, all in one fresh data folder and a fresh
   ``HOME`` (so nothing is fetched beforehand and no cache helps), with ``COURSE_MIRROR`` and
   ``COURSE_REHEARSAL=1`` set: each lesson downloads, verifies, extracts, subsets and reads its
   data as a learner's would, and says *rehearsal data* in its banner and plots;
4. writes ``build/rehearsal/<profile>/SUMMARY.md``: per lesson ``passed`` or ``failed``, the
   seconds, the peak memory and the banner line (peak memory: the larger of the kernel
   process' maximum resident set and the memory of the kernel and every process it started,
   such as lesson 10's training workers, summed every half second; pages they share, such as
   TensorFlow's libraries, counted once: see ``_memory``),
   plus each executed notebook (with its outputs, the error included when it failed) and the
   mirror's request log.

A failed lesson keeps its error and the next one still runs; the exit status is 1 if any
failed. Lessons 04, 05 and 09 download the rehearsal weights from the mirror, verify them against
its manifest and load them by path (``course_utils.pretrained.load_application``): their
pretrained branches run (freezing, fine-tuning), and the weights are labelled "rehearsal weights,
not ImageNet" (``Weights.imagenet`` is false), never ImageNet.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "rehearsal"
#: The rehearsal data's scale for each profile (course_utils.rehearsal.SCALES).
SCALE = {"smoke": "small", "cpu": "cpu", "full": "cpu"}
#: Environment variables that would let a lesson find data or caches outside the fresh folders.
CLEARED = ("KERAS_HOME", "TFDS_DATA_DIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "MPLCONFIGDIR")

sys.path.insert(0, str(Path(__file__).resolve().parent))


def run_one(path: Path, profile: str, folder: Path) -> dict:
    """Runs one lesson in a fresh kernel (this process' environment) and writes its notebook;
    returns ``{"status", "banner", "peak_mb"}``. Run in a child process per lesson, so that the
    peak memory is that lesson's kernel's only."""
    import execute  # tools/execute.py

    nb, error = execute.execute(path, profile, folder / "logs" / f"{path.stem}.kernel.log")
    execute.write_notebook(nb, folder / path.name)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the kernel, waited for
    status = "passed" if error is None else f"failed: {error.ename}: {error.evalue}"
    return {"status": status, "banner": execute.banner_line(nb), "peak_mb": peak_kb / 1024}


def _memory(process) -> int:
    """Bytes of physical memory ``process`` (a psutil.Process) accounts for: its proportional
    set size where the system reports it (Linux), else its resident set.

    The proportional set divides each page shared with other processes by their number. The
    resident set counts a shared page in full in every process that maps it: TensorFlow's
    libraries are about 400 MB of file pages that a kernel and the two training workers it
    starts (lesson 10) all map, and a sum of resident sets would count them three times."""
    import psutil

    try:
        return process.memory_full_info().pss
    except (AttributeError, NotImplementedError, psutil.AccessDenied):  # no PSS here
        return process.memory_info().rss


def _watch(proc: subprocess.Popen, every: float = 0.5) -> float:
    """Waits for ``proc``; returns the largest sum (MB) of the memory (:func:`_memory`) of the
    processes it started (the kernel and the kernel's own subprocesses), sampled every
    ``every`` s. Without psutil (ipykernel installs it) it only waits and returns 0."""
    try:
        import psutil
    except ImportError:
        proc.wait()
        return 0.0

    peak, parent = 0, psutil.Process(proc.pid)
    while proc.poll() is None:
        total = 0
        for child in parent.children(recursive=True):
            try:
                total += _memory(child)
            except psutil.Error:  # ended between the listing and the reading
                pass
        peak = max(peak, total)
        time.sleep(every)
    return peak / 2**20


def build_weights(folder: Path, keys: tuple[str, ...]) -> None:
    """Writes the rehearsal weight files ``keys`` into ``folder`` in a child process (kept
    when complete): writing them imports TensorFlow and holds VGG16's 553 MB twice, which this
    process, alive for the whole rehearsal, then need not keep."""
    if not keys:
        return
    code = (
        "import sys; from course_utils import rehearsal; "
        "rehearsal.build_weights(sys.argv[1], sys.argv[2:])"
    )
    subprocess.run([sys.executable, "-c", code, str(folder), *keys], check=True, cwd=ROOT)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |"


def write_summary(target: Path, profile: str, header: list[str], rows: list[list[str]]) -> None:
    lines = [
        f"# Rehearsal, profile `{profile}`",
        "",
        "Written by `make rehearsal` (tools/rehearse.py): the lessons in order, in one fresh data",
        "folder and HOME, every download through a mirror on 127.0.0.1 serving *rehearsal data*",
        "(the real sources' formats, stand-in pictures). Not real results.",
        "",
        *header,
        "",
        "| lesson | result | seconds | peak memory (MB) | banner |",
        "|---|---|---|---|---|",
        *(_row(r) for r in rows),
        "",
    ]
    target.write_text("\n".join(lines), encoding="utf-8")


def machine() -> str:
    import platform

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"


def rehearse(paths: list[Path], profile: str, out: Path = OUT, keep: bool = False) -> int:
    """Runs ``paths`` in order (see the module docstring); returns the number that failed."""
    from course_utils import mirror, rehearsal

    folder = out / profile
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    scale = SCALE[profile]
    print(f"rehearsal data ({scale} scale): building or reusing {out / f'sources-{scale}'}")
    build_weights(out / f"sources-{scale}", rehearsal.SCALES[scale].weights)
    sources = rehearsal.build(out / f"sources-{scale}", scale)  # keeps those weight files
    work = Path(tempfile.mkdtemp(prefix="course-rehearsal-"))
    for name in ("data", "home"):
        (work / name).mkdir()
    log = open(folder / "mirror.log", "w", buffering=1)  # noqa: SIM115 - closed below
    server = mirror.start(
        sources, port=0, rehearsal=True, drive_confirm=("img_align_celeba.zip",), log_stream=log
    )
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(
        COURSE_DATA_DIR=str(work / "data"),
        HOME=str(work / "home"),
        COURSE_MIRROR=server.url,
        COURSE_REHEARSAL="1",
        COURSE_PROFILE=profile,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    header = [
        f"Machine: {machine()}. Mirror: {server.url} ({len(server.RequestHandlerClass.entries)} "
        f"files). Data folder and HOME: fresh, under {work} (removed afterwards).",
        f"Started {time.strftime('%Y-%m-%d %H:%M')}.",
    ]
    print(f"mirror {server.url}; fresh data folder and HOME in {work}")
    rows, failures = [], 0
    try:
        for i, path in enumerate(paths, 1):
            print(f"[{i}/{len(paths)}] {path.name}", flush=True)
            start = time.monotonic()
            child = subprocess.Popen(
                [sys.executable, __file__, "--one", str(path), "--profile", profile,
                 "--out", str(folder)],
                env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT,
            )  # fmt: skip
            output: list[str] = []  # read aside, so that a full pipe never blocks the child
            reader = threading.Thread(
                target=lambda out=output, proc=child: out.append(proc.stdout.read())
            )
            reader.start()
            tree_mb = _watch(child)
            reader.join()
            seconds = time.monotonic() - start
            try:
                result = json.loads(output[0].strip().splitlines()[-1])
            except (IndexError, ValueError):
                result = {"status": f"failed: the runner exited {child.returncode}", "banner": ""}
            failures += result["status"] != "passed"
            peak = f"{max(result['peak_mb'], tree_mb):.0f}" if "peak_mb" in result else "-"
            print(f"    {result['status'][:300]} in {seconds:.0f} s, peak {peak} MB", flush=True)
            rows.append([path.stem, result["status"], f"{seconds:.0f}", peak, result["banner"]])
            write_summary(folder / "SUMMARY.md", profile, header, rows)  # after each: none lost
    finally:
        server.shutdown()
        server.server_close()
        log.close()
        if keep:
            print(f"kept the data folder and HOME: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"wrote {folder / 'SUMMARY.md'}")
    if failures:
        print(
            f"error: {failures} lesson(s) failed; see their notebooks in {folder}", file=sys.stderr
        )
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lessons", nargs="*", help="two-digit lesson numbers (default: all)")
    parser.add_argument("--profile", default="cpu", choices=sorted(SCALE))
    parser.add_argument("--out", type=Path, default=OUT, help=f"default: {OUT}")
    parser.add_argument("--keep", action="store_true", help="keep the fresh data folder and HOME")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # a child runs one lesson
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one, args.profile, args.out)))
        return 0
    import slides  # tools/slides.py: the lessons' order and LESSONS selection

    failures = rehearse(slides.select(args.lessons), args.profile, args.out, args.keep)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
