"""``python -m course_utils`` (or ``course-utils``): see and get the course's data.

* ``data`` - what is present where (real copies, tfds caches, stand-ins), sizes, and which
  source each profile would use. Offline and quick: it never imports TensorFlow.
* ``fetch NAME`` / ``fetch --all`` - download (with progress bars), verify, unpack.
* ``check-images DIR [--quarantine DIR2]`` - decode every image; exit 0 when all are usable.
* ``mirror serve [--dir DIR] [--host HOST] [--port PORT]`` - serve the fetched downloads to a
  classroom (learners set ``COURSE_MIRROR=http://HOST:PORT``); see :mod:`course_utils.mirror`.

Errors the learner can fix (:class:`~course_utils.errors.CourseError`) print their message
and exit with status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from .errors import CourseError, DataError
from .paths import data_dir, data_dir_origin

FETCHABLE = (
    "mnist",
    "cats_vs_dogs",
    "cats_and_dogs_filtered",
    "cats_vs_dogs_tfds",
    "pets",
    "celeba",
    "weights",
)
#: ``fetch --all`` skips the filtered zip: the full cats-vs-dogs archive covers it.
FETCH_ALL = ("mnist", "cats_vs_dogs", "cats_vs_dogs_tfds", "pets", "celeba", "weights")


def weight_keys() -> list[str]:
    """The ImageNet weight files the lessons load (MobileNetV2: the sizes lesson 05 uses)."""
    from .datasets.download import WEIGHT_LESSONS, WEIGHT_REMOTES
    from .profiles import LESSONS

    keys = [k for k in WEIGHT_LESSONS if not k.startswith("mobilenet_v2")]
    sizes = sorted({int(s["image_size"]) for s in LESSONS["05"].settings.values()})
    keys += [
        f"mobilenet_v2_{n}_notop" for n in sizes if f"mobilenet_v2_{n}_notop" in WEIGHT_REMOTES
    ]
    return keys


def _human(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def _describe_path(path: Path) -> str:
    from .datasets.download import folder_size

    size, files = folder_size(path)
    what = f"{files:,} files, " if path.is_dir() else ""
    return f"{path} ({what}{_human(size)})"


def _real_copies() -> dict[str, list[str]]:
    """Real data found on this machine per data set, without network or TensorFlow."""
    from .datasets import cats_vs_dogs, celeba, mnist, pets
    from .datasets.download import tfds_prepared

    found: dict[str, list[Path]] = {k: [] for k in ("mnist", "cats_vs_dogs", "pets", "celeba")}
    if mnist.keras_cache_file().is_file():
        found["mnist"].append(mnist.keras_cache_file())
    for name in ("mnist", "fashion-mnist"):
        folder = mnist._local_idx(name)
        if folder:
            found["mnist"].append(folder)
    subset = data_dir() / cats_vs_dogs.SUBSET_NAME
    if cats_vs_dogs._complete_subset(subset):
        found["cats_vs_dogs"].append(subset)
    found["cats_vs_dogs"] += cats_vs_dogs.local_copies()
    for key, module, tfds_name in (
        ("pets", pets, "oxford_iiit_pet"),
        ("celeba", celeba, "celeb_a"),
        ("cats_vs_dogs", None, "cats_vs_dogs"),
    ):
        if module is not None and module.local_copy():
            found[key].append(module.local_copy())
        prepared = tfds_prepared(tfds_name)
        if prepared:
            found[key].append(prepared)
    return {k: [_describe_path(p) for p in v] for k, v in found.items()}


def _standin_caches() -> list[str]:
    folder = data_dir() / "standins"
    if not folder.is_dir():
        return []
    return [_describe_path(p) for p in sorted(folder.iterdir()) if not p.name.startswith(".")]


def cmd_data(args: argparse.Namespace) -> int:
    """Print what data is where; never downloads, never imports TensorFlow."""
    from .datasets import RESOLVERS
    from .profiles import PROFILE_NAMES

    print(f"data folder: {data_dir()} ({data_dir_origin()})")
    profile = os.environ.get("COURSE_PROFILE", "").strip() or "unset (cpu, or full with a GPU)"
    print(f"COURSE_PROFILE: {profile}")
    print("\nreal data found here:")
    for name, places in _real_copies().items():
        print(f"  {name}: " + ("; ".join(places) if places else "none"))
    print("\ngenerated stand-ins cached:")
    for line in _standin_caches() or ["none yet (generated on first use)"]:
        print(f"  {line}")
    print("\nsource per profile (smoke never uses the network; cpu/full fall back to the")
    print("stand-in only when no real copy is here and the download host does not answer):")
    for name, resolver in RESOLVERS.items():
        smoke = resolver("smoke")
        print(f"  {name}: smoke -> {smoke.describe()}")
    print(
        f"\nprofiles: {', '.join(PROFILE_NAMES)}. Get real data: python -m course_utils fetch --all"
    )
    return 0


def _fetch_one(name: str) -> str:
    """Download, verify and unpack one data set; returns where it is."""
    from .datasets import cats_vs_dogs, celeba, mnist, pets
    from .datasets.download import REMOTES, extract, fetch
    from .datasets.source import REAL, DataSource

    if name == "mnist":
        return str(fetch(REMOTES["mnist"], mnist.keras_cache_file().parent))
    if name == "cats_vs_dogs":
        archive = fetch(REMOTES["microsoft_cats_dogs"], data_dir() / "cats_vs_dogs")
        source = DataSource("cats_vs_dogs", REAL, "cats vs dogs", str(archive), "local archive")
        return str(cats_vs_dogs.small_subset(source))
    if name == "cats_and_dogs_filtered":
        return str(fetch(REMOTES["cats_and_dogs_filtered"], data_dir() / "cats_vs_dogs"))
    if name == "pets":
        folder = data_dir() / pets.FOLDER
        for key in ("pets_images", "pets_annotations"):
            extract(fetch(REMOTES[key], folder), folder)
        return str(folder)
    if name == "celeba":
        return str(celeba.fetch_files(data_dir() / celeba.FOLDER))
    if name == "weights":
        from .datasets.download import REHEARSAL_WEIGHTS, fetch_weights, rehearsal

        paths = [fetch_weights(key) for key in weight_keys()]
        where = f"{REHEARSAL_WEIGHTS}: a rehearsal's folder" if rehearsal() else "Keras' cache"
        return f"{paths[0].parent} ({len(paths)} files, {where})"
    if name == "cats_vs_dogs_tfds":
        return str(cats_vs_dogs.prepare_tfds())
    raise DataError(f"unknown data set {name!r}; choose from {', '.join(FETCHABLE)}")


def cmd_fetch(args: argparse.Namespace) -> int:
    names = FETCH_ALL if args.all else [args.name]
    if not args.all and not args.name:
        raise DataError(f"say what to fetch: one of {', '.join(FETCHABLE)}, or --all")
    failed = []
    for name in names:
        try:
            print(f"{name}: ready in {_fetch_one(name)}")
        except CourseError as e:
            if not args.all:
                raise
            print(f"{name}: FAILED: {e}", file=sys.stderr)
            failed.append(name)
    if failed:
        raise DataError(f"could not fetch {', '.join(failed)} (see the messages above)")
    return 0


def cmd_check_images(args: argparse.Namespace) -> int:
    from .datasets import images

    report = images.check_images(args.folder, progress=sys.stderr.isatty())
    for check in report.bad:
        print(f"BAD   {check.describe()}")
    for check in report.noted:
        print(f"NOTE  {check.describe()} - loaders convert it to RGB")
    print(report.summary())
    if report.bad and args.quarantine:
        moved = images.quarantine(report, args.quarantine)
        print(f"moved {len(moved)} unusable files to {args.quarantine}")
    elif report.bad:
        print("nothing was moved; add --quarantine DIR to move the unusable files there")
    return 0 if report.all_usable else 1


def cmd_mirror(args: argparse.Namespace) -> int:
    """Serve the fetched downloads over HTTP until Ctrl+C."""
    from . import mirror
    from .datasets.download import weights_cache

    root = args.dir or data_dir()
    if not Path(root).is_dir():
        raise DataError(f"{root} is not a folder; fetch the data first (fetch --all).")
    extra = () if args.dir else (weights_cache(),)
    entries = mirror.build_manifest(Path(root), extra_roots=extra)
    if not entries:
        raise DataError(
            f"{root} holds none of the course's downloads. On a machine with internet run "
            f"`python -m course_utils fetch --all` first (it also fills Keras' cache)."
        )
    server = mirror.start(Path(root), args.host, args.port, entries=entries)
    try:  # Ctrl+C at any moment from here on stops the mirror quietly
        total = sum(e.size for e in entries.values())
        print(f"serving {len(entries)} files ({_human(total)}) from {root} at {server.url}")
        for entry in entries.values():
            print(f"  {entry.name:70s} {_human(entry.size):>9s}  sha256 {entry.sha256[:12]}...")
        host = args.host if args.host not in ("0.0.0.0", "") else "<this machine's address>"
        print(
            f"learners: export COURSE_MIRROR=http://{host}:{server.server_address[1]}  "
            f"(then make lab); manifest: {server.url}/{mirror.MANIFEST}. Ctrl+C stops.",
            flush=True,
        )
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("stopped")
    finally:
        server.shutdown()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils", description="Data helpers of the convnet course."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    data = sub.add_parser("data", help="what data is present where, real or stand-in")
    data.set_defaults(func=cmd_data)
    fetch = sub.add_parser("fetch", help="download, verify and unpack a data set")
    fetch.add_argument("name", nargs="?", choices=FETCHABLE)
    fetch.add_argument("--all", action="store_true", help=f"fetch {', '.join(FETCH_ALL)}")
    fetch.set_defaults(func=cmd_fetch)
    check = sub.add_parser("check-images", help="decode every image in a folder, report bad ones")
    check.add_argument("folder", type=Path)
    check.add_argument("--quarantine", type=Path, help="move unusable files into this folder")
    check.set_defaults(func=cmd_check_images)
    mirror = sub.add_parser("mirror", help="serve the fetched downloads to a classroom")
    mirror_sub = mirror.add_subparsers(dest="action", required=True)
    serve = mirror_sub.add_parser("serve", help="serve over HTTP (GET/HEAD only) until Ctrl+C")
    serve.add_argument("--dir", type=Path, help="folder to serve (default: the data folder)")
    serve.add_argument("--host", default="127.0.0.1", help="0.0.0.0: every network interface")
    serve.add_argument("--port", type=int, default=8765)
    serve.set_defaults(func=cmd_mirror)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for a CourseError)."""
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except CourseError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
