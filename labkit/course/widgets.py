"""The course's widgets for a notebook: `quiz(id)`, `pricing_explorer()` and `task_size_picker()`.

ipywidgets takes about 0.15 s to import, so the widget classes (`labkit.course.widget_views`) load when a lesson
first shows a widget, not when it imports labkit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labkit.course.exercises import quiz_spec
from labkit.errors import InvalidInput

if TYPE_CHECKING:
    from labkit.course.widget_views import PricingExplorer, QuizWidget, TaskSizePicker

__all__ = ["pricing_explorer", "quiz", "task_size_picker"]


def quiz(exercise_id: str, answer: Any = None) -> QuizWidget:
    """Show the quiz `exercise_id`; with `answer` it is answered at once (how graded quizzes are kept)."""
    from labkit.course.widget_views import QuizWidget

    spec = quiz_spec(exercise_id)
    if spec is None:
        raise InvalidInput(f"{exercise_id!r} is not a quiz; quizzes are registered with "
                           "labkit.course.exercises.register_quiz (see labkit.course.exercises.all_ids()).")
    return QuizWidget(spec, answer)


def pricing_explorer(*, hours: float = 730, tasks: int = 1) -> PricingExplorer:
    """Sliders for vCPU, memory, hours, tasks, architecture, OS and Spot, with the cost shown live."""
    from labkit.course.widget_views import PricingExplorer

    return PricingExplorer(hours=hours, tasks=tasks)


def task_size_picker(os: str = "LINUX") -> TaskSizePicker:
    """Dropdowns offering only valid Fargate sizes; read the choice as `picker.size`."""
    from labkit.course.widget_views import TaskSizePicker

    return TaskSizePicker(os)
