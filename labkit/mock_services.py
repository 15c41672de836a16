"""Placeholder: filled in next."""

from __future__ import annotations


def install() -> None:
    """Install this part of the Fargate layer (once)."""


def settle_account(account: str) -> None:
    """Bring services up to date."""


def interrupt_spot(account, region, cluster, service, count):
    return []
