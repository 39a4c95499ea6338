import pytest

from course_utils import LESSONS, PROFILE_NAMES, Profile, ProfileError
from course_utils.profiles import resolve_profile_name


@pytest.mark.parametrize("value", PROFILE_NAMES)
def test_explicit_profile_is_used(value):
    assert resolve_profile_name(value, has_gpu=False) == (value, f"COURSE_PROFILE={value}")


def test_profile_value_is_normalised():
    assert resolve_profile_name(" Smoke ", has_gpu=True)[0] == "smoke"


def test_unknown_profile_says_what_to_use(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "fast")
    with pytest.raises(ProfileError) as err:
        resolve_profile_name()
    message = str(err.value)
    assert "'fast'" in message
    for name in PROFILE_NAMES:
        assert name in message


def test_unset_profile_follows_the_gpu(monkeypatch):
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    assert resolve_profile_name(has_gpu=True)[0] == "full"
    name, reason = resolve_profile_name(has_gpu=False)
    assert name == "cpu" and "no GPU" in reason


def test_profile_exposes_lesson_settings():
    p = Profile("smoke", "test", LESSONS["01"])
    assert p.epochs == LESSONS["01"].settings["smoke"]["epochs"]
    assert p.is_smoke and not p.uses_network
    assert not Profile("full", "", LESSONS["01"]).is_smoke


def test_unknown_setting_lists_the_known_ones():
    p = Profile("cpu", "test", LESSONS["01"])
    with pytest.raises(ProfileError, match="epochs"):
        p.epochz  # noqa: B018 - the attribute access is the test


def test_profile_source_needs_a_resolved_dataset():
    p = Profile("smoke", "", LESSONS["01"])
    with pytest.raises(ProfileError):
        p.source("mnist")


def test_lessons_with_settings_define_every_profile():
    for lesson in LESSONS.values():
        if lesson.settings:
            assert set(lesson.settings) == set(PROFILE_NAMES), lesson.number
            keys = [set(v) for v in lesson.settings.values()]
            assert all(k == keys[0] for k in keys), f"lesson {lesson.number}: keys differ"


def test_smoke_is_never_bigger_than_full():
    for lesson in LESSONS.values():
        if not lesson.settings:
            continue
        smoke, full = lesson.settings["smoke"], lesson.settings["full"]
        for key, value in smoke.items():
            if isinstance(value, bool) or "min_" in key:  # switches and thresholds
                continue
            if isinstance(value, int) and isinstance(full[key], int):
                assert value <= full[key], f"lesson {lesson.number}: {key}"


def test_unset_profile_asks_tensorflow_for_a_gpu(monkeypatch):
    """The path a learner on a GPU machine takes: no COURSE_PROFILE, `env.gpu_names` asks
    TensorFlow, which lists a GPU (faked here: this machine has none), so the profile is full,
    and the device line names the GPU."""
    import tensorflow as tf

    from course_utils import env

    gpu = tf.config.PhysicalDevice(name="/physical_device:GPU:0", device_type="GPU")
    listed = {"GPU": [gpu], "CPU": tf.config.list_physical_devices("CPU")}
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: listed[kind])
    monkeypatch.setattr(
        tf.config.experimental, "get_device_details", lambda d: {"device_name": "NVIDIA H100"}
    )
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    assert env.gpu_names() == ["NVIDIA H100"]
    assert resolve_profile_name() == ("full", "COURSE_PROFILE unset and a GPU is present")
    assert env.device_description() == "GPU: NVIDIA H100"
    monkeypatch.setitem(listed, "GPU", [])
    assert resolve_profile_name() == ("cpu", "COURSE_PROFILE unset and no GPU found")
