"""Errors the course raises on purpose, each with a message that says what to do.

``course_utils.setup()`` registers a short display for these in Jupyter, so a learner sees the
message (not a 40-line traceback) when, say, ``COURSE_PROFILE`` has a typo.
"""


class CourseError(Exception):
    """Base class: a problem the learner can fix; the message says how."""


class ProfileError(CourseError, ValueError):
    """An unknown ``COURSE_PROFILE`` value or an unknown setting name."""


class DataError(CourseError):
    """Data that is missing, unreachable, truncated or in the wrong format."""


class DataDirError(DataError):
    """``COURSE_DATA_DIR`` points at a folder that does not exist or cannot be written."""


class IntegrityError(DataError):
    """A file whose size or checksum is not the pinned one: damaged, tampered with, or another
    version. Unlike a network failure this does not go away by trying again later."""
