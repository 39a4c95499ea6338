"""Downloads: offline fails fast, wrong files are recognised, no half-written files remain."""

from __future__ import annotations

import hashlib
import io
import tarfile
import time
import zipfile

import pytest

from course_utils.datasets import download
from course_utils.datasets.download import Remote
from course_utils.errors import DataError


def zip_bytes(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def served(tmp_path, data: bytes, name="archive.zip", **kw) -> Remote:
    """A Remote whose URL is a local file (urllib reads file:// like http)."""
    src = tmp_path / "server" / name
    src.parent.mkdir(exist_ok=True)
    src.write_bytes(data)
    return Remote(src.as_uri(), name, kw.pop("kind", "zip"), **kw)


@pytest.fixture
def online(monkeypatch):
    monkeypatch.setattr(download, "reachable", lambda *a, **k: True)


def test_offline_fails_within_seconds(tmp_path, monkeypatch):
    monkeypatch.setattr(download, "reachable", lambda *a, **k: False)
    start = time.monotonic()
    with pytest.raises(DataError, match=r"cannot reach .* by hand .* \$COURSE_DATA_DIR"):
        download.fetch(download.REMOTES["pets_images"], tmp_path / "pets")
    assert time.monotonic() - start < 5
    assert list((tmp_path / "pets").iterdir()) == []


def test_reachable_is_false_for_unresolvable_host():
    assert download.reachable("host.invalid", timeout=1.0) is False


def test_download_verifies_and_renames(tmp_path, online):
    data = zip_bytes({"a.txt": b"hello"})
    remote = served(tmp_path, data, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    path = download.fetch(remote, tmp_path / "out", progress=False)
    assert path.read_bytes() == data
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["archive.zip"]  # no .part left
    assert download.fetch(remote, tmp_path / "out", progress=False) == path  # reused


@pytest.mark.parametrize(
    ("data", "extra", "message"),
    [
        (b"<!DOCTYPE html><html><title>Google Drive - Quota exceeded</title>", {}, "web page"),
        (b"\x1f\x8bnot a zip at all", {}, "not a zip archive"),
        (zip_bytes({"a": b"1"}), {"size": 10}, "expected 10"),
        (zip_bytes({"a": b"1"}), {"sha256": "0" * 64}, "SHA-256"),
    ],
)
def test_wrong_downloads_are_rejected_and_removed(tmp_path, online, data, extra, message):
    remote = served(tmp_path, data, **extra)
    with pytest.raises(DataError, match=message):
        download.fetch(remote, tmp_path / "out", progress=False)
    assert list((tmp_path / "out").iterdir()) == []  # neither the file nor a .part


def test_http_error_is_not_retried_forever(tmp_path, online, monkeypatch):
    monkeypatch.setattr(download.time, "sleep", lambda s: None)
    remote = Remote((tmp_path / "missing.zip").as_uri(), "missing.zip", "zip")
    with pytest.raises(DataError, match="failed after 4 tries"):
        download.fetch(remote, tmp_path / "out", retries=3, progress=False)
    assert list((tmp_path / "out").iterdir()) == []


def test_extract_zip_and_tar_into_place(tmp_path):
    archive = tmp_path / "a.zip"
    archive.write_bytes(zip_bytes({"images/x.jpg": b"1", "../evil.txt": b"no"}))
    download.extract(archive, tmp_path / "dest")
    assert (tmp_path / "dest" / "images" / "x.jpg").read_bytes() == b"1"
    assert not (tmp_path / "evil.txt").exists()
    tar_path = tmp_path / "b.tar.gz"
    with tarfile.open(tar_path, "w:gz") as tar:
        info = tarfile.TarInfo("annotations/list.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"ok"))
    download.extract(tar_path, tmp_path / "dest")
    assert (tmp_path / "dest" / "annotations" / "list.txt").read_bytes() == b"ok"
    assert sorted(p.name for p in (tmp_path / "dest").iterdir()) == ["annotations", "images"]


def test_damaged_archive_leaves_destination_alone(tmp_path):
    good = tarfile.open(tmp_path / "ok.tar.gz", "w:gz")
    good.close()
    data = (tmp_path / "ok.tar.gz").read_bytes()
    damaged = tmp_path / "images.tar.gz"
    damaged.write_bytes(b"\x1f\x8b" + b"\x00" * 50)
    (tmp_path / "dest").mkdir()
    with pytest.raises(DataError, match="damaged or incomplete"):
        download.extract(damaged, tmp_path / "dest")
    assert list((tmp_path / "dest").iterdir()) == []
    assert data  # the good archive was readable


def test_known_checksums_are_well_formed():
    for remote in download.REMOTES.values():
        assert remote.url.startswith("https://")
        assert remote.sha256 is None or len(remote.sha256) == 64


def test_download_plan_counts_every_download_including_imagenet_weights():
    from course_utils.datasets.download import download_plan

    plan = download_plan()
    assert all(item.size > 0 and item.files and item.lessons for item in plan)
    files = {f for item in plan for f in item.files}
    # lesson 09 loads VGG16 with its top (the largest single file) and Xception; 04 VGG16
    assert "vgg16_weights_tf_dim_ordering_tf_kernels.h5" in files
    assert {"04", "05", "09"} <= {lesson for item in plan for lesson in item.lessons}
    data_only = sum(i.size for i in plan if not i.files[0].endswith((".h5", ".json")))
    assert sum(i.size for i in plan) - data_only > 700e6  # the weights are not a rounding error


def test_weight_files_match_the_installed_keras():
    """URLs and MD5 hashes of the ImageNet weights are Keras' own (keras/src/applications)."""
    import inspect

    from keras.src.applications import imagenet_utils, mobilenet_v2, vgg16, xception

    w = download.WEIGHT_REMOTES
    assert w["vgg16"].url == vgg16.WEIGHTS_PATH
    assert w["vgg16_notop"].url == vgg16.WEIGHTS_PATH_NO_TOP
    assert w["xception_notop"].url == xception.WEIGHTS_PATH_NO_TOP
    assert w["imagenet_class_index"].url == imagenet_utils.CLASS_INDEX_PATH
    assert w["mobilenet_v2_160_notop"].url.startswith(mobilenet_v2.BASE_WEIGHT_PATH)
    sources = inspect.getsource(vgg16) + inspect.getsource(xception)
    sources += inspect.getsource(imagenet_utils)
    for key in ("vgg16", "vgg16_notop", "xception_notop", "imagenet_class_index"):
        assert f'file_hash="{w[key].md5}"' in sources, key


def test_tfds_loads_use_the_tfds_folder_set_after_tfds_was_imported(data_home, monkeypatch):
    """tfds reads TFDS_DATA_DIR once, when imported; the course looks for tfds' cache where
    TFDS_DATA_DIR says now. Every tfds.load of the course passes that folder, so tfds prepares
    where the course looks (it wrote into ~/tensorflow_datasets when another test had imported
    tfds before the rehearsal test set a fresh folder)."""
    import tensorflow_datasets as tfds

    from course_utils.datasets import cats_vs_dogs, celeba, pets

    folder = data_home / "fresh-tfds"
    monkeypatch.setenv("TFDS_DATA_DIR", str(folder))
    asked = []

    def fake_load(name, **kwargs):
        asked.append((name, kwargs.get("data_dir")))
        raise RuntimeError("not prepared")  # every loader turns this into a DataError

    monkeypatch.setattr(tfds, "load", fake_load)
    with pytest.raises(DataError):
        cats_vs_dogs._tfds_load("train", download=False)
    with pytest.raises(DataError):
        celeba._from_tfds("train", download=False)
    with pytest.raises(DataError):
        pets._export_tfds(data_home / "pets-export", download=False)
    assert asked == [(n, str(folder)) for n in ("cats_vs_dogs", "celeb_a", "oxford_iiit_pet")]
