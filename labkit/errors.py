"""The errors labkit raises: one base class, and bad input is also a ValueError."""

from __future__ import annotations


class LabkitError(Exception):
    """Base class of every error labkit raises on purpose."""


class InvalidInput(LabkitError, ValueError):
    """Bad input: the message says what was given, what was expected and what to do."""


class GuardrailError(LabkitError):
    """Real mode refused to do something that could cost money or leak resources."""


class ExerciseNotPassed(LabkitError, AssertionError):
    """Strict grading (`LABKIT_GRADING=strict`): a `labkit.check` that did not earn full marks fails its cell.

    The message names the exercise, its score and what to fix, so a failed nbval or pytest cell says why.
    """

    def __init__(self, message: str, exercise_id: str = "", score: float = 0.0, points: float = 0.0) -> None:
        super().__init__(message)
        self.exercise_id = exercise_id
        self.score = score
        self.points = points
