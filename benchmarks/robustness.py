"""Do the lessons' checks hold for any seed and any thread count? Measured, not assumed.

Runs every lesson (the whole notebook, as the tests do) and the unit tests that train a model,
for several seeds (``COURSE_SEED``) and CPU thread counts (``COURSE_THREADS``, which sets
TensorFlow's thread pools), in the ``smoke`` profile by default, and prints per check:

- the pass rate (a run passes when no cell raised: every assert of the lesson held),
- the lowest, median and highest measured value, and
- the margin: the lowest measured value minus the threshold (negative: a failure).

A check that passes here for every seed and both thread counts, with a margin that is large
against the spread of its values, is unlikely to fail on another CPU, whose float rounding
sends training down another path just as another seed does.

    .venv/bin/python benchmarks/robustness.py                    # everything: 10 seeds x 1, 2 threads
    .venv/bin/python benchmarks/robustness.py --lessons 03 07 --seeds 0-4
    .venv/bin/python benchmarks/robustness.py --lessons 03 --threads 2 --deterministic

Each run gets its own data folder (generated stand-ins are shared, saved models are not), so a
run never sees what another run saved. Runs go in parallel as far as the cores allow (the sum
of their thread counts at most the number of cores). Every run is appended to
``build/robustness/runs.jsonl``; ``--report`` rebuilds the table from that file without running
anything; ``--markdown FILE`` also writes the table there (``benchmarks/results/``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
OUT = ROOT / "build" / "robustness"


@dataclass(frozen=True)
class Check:
    """One threshold check: ``value`` (an expression evaluated in the finished notebook's
    kernel, or the name a unit test records) must be at least ``threshold``."""

    name: str
    value: str
    threshold: str


#: The checks whose values depend on training, per lesson: the expressions read the variables
#: that the lesson's own assert cells compare. Lessons 00, 04 and 05 have no such threshold in
#: ``smoke`` (04/05 train on random weights there, and check structure), but their runs still
#: count: any raised assert is a failure.
LESSON_CHECKS: dict[str, list[Check]] = {
    "00": [],
    "01": [
        Check("test accuracy", "test_acc", "P.min_test_accuracy"),
        Check("exercise 3: lower of the two accuracies", "min(results.values())", "0.3"),
    ],
    "02": [
        Check("last epoch: test accuracy", "test_acc", "P.min_test_accuracy"),
        Check("best epoch: test accuracy", "best_test_acc", "P.min_test_accuracy"),
    ],
    "03": [
        Check(
            f"{model}, {epoch} epoch: test accuracy",
            f"{table}[{model!r}]",
            "P.min_test_accuracy",
        )
        for model in ("no augmentation", "augmentation + dropout")
        for epoch, table in (("last", "results"), ("best", "best_results"))
    ],
    "04": [],
    "05": [],
    "06": [Check("mean IoU gain over the baseline", "gain", "P.min_miou_gain")],
    "07": [Check("mini-Xception test accuracy", "xception_acc", "P.min_test_accuracy")],
    "08": [Check("test accuracy", "test_acc", "P.min_test_accuracy")],
    "10": [
        Check(
            "parallel reads / sequential reads (images/s)",
            "speed[f'parallel map ({P.parallel_calls} calls)'][0] / sequential",
            "2",
        ),
        Check(
            "cache / sequential reads (images/s)",
            "speed['cache (second epoch on)'][0] / sequential",
            "2",
        ),
    ],
    "09": [
        Check(
            "VGG16 filter patterns: lowest gain", "min(all_gains.values())", "P.min_pattern_gain"
        ),
        Check(
            "Xception filter patterns: lowest gain",
            "min(xception_gains.values())",
            "P.min_pattern_gain",
        ),
        Check(
            "exercise 2, block5_conv1: lowest gain",
            "min(p.gain for p in deep.values())",
            "P.min_pattern_gain",
        ),
        # equalities as value >= threshold: minus the difference, in units of the tolerance
        Check("ascent by hand = helper: -(pixel difference)", "-float(difference)", "-1"),
        Check("VGG16 Grad-CAM: cells above 0 (of 196)", "float((heatmap > 0).sum())", "1"),
        Check(
            "Grad-CAM by hand: heatmaps not empty",
            "float((mine.reshape(len(mine), -1).max(axis=1) == 1.0).sum())",
            "1",
        ),
        Check(
            "Grad-CAM by hand = helper: -(difference / 1e-5)",
            "-float(np.abs(mine - helper).max()) / 1e-5",
            "-1",
        ),
    ],
}

#: Unit tests that train: the file and the checks it records (``tests/checks.py``).
TEST_CHECKS: dict[str, list[str]] = {
    "tests/test_grad_cam_pointing.py": [],
}

MARKER = "__ROBUSTNESS__"


def harvest_cell(checks: list[Check]) -> str:
    """The code appended to a lesson: print the checks' values and thresholds as JSON."""
    pairs = [(c.name, c.value, c.threshold) for c in checks]
    return (
        "import json as _json\n"
        "_values = {}\n"
        f"for _name, _value, _threshold in {pairs!r}:\n"
        "    try:\n"
        "        _values[_name] = [float(eval(_value)), float(eval(_threshold))]\n"
        "    except Exception as _error:  # the lesson stopped before computing it\n"
        "        _values[_name] = [None, None]\n"
        f"print({MARKER!r} + _json.dumps(_values))"
    )


def run_lesson(lesson: str, env: dict[str, str], timeout: int) -> dict:
    """Execute one lesson in a fresh kernel with ``env``; return its error and check values."""
    import nbclient
    import nbformat

    (path,) = NOTEBOOKS.glob(f"{lesson}_*.ipynb")
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(harvest_cell(LESSON_CHECKS[lesson])))
    client = nbclient.NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    with open(os.devnull, "w") as devnull:
        client.execute(env=env, stdout=devnull, stderr=devnull)
    error, values = None, {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and error is None:
                error = f"{output['ename']}: {output['evalue']}"[:300]
            text = output.get("text", "")
            if output.get("name") == "stdout" and MARKER in text:
                values = json.loads(text.split(MARKER, 1)[1].splitlines()[0])
    return {"error": error, "values": values}


def run_test(target: str, env: dict[str, str], timeout: int) -> dict:
    """Run one unit test file (or test) with pytest; the test records its values itself."""
    import subprocess

    with tempfile.NamedTemporaryFile("r", suffix=".jsonl") as log:
        env = {**env, "COURSE_CHECKS_LOG": log.name}
        # The suite removes the course's variables from its environment (conftest.py); a run's
        # seed, threads and data folder are given as options instead.
        cmd = [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:randomly", target]
        cmd += [f"--course-seed={env['COURSE_SEED']}", f"--course-threads={env['COURSE_THREADS']}"]
        cmd += [f"--course-checks-log={log.name}", f"--course-data-dir={env['COURSE_DATA_DIR']}"]
        if env.get("COURSE_DETERMINISTIC") == "1":
            cmd.append("--course-deterministic")
        done = subprocess.run(
            cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
        values = {}
        for line in open(log.name):
            record = json.loads(line)
            values[record["name"]] = [record["value"], record["threshold"]]
    error = None
    if done.returncode != 0:
        tail = [line for line in done.stdout.splitlines() if line.startswith("E ")]
        error = (tail[0] if tail else f"pytest exit {done.returncode}")[:300]
    return {"error": error, "values": values}


def one_run(target: str, seed: int, threads: int, args, shared_standins: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="robustness-") as data:
        os.symlink(shared_standins, Path(data) / "standins")
        env = {
            **os.environ,
            "COURSE_PROFILE": args.profile,
            "COURSE_SEED": str(seed),
            "COURSE_THREADS": str(threads),
            "COURSE_DATA_DIR": data,
            "TF_CPP_MIN_LOG_LEVEL": "3",
        }
        env.pop("PYTEST_CURRENT_TEST", None)
        if args.deterministic:
            env["COURSE_DETERMINISTIC"] = "1"
        start = time.perf_counter()
        if target in LESSON_CHECKS:
            result = run_lesson(target, env, args.timeout)
        else:
            result = run_test(target, env, args.timeout)
    return {
        "target": target,
        "profile": args.profile,
        "seed": seed,
        "threads": threads,
        "deterministic": bool(args.deterministic),
        "seconds": round(time.perf_counter() - start, 1),
        **result,
    }


def parse_seeds(text: str) -> list[int]:
    """``"10"`` -> 0..9; ``"3-7"`` -> 3..7; ``"1,5,9"`` -> those."""
    if "," in text:
        return [int(s) for s in text.split(",")]
    if "-" in text:
        low, high = (int(s) for s in text.split("-"))
        return list(range(low, high + 1))
    return list(range(int(text)))


def table(runs: list[dict]) -> str:
    """The report: one row per check (and per target without checks), markdown."""
    rows = [
        "| target | check | threshold | runs | passed | pass rate | lowest | median | highest "
        "| margin | worst run | seconds per run |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    targets = sorted({r["target"] for r in runs})
    for target in targets:
        mine = [r for r in runs if r["target"] == target]
        passed = sum(r["error"] is None for r in mine)
        names = sorted({name for r in mine for name in r["values"]}) or ["(every assert)"]
        seconds = statistics.median(r["seconds"] for r in mine)
        for name in names:
            measured = [
                (r["values"][name][0], r)
                for r in mine
                if name in r["values"] and r["values"][name][0] is not None
            ]
            thresholds = {r["values"][name][1] for r in mine if name in r["values"]} - {None}
            threshold = min(thresholds) if thresholds else None
            if measured:
                values = sorted(v for v, _ in measured)
                worst_value, worst = min(measured, key=lambda pair: pair[0])
                low, mid, high = values[0], statistics.median(values), values[-1]
                margin = f"{low - threshold:+.3f}" if threshold is not None else "-"
                where = f"seed {worst['seed']}, {worst['threads']} thr"
                numbers = f"{low:.3f} | {mid:.3f} | {high:.3f} | {margin} | {where}"
            else:
                numbers = "- | - | - | - | -"
            failed = [r for r in mine if r["error"]]
            if failed and name == names[0]:
                where = f"seed {failed[0]['seed']}, {failed[0]['threads']} thr"
                numbers = numbers.rsplit("|", 1)[0] + f"| FAILED {where}: {failed[0]['error']}"
            shown = "-" if threshold is None else f"{threshold:g}"
            rows.append(
                f"| {target} | {name} | {shown} | {len(mine)} | {passed} | "
                f"{passed / len(mine):.0%} | {numbers} | {seconds:.0f} |"
            )
    return "\n".join(rows)


def header(runs: list[dict]) -> str:
    seeds = sorted({r["seed"] for r in runs})
    threads = sorted({r["threads"] for r in runs})
    profiles = sorted({r["profile"] for r in runs})
    import platform

    return (
        f"profile {', '.join(profiles)}; seeds {seeds[0]}-{seeds[-1]} ({len(seeds)}); "
        f"threads {threads}; {len(runs)} runs; on {os.cpu_count()} cores "
        f"({platform.machine()}, {platform.processor() or 'cpu'})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lessons", nargs="*", default=list(LESSON_CHECKS))
    parser.add_argument("--tests", nargs="*", default=list(TEST_CHECKS))
    parser.add_argument("--seeds", default="10", help="10 (= 0-9), 3-7 or 1,5,9")
    parser.add_argument("--threads", nargs="*", type=int, default=[1, 2])
    parser.add_argument("--profile", default="smoke", choices=["smoke", "cpu", "full"])
    parser.add_argument("--deterministic", action="store_true", help="COURSE_DETERMINISTIC=1")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="cores to fill")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell / test run")
    parser.add_argument("--runs", type=Path, default=OUT / "runs.jsonl")
    parser.add_argument("--report", action="store_true", help="only print the table of --runs")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = parser.parse_args(argv)

    if args.report:
        runs = [json.loads(line) for line in args.runs.read_text().splitlines() if line]
        lessons = set(args.lessons) | set(args.tests)
        runs = [r for r in runs if r["target"] in lessons and r["profile"] == args.profile]
    else:
        for lesson in args.lessons:
            if lesson not in LESSON_CHECKS:
                parser.error(f"unknown lesson {lesson!r} (known: {', '.join(LESSON_CHECKS)})")
        seeds = parse_seeds(args.seeds)
        targets = [*args.lessons, *args.tests]
        tasks = [(t, s, n) for n in sorted(args.threads) for t in targets for s in seeds]
        args.runs.parent.mkdir(parents=True, exist_ok=True)
        shared = OUT / f"standins-{args.profile}"
        shared.mkdir(parents=True, exist_ok=True)
        runs, lock = [], threading.Lock()
        free, cores = [max(1, args.jobs)], threading.Condition()
        print(
            f"{len(tasks)} runs: {', '.join(targets)} x seeds {args.seeds} x threads "
            f"{args.threads}",
            flush=True,
        )

        def work(task):
            target, seed, n = task
            slots = min(n, max(1, args.jobs))  # a run with n threads holds n cores
            with cores:
                cores.wait_for(lambda: free[0] >= slots)
                free[0] -= slots
            try:
                run = one_run(target, seed, n, args, shared)
            finally:
                with cores:
                    free[0] += slots
                    cores.notify_all()
            with lock:
                runs.append(run)
                with open(args.runs, "a") as f:
                    f.write(json.dumps(run) + "\n")
                status = "ok" if run["error"] is None else f"FAILED {run['error'][:120]}"
                values = ", ".join(f"{k} {v[0]}" for k, v in run["values"].items())
                print(
                    f"[{len(runs)}/{len(tasks)}] {target} seed {seed} {n} thr "
                    f"{run['seconds']:.0f}s: {status} {values}",
                    flush=True,
                )

        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            list(pool.map(work, tasks))

    report = f"{header(runs)}\n\n{table(runs)}\n" if runs else "no runs\n"
    print("\n" + report)
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(report)
    return 0 if runs and all(r["error"] is None for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
