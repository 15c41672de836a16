"""One teardown in progress: the tag it matches, what the lab recorded, what was removed, what went wrong.

The steps share it, and the small helpers they all use (paging, chunks, reads of what may have vanished).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from labkit.model.units import short_name


@dataclass
class Run:
    """What one teardown matches (a tag pair), what it may use, and what it removed or could not remove."""

    tag: tuple[str, str]
    dry_run: bool
    recorded: dict[str, set[str]]
    #: a service's client, or None when teardown does not search that service
    client: Callable[[str], Any]
    #: kind -> error codes that mean "already gone" (from its service's row)
    gone: Mapping[str, frozenset[str]]
    #: service -> error codes that mean "no access" (from its row)
    denied: Mapping[str, frozenset[str]]
    removed: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def match(self, tags: dict[str, str]) -> bool:
        key, value = self.tag
        return tags.get(key) == value

    def done(self, kind: str, name: str) -> None:
        if (kind, name) not in self.removed:
            self.removed.append((kind, name))

    def attempt(self, kind: str, name: str, action: Callable[[], Any]) -> bool:
        """Run one delete; 'already gone' counts as nothing to do, other errors are reported, not raised."""
        if self.dry_run:
            self.done(kind, name)
            return True
        from botocore.exceptions import ClientError

        try:
            action()
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "")
            if code in self.gone.get(kind, ()) and _looks_gone(err):
                return False
            message = err.response.get("Error", {}).get("Message", "")
            self.problems.append(f"{kind} {short_name(name)}: {code}: {message}")
            return False
        self.done(kind, name)
        return True

    def cannot_list(self, service: str, what: str, err: Any) -> None:
        """A listing refused: no access means the lab could not have made any (real mode), anything else is told."""
        code = err.response.get("Error", {}).get("Code", "")
        if code not in self.denied.get(service, ()):
            self.problems.append(f"could not list {what}: {code}: {err.response.get('Error', {}).get('Message', '')}")


def _looks_gone(err: Any) -> bool:
    message = str(err.response.get("Error", {}).get("Message", "")).lower()
    code = err.response.get("Error", {}).get("Code", "")
    if code in ("ClientException", "InvalidParameterException"):
        return any(w in message for w in ("not found", "does not exist", "unable to describe", "inactive"))
    return True


def quietly(read: Callable[[], Any]) -> Any:
    """Tags of something listed a moment ago; None when it vanished meanwhile (someone else deleted it)."""
    from botocore.exceptions import ClientError

    try:
        return read()
    except ClientError:
        return None
