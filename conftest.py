"""pytest configuration shared by unit tests and notebook runs."""

import os

# Lessons run in the smoke profile under test unless the caller chose another.
os.environ.setdefault("COURSE_PROFILE", "smoke")
# Keep the kernels' TensorFlow C++ logs quiet too (they inherit this environment).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
