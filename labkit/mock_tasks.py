"""Placeholder: filled in next."""

from __future__ import annotations


def install() -> None:
    """Install this part of the Fargate layer (once)."""


def forget_account(account: str) -> None:
    """Drop per-account state."""
