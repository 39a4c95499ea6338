"""Colours everyone can tell apart (issue 24 §2), measured: the course's palettes seen through a
simulation of the three common colour-vision deficiencies at full severity.

Simulation: Machado, Oliveira & Fernandes (2009), "A Physiologically-based Model for Simulation
of Color Vision Deficiency", IEEE TVCG 15(6), severity 1.0 matrices, applied to linear sRGB (as
colorspacious does). Difference: CIE 1976 ΔE*ab, where about 2.3 is just noticeable. The
thresholds sit far above that and far above what red against green gives (about 10 with
protanopia), which the last test shows the measure catches."""

import itertools

import numpy as np
import pytest

from course_utils import plots

#: Machado et al. (2009), severity 1.0 (rows: output R, G, B; linear RGB).
DEFICIENCIES = {
    "protanopia": [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ],
    "deuteranopia": [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ],
    "tritanopia": [
        [1.255528, -0.076749, -0.178779],
        [-0.078411, 0.930809, 0.147602],
        [0.004733, 0.691367, 0.303900],
    ],
}
VISIONS = {"typical": np.eye(3).tolist(), **DEFICIENCIES}


def _linear(colour) -> np.ndarray:
    from matplotlib.colors import to_rgb

    c = np.asarray(to_rgb(colour))
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(linear: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of a linear-sRGB colour."""
    xyz = (
        np.clip(linear, 0, 1)
        @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]).T
    )
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > 216 / 24389, np.cbrt(t), (24389 / 27 * t + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def closest_pair(colours, vision: str) -> float:
    """The smallest ΔE*ab between two of ``colours`` as seen with ``vision``."""
    matrix = np.array(VISIONS[vision])
    seen = [_lab(matrix @ _linear(c)) for c in colours]
    return min(float(np.linalg.norm(a - b)) for a, b in itertools.combinations(seen, 2))


@pytest.mark.parametrize("vision", list(VISIONS))
def test_the_class_colours_stay_apart(vision):
    # Measured: all eight at least 16.1 apart (tritanopia: bluish green vs sky blue); the two
    # colours of a two-run comparison at least 91.9 apart (protanopia).
    assert closest_pair(plots.CLASS_COLORS, vision) > 15
    assert closest_pair(plots.CLASS_COLORS[:2], vision) > 80


@pytest.mark.parametrize("vision", list(VISIONS))
def test_right_and_wrong_stay_apart(vision):
    assert closest_pair([plots.RIGHT_COLOR, plots.WRONG_COLOR], vision) > 80
    assert plots.RIGHT_MARK != plots.WRONG_MARK  # and the marks say it without colour


def test_the_heatmap_map_gets_lighter_from_end_to_end():
    """A perceptually uniform map: lightness rises monotonically, so a heatmap reads the same
    in grey and with any of the deficiencies (which keep lightness). jet does not."""
    import matplotlib

    def lightness(name):
        cmap = matplotlib.colormaps[name]
        return [_lab(_linear(cmap(x)[:3]))[0] for x in np.linspace(0, 1, 64)]

    assert np.all(np.diff(lightness(plots.HEATMAP_CMAP)) > 0)
    assert not np.all(np.diff(lightness("jet")) > 0)


def test_the_measure_catches_red_against_green():
    assert closest_pair(["red", "green"], "typical") > 100
    assert closest_pair(["red", "green"], "protanopia") < 15
