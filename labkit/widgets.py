"""Front door: quizzes, the pricing explorer and the task-size picker; the code lives in `labkit.course.widgets`."""

from labkit.course.widgets import *  # noqa: F403
from labkit.course.widgets import __all__  # noqa: F401
