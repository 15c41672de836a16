"""Placeholder: filled in next."""

from __future__ import annotations


def install() -> None:
    """Install this part of the Fargate layer (once)."""
