"""The errors labkit raises: one base class, and bad input is also a ValueError."""

from __future__ import annotations


class LabkitError(Exception):
    """Base class of every error labkit raises on purpose."""


class InvalidInput(LabkitError, ValueError):
    """Bad input: the message says what was given, what was expected and what to do."""


class GuardrailError(LabkitError):
    """Real mode refused to do something that could cost money or leak resources."""
