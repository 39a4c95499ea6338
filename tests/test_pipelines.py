import numpy as np
import pytest

from course_utils import DataError
from course_utils.pipelines import count_images, image_folder_splits


def _folder(root, per_class=3, size=(40, 30)):
    from PIL import Image

    rng = np.random.default_rng(0)
    for split in ("train", "validation", "test"):
        for c, cls in enumerate(("cats", "dogs")):
            d = root / split / cls
            d.mkdir(parents=True)
            for i in range(per_class):
                pixels = np.full((*size, 3), 200 * c, np.uint8) + rng.integers(
                    0, 20, (*size, 3), dtype=np.uint8
                )
                Image.fromarray(pixels).save(d / f"{cls[:-1]}.{i}.jpg")
    return root


def test_splits_batches_labels_and_counts(tmp_path):
    splits = image_folder_splits(_folder(tmp_path), image_size=(24, 24), batch_size=4)
    assert splits.class_names == ["cats", "dogs"]
    assert splits.counts == {s: {"cats": 3, "dogs": 3} for s in ("test", "train", "validation")}
    images, labels = next(iter(splits.test))
    assert images.shape == (4, 24, 24, 3) and labels.shape == (4, 1)
    # Unshuffled test split: cats (dark, label 0) come first.
    assert labels.numpy()[:3, 0].tolist() == [0, 0, 0]
    assert float(images[0].numpy().mean()) < 50 <= float(images[3].numpy().mean())
    total = sum(int(b[1].shape[0]) for b in splits.train)
    assert total == 6


def test_training_order_changes_every_epoch_but_not_the_images(tmp_path):
    root = _folder(tmp_path, per_class=20)
    splits = image_folder_splits(root, image_size=(8, 8), batch_size=5)

    def epoch(ds):
        images = np.concatenate([x.numpy() for x, _ in ds])
        return images.reshape(len(images), -1).sum(axis=1)

    first, second = epoch(splits.train), epoch(splits.train)
    assert not np.array_equal(first, second), "cached batches replay one order every epoch"
    np.testing.assert_allclose(np.sort(first), np.sort(second))
    # Evaluation splits keep file order, epoch after epoch.
    np.testing.assert_array_equal(epoch(splits.test), epoch(splits.test))


def test_missing_split_is_a_clear_error(tmp_path):
    (tmp_path / "train" / "cats").mkdir(parents=True)
    with pytest.raises(DataError, match="validation, test"):
        image_folder_splits(tmp_path)


def test_count_images(tmp_path):
    assert count_images(_folder(tmp_path, per_class=2))["train"] == {"cats": 2, "dogs": 2}
