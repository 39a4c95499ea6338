from pathlib import Path

import numpy as np
import pytest

from course_utils import DataError
from course_utils.datasets import idx, mnist, standins


@pytest.fixture
def no_local_mnist(data_home, tmp_path, monkeypatch):
    """Hide every real copy: Keras cache, repo data/, /usr/share/datasets; no network."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.setattr(mnist, "REPO_DATA", tmp_path / "repo-data")
    monkeypatch.setattr(mnist, "SYSTEM_DATASETS", tmp_path / "system")
    monkeypatch.setattr(mnist, "reachable", lambda *a, **k: False)
    return tmp_path


def _fake_idx_folder(folder, n_train=30, n_test=10, value=7):
    for key, name in idx.FILES.items():
        n = n_train if key.startswith("train") else n_test
        if "images" in key:
            idx.write_idx(folder / name, np.full((n, 28, 28), value, np.uint8))
        else:
            idx.write_idx(folder / name, (np.arange(n) % 10).astype(np.uint8))
    return folder


def test_nothing_found_gives_a_labeled_standin(no_local_mnist):
    source = mnist.resolve("smoke")
    assert source.is_standin and "stand-in" in source.label and source.note == ""
    loud = mnist.resolve("cpu")
    assert loud.is_standin and "NOT MNIST" in loud.note


def test_local_mnist_files_win_over_fashion(no_local_mnist, data_home):
    _fake_idx_folder(no_local_mnist / "system" / "fashion-mnist")
    assert mnist.resolve("smoke").name == "Fashion-MNIST"
    _fake_idx_folder(data_home / "mnist")
    source = mnist.resolve("smoke")
    assert (source.name, source.kind, source.how) == ("MNIST", "real", "local IDX files")


def test_fashion_mnist_is_labeled_with_its_classes(no_local_mnist):
    _fake_idx_folder(no_local_mnist / "system" / "fashion-mnist")
    data = mnist.load(mnist.resolve("full"), train_samples=20)
    assert data.class_names[0] == "T-shirt/top" and data.x_train.shape == (20, 28, 28)
    assert data.source.name == "Fashion-MNIST" and "clothing" in data.source.note


def test_network_only_outside_smoke(no_local_mnist, monkeypatch):
    monkeypatch.setattr(mnist, "reachable", lambda *a, **k: True)
    assert mnist.resolve("cpu").how == "keras download"
    assert mnist.resolve("smoke").is_standin, "smoke must never plan a download"


def test_keras_cache_is_preferred(no_local_mnist):
    cache = mnist.keras_cache_file()
    cache.parent.mkdir(parents=True)
    z = np.zeros((4, 28, 28), np.uint8)
    np.savez(cache, x_train=z, y_train=np.arange(4), x_test=z[:2], y_test=np.arange(2))
    source = mnist.resolve("smoke")
    assert source.how == "keras cache"
    assert mnist.load(source).x_test.shape == (2, 28, 28)


def test_asking_for_more_samples_than_exist(no_local_mnist, data_home):
    _fake_idx_folder(data_home / "mnist", n_train=30)
    with pytest.raises(DataError, match="only 30"):
        mnist.load(mnist.resolve("smoke"), train_samples=31)


def test_truncated_local_files_are_a_clear_error(no_local_mnist, data_home):
    folder = _fake_idx_folder(data_home / "mnist")
    path = folder / idx.FILES["test_images"]
    path.write_bytes(path.read_bytes()[:30])
    with pytest.raises(DataError, match="test_images|t10k-images"):
        mnist.load(mnist.resolve("smoke"))


def test_standin_digits_are_deterministic_and_balanced(data_home):
    a = standins.render_digits(np.arange(20) % 10, seed=3)
    b = standins.render_digits(np.arange(20) % 10, seed=3)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, standins.render_digits(np.arange(20) % 10, seed=4))
    folder = standins.digits_folder(200, 50)
    (x, y), (xt, yt) = idx.load_idx_folder(folder)
    assert x.shape == (200, 28, 28) and xt.shape == (50, 28, 28)
    assert np.bincount(y, minlength=10).tolist() == [20] * 10
    # Every image has ink, centred like MNIST: centre of mass within 3 px of the middle.
    assert (x.reshape(200, -1).max(axis=1) > 200).all()
    rows = (x.astype(float).sum(axis=2) * np.arange(28)).sum(axis=1) / x.sum(axis=(1, 2))
    assert np.abs(rows - 13.5).max() < 3


def test_standin_digits_are_learnable(data_home):
    """A linear classifier on raw pixels reaches >= 0.6 (chance 0.1): the classes are visible."""
    import keras

    keras.utils.set_random_seed(0)
    (x, y), (xt, yt) = idx.load_idx_folder(standins.digits_folder(2000, 500, seed=1))
    model = keras.Sequential(
        [
            keras.Input((28, 28)),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x / 255.0, y, epochs=5, batch_size=64, verbose=0)
    accuracy = model.evaluate(xt / 255.0, yt, verbose=0)[1]
    print(f"linear model on the digits stand-in: {accuracy:.3f}")
    assert accuracy >= 0.6


@pytest.mark.parametrize("profile", ["smoke", "cpu", "full"])
def test_standin_is_as_large_as_lesson_01_asks(profile):
    """The stand-in of a profile holds the samples lesson 01 takes in that profile (None: all),
    and no more than it needs in smoke, where generating takes part of the lesson's time."""
    from course_utils.profiles import LESSONS

    settings = LESSONS["01"].settings[profile]
    n_train, n_test = mnist.STANDIN_SIZES[profile]
    for asked, have in ((settings["train_samples"], n_train), (settings["test_samples"], n_test)):
        assert asked is None or asked <= have
    if profile == "smoke":
        assert (settings["train_samples"], settings["test_samples"]) == (n_train, n_test)


def test_download_goes_through_fetch_and_the_mirror(no_local_mnist, monkeypatch):
    """The MNIST download is the course's verified ``fetch`` of Keras' file into Keras' cache
    (so ``keras.datasets.mnist.load_data()`` finds it too), from ``COURSE_MIRROR`` when set."""
    monkeypatch.setenv("COURSE_MIRROR", "http://127.0.0.1:8765")
    seen = []
    monkeypatch.setattr(mnist, "reachable", lambda host, port: seen.append((host, port)) or True)
    source = mnist.resolve("cpu")
    assert seen == [("127.0.0.1", 8765)]
    assert source.how == "keras download" and source.location == "http://127.0.0.1:8765/mnist.npz"

    def fake_fetch(remote, folder):
        assert remote is mnist.REMOTES["mnist"] and Path(folder) == mnist.keras_cache_file().parent
        Path(folder).mkdir(parents=True)
        z = np.zeros((3, 28, 28), np.uint8)
        np.savez(
            mnist.keras_cache_file(), x_train=z, y_train=np.arange(3), x_test=z, y_test=np.arange(3)
        )
        return mnist.keras_cache_file()

    monkeypatch.setattr(mnist, "fetch", fake_fetch)
    data = mnist.load(source)
    assert data.x_train.shape == (3, 28, 28) and data.source.name == "MNIST"
