"""Training that survives a crash: BackupAndRestore in a process killed mid-epoch."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from course_utils import training

#: A small training in its own process: 6 epochs of 16 batches, deterministic ops, 1 thread,
#: no shuffling and no dropout (so that, once weights, optimizer state and epoch are restored,
#: nothing else differs). It logs "epoch batch" lines and sleeps a little per batch, so the test
#: can kill it in the middle of an epoch. Given a fourth argument, it then trains the same model
#: again in the same process, never interrupted, and saves those weights there: the reference.
#: A ModelCheckpoint(save_best_only=True) keeps the best epoch in `<out>.keras`, started from
#: training.best_so_far; its validation labels are the training labels flipped, so the
#: validation loss is lowest early and rises as the model learns: the resumed epochs are all
#: worse than the best one before the kill, and must not overwrite it. Each epoch's validation
#: loss goes to `<log>.val`, the reloaded checkpoint's to `<out>.json`.
WORKER = r"""
import json, os, sys, time
import numpy as np
import course_utils
course_utils.env.configure_tensorflow(1, deterministic=True)
import keras

from course_utils import training

backup, log, out = sys.argv[1:4]
reference_out = sys.argv[4] if len(sys.argv) > 4 else None
rng = np.random.default_rng(0)
x = rng.random((256, 12, 12, 1), dtype=np.float32)
y = (x[:, 3:9, 3:9, 0].mean(axis=(1, 2)) > 0.5).astype("float32")
validation = (x[:64], 1 - y[:64])  # flipped labels: the better the fit, the worse this loss
checkpoint = out.removesuffix(".npy") + ".keras"


class Progress(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        with open(log, "a") as f:
            f.write(f"{os.getpid()} {self.epoch} {batch}\n")
        time.sleep(0.03)

    def on_epoch_end(self, epoch, logs=None):
        with open(log + ".val", "a") as f:
            f.write(f"{os.getpid()} {epoch} {logs['val_loss']!r}\n")


def train(callbacks):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((12, 12, 1)),
        keras.layers.Conv2D(8, 3, activation="relu"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(keras.optimizers.Adam(1e-2), "binary_crossentropy")
    model.fit(x, y, batch_size=16, epochs=6, shuffle=False, verbose=0, callbacks=callbacks,
              validation_data=validation)
    return np.concatenate([w.ravel() for w in model.get_weights()])


threshold = training.best_so_far(checkpoint, backup, validation)
best = keras.callbacks.ModelCheckpoint(
    checkpoint, save_best_only=True, initial_value_threshold=threshold
)
np.save(out, train([best, keras.callbacks.BackupAndRestore(backup), Progress()]))
kept = keras.models.load_model(checkpoint).evaluate(*validation, verbose=0)
with open(out.removesuffix(".npy") + ".json", "w") as f:
    json.dump({"threshold": threshold, "checkpoint_val_loss": kept}, f)
if reference_out:  # the same training, never interrupted, in this same process
    np.save(reference_out, train([]))
"""


def _start(
    tmp_path: Path, name: str, backup: Path, *reference_out: Path
) -> tuple[subprocess.Popen, Path, Path]:
    log, out = tmp_path / f"{name}.log", tmp_path / f"{name}.npy"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(backup), str(log), str(out), *map(str, reference_out)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    return proc, log, out


def _lines(log: Path) -> list[tuple[int, int, int]]:
    if not log.is_file():
        return []
    return [tuple(int(v) for v in line.split()) for line in log.read_text().splitlines() if line]


def test_training_killed_mid_epoch_resumes_from_the_last_finished_epoch(tmp_path):
    backup = tmp_path / "backup"
    killed, log, out = _start(tmp_path, "resumed", backup)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait for the middle of the third epoch (index 2)
        if any(epoch == 2 and batch >= 5 for _, epoch, batch in _lines(log)):
            break
        assert killed.poll() is None, killed.stderr.read().decode()[-2000:]
        time.sleep(0.05)
    else:
        pytest.fail("the training never reached the third epoch")
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    assert training.resumes_from(backup) == 2  # two epochs finished before the kill
    assert "RESUMES after them" in training.describe_backup(backup)

    # The resumed process then trains the same model again, never interrupted: the reference.
    # (One process fewer than a separate reference run: each TensorFlow start costs ~6 s of CPU.)
    reference_out = tmp_path / "reference.npy"
    resumed, log, out = _start(tmp_path, "resumed", backup, reference_out)
    assert resumed.wait(timeout=180) == 0, resumed.stderr.read().decode()[-2000:]

    runs = {}
    for pid, epoch, _ in _lines(log):
        runs.setdefault(pid, []).append(epoch)
    first, second = runs.values()
    assert max(first) == 2 and first.count(2) < 16  # killed in the middle of epoch 3
    assert sorted(set(second)) == [2, 3, 4, 5]  # epoch 3 again from its start, then to 6
    assert second.count(2) == 16
    assert not backup.exists()  # a finished training deletes its backup: the next run is fresh
    # Same weights as the training that was never interrupted (deterministic ops, 1 thread).
    np.testing.assert_array_equal(np.load(out), np.load(reference_out))

    # The checkpoint: the best epoch came before the kill (the validation labels are flipped, so
    # the loss rises as the model learns), and the resumed run, which started from
    # best_so_far, did not overwrite it with its first (worse) epoch.
    val = {}
    for line in (tmp_path / "resumed.log.val").read_text().splitlines():
        pid, epoch, loss = line.split()
        val.setdefault(int(pid), {})[int(epoch)] = float(loss)
    before, after = val.values()
    assert sorted(before) == [0, 1] and sorted(after) == [2, 3, 4, 5]
    assert min(after.values()) > min(before.values()), "the test needs a worse resumed epoch"
    result = json.loads(out.with_suffix(".json").read_text())
    assert np.isclose(result["checkpoint_val_loss"], min(before.values()), rtol=1e-4), (
        "the resumed run overwrote the best checkpoint with a worse epoch"
    )
    # the value it started from: the interrupted run's best, measured on the file
    assert np.isclose(result["threshold"], min(before.values()), rtol=1e-4)


def test_best_so_far_is_none_for_a_fresh_training(tmp_path):
    checkpoint = tmp_path / "best.keras"
    checkpoint.write_text("not read: no backup means a fresh training")
    assert training.best_so_far(checkpoint, tmp_path / "no-backup", validation_data=None) is None
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "training_metadata.json").write_text('{"epoch": 2, "batch": 0}')
    missing = tmp_path / "never-saved.keras"  # interrupted before the first save
    assert training.best_so_far(missing, tmp_path / "backup", validation_data=None) is None


def test_backup_folders_per_training_and_profile(data_home, monkeypatch):
    monkeypatch.setattr(training, "COLAB_DRIVE", data_home / "no-drive-here")
    folder = training.backup_dir("02_classic", "cpu")
    assert folder == data_home / "backups" / "02_classic-cpu"
    assert training.backup_dir("02_classic", "full") != folder
    assert training.resumes_from(folder) is None and "no backup" in training.describe_backup(folder)
    smoke_a, smoke_b = training.backup_dir("x", "smoke"), training.backup_dir("x", "smoke")
    assert smoke_a != smoke_b and not any(smoke_a.iterdir())  # smoke never resumes an old run
    drive = data_home / "drive"
    drive.mkdir()
    monkeypatch.setattr(training, "COLAB_DRIVE", drive)
    assert training.backup_dir("02_classic", "cpu") == drive / "cnn-course" / "backups" / (
        "02_classic-cpu"
    )
    with pytest.raises(ValueError, match="letters"):
        training.backup_dir("../escape", "cpu")
    (folder / "training_metadata.json").parent.mkdir(parents=True, exist_ok=True)
    (folder / "training_metadata.json").write_text(json.dumps({"epoch": 3, "batch": 0}))
    assert training.resumes_from(folder) == 3
    training.forget_backup(folder)
    assert not folder.exists()
