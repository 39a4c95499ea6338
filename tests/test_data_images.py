"""Image checking: every kind of bad file is named, nothing moves without --quarantine."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from course_utils.cli import main
from course_utils.datasets import images


def encode(mode: str, fmt: str, size=(40, 30)) -> bytes:
    rng = np.random.default_rng(0)
    array = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(array).convert(mode).save(buffer, fmt)
    return buffer.getvalue()


def make_folder(root):
    """One file per case, named like the real archives' bad files."""
    jpeg = encode("RGB", "JPEG")
    files = {
        "good/cat.0.jpg": jpeg,
        "good/cmyk.jpg": encode("CMYK", "JPEG"),
        "good/gray.jpg": encode("L", "JPEG"),
        "good/alpha.png": encode("RGBA", "PNG"),
        "bad/empty.jpg": b"",
        "bad/truncated.jpg": jpeg[: len(jpeg) // 2],
        "bad/png_named.jpg": encode("RGB", "PNG"),
        "bad/gif_named.jpg": encode("RGB", "GIF"),
        "bad/bmp_named.jpg": encode("RGB", "BMP"),
        "bad/text.jpg": b"this is not an image at all",
        "Thumbs.db": b"\x00" * 64,
    }
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


def test_each_problem_is_named(tmp_path):
    make_folder(tmp_path)
    report = images.check_images(tmp_path)
    by_name = {c.path: c for c in report.checks}
    assert by_name["bad/empty.jpg"].problem.startswith("empty")
    assert by_name["bad/truncated.jpg"].problem.startswith("truncated JPEG")
    assert by_name["bad/png_named.jpg"].problem == "PNG content under a .jpg name"
    assert by_name["bad/gif_named.jpg"].problem == "GIF content under a .jpg name"
    assert by_name["bad/bmp_named.jpg"].problem == "BMP content under a .jpg name"
    assert by_name["bad/text.jpg"].problem.startswith("not an image")
    assert report.ignored == ["Thumbs.db"]
    assert {c.path for c in report.bad} == {n for n in by_name if n.startswith("bad/")}


def test_colour_modes_are_noted_not_rejected(tmp_path):
    make_folder(tmp_path)
    by_name = {c.path: c for c in images.check_images(tmp_path).checks}
    assert by_name["good/cat.0.jpg"].notes == ()
    assert "CMYK" in by_name["good/cmyk.jpg"].notes
    assert "grayscale" in by_name["good/gray.jpg"].notes
    assert "alpha channel" in by_name["good/alpha.png"].notes
    assert all(by_name[n].usable for n in by_name if n.startswith("good/"))


def test_conversion_gives_rgb_jpeg():
    data = images.to_rgb_jpeg(encode("CMYK", "JPEG"))
    check = images.check_bytes(data, "x.jpg")
    assert check.format == "JPEG" and check.shape[-1] == 3 and check.notes == ()


def test_cli_reports_without_moving(tmp_path, capsys):
    files = make_folder(tmp_path)
    assert main(["check-images", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "BAD   bad/empty.jpg: empty file" in out and "NOTE  good/cmyk.jpg" in out
    for name, data in files.items():  # originals untouched
        assert (tmp_path / name).read_bytes() == data


def test_cli_quarantine_moves_only_bad_files(tmp_path):
    files = make_folder(tmp_path / "data")
    assert main(["check-images", str(tmp_path / "data"), "--quarantine", str(tmp_path / "q")]) == 1
    for name, data in files.items():
        bad = name.startswith("bad/")
        assert (tmp_path / "data" / name).exists() != bad
        if bad:
            assert (tmp_path / "q" / name).read_bytes() == data
    assert main(["check-images", str(tmp_path / "data")]) == 0


def test_missing_folder_is_a_course_error(tmp_path, capsys):
    assert main(["check-images", str(tmp_path / "nope")]) == 2
    assert "is not a folder" in capsys.readouterr().err


@pytest.mark.parametrize("cut", [10, 100])
def test_truncated_png(cut):
    data = encode("RGB", "PNG", size=(64, 64))
    check = images.check_bytes(data[:-cut], "x.png")
    assert not check.usable and "PNG" in check.problem


def test_a_jpeg_that_libjpeg_warns_about_is_noted_and_re_encoded_clean():
    """Microsoft's archive has JPEGs that decode but make libjpeg print "Corrupt JPEG data"
    at every read (tensorflow/datasets#2188): loaders re-encode them, and the copy is clean."""
    import numpy as np

    from course_utils import rehearsal

    picture = (np.random.default_rng(0).random((40, 40, 3)) * 255).astype("uint8")
    check = images.check_bytes(rehearsal.warning_jpeg(picture), "Cat/17.jpg")
    assert check.usable and images.needs_conversion(check)
    assert any("Corrupt JPEG data" in note for note in check.notes)
    clean = images.check_bytes(images.to_rgb_jpeg(rehearsal.warning_jpeg(picture)), "a.jpg")
    assert clean.usable and clean.notes == () and not images.needs_conversion(clean)
