"""Tag everything a lab creates, whoever makes the call: labkit.deploy or plain boto3 in a learner's cell.

A botocore hook adds the lab's tags to each create call before it is sent, in the shape that service wants,
so teardown (and `labkit teardown --lab ID` from a new kernel) can find every resource by tag. Which calls
create what, and how each service spells its tags, is in the service's row (`labkit.lab.services`): the row
hands its `Tagged` specs to `install`. Services pass their tags on to their tasks, and IAM roles go under
/labkit/ unless the caller names a path (the rows' `defaults`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from labkit.errors import InvalidInput

COURSE = "fargate-lab-kit"
TAG_LAB = "labkit:lab"  # the lab's id: what `lab.teardown()` and `labkit teardown --lab ID` remove
TAG_COURSE = "labkit:course"  # every lab of the course: what `labkit teardown --all` removes
ROLE_PATH = "/labkit/"  # IAM roles go here: where teardown looks for them, and where the IAM policy lets labkit act
TAG_STYLES = ("key", "Key", "dict")
LAB_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")  # a lab id is a tag value on every resource


@dataclass(frozen=True)
class Tagged:
    """How one create call carries the lab's tags: its parameter, the service's tag style, and for EC2's
    TagSpecifications the resource type. `defaults` are set when the caller left them out. `unless` names a
    parameter that, when true, makes the call one that AWS refuses tags on (SSM's PutParameter with Overwrite,
    which may create or update): it goes untagged, and the lab records what it names (`records`: the kind and
    the parameter holding its name) so that teardown finds it all the same."""

    param: str
    style: str
    resource_type: str | None = None
    defaults: Mapping[str, Any] = field(default_factory=dict)
    unless: str | None = None
    records: tuple[str, str] | None = None


def ec2_tagged(resource_type: str) -> Tagged:
    """EC2 tags through TagSpecifications, naming the resource type."""
    return Tagged("TagSpecifications", "Key", resource_type)


def lab_tags(lab_id: str, style: str = "key") -> Any:
    """A lab's tags as a service wants them: "key" (ECS), "Key" (EC2, IAM, ...), "dict" (logs, ECR tags)."""
    pairs = [(TAG_LAB, lab_id), (TAG_COURSE, COURSE)]
    if style == "key":
        return [{"key": k, "value": v} for k, v in pairs]
    if style == "Key":
        return [{"Key": k, "Value": v} for k, v in pairs]
    if style == "dict":
        return dict(pairs)
    raise InvalidInput(f"tag_list style {style!r} is not known; use one of {', '.join(TAG_STYLES)} "
                       "(ECS uses 'key', EC2/IAM/ECR use 'Key', CloudWatch Logs uses 'dict').")


def tag_dict(tags: Iterable[Mapping[str, Any]] | Mapping[str, str] | None) -> dict[str, str]:
    """Tags as AWS returns them, in any service's spelling (key/value, Key/Value pairs, or a dict), as a dict."""
    if isinstance(tags, Mapping):
        return dict(tags)
    out: dict[str, str] = {}
    for t in tags or []:
        key = t.get("key", t.get("Key"))
        if key is not None:
            out[key] = t.get("value", t.get("Value", ""))
    return out


def of_lab(tags: Iterable[Mapping[str, Any]] | Mapping[str, str] | None, lab_id: str) -> bool:
    """Whether tags (in any spelling) mark something of lab `lab_id`."""
    return tag_dict(tags).get(TAG_LAB) == lab_id


def with_lab_tags(existing: Any, ours: Any) -> Any:
    """The caller's tags plus the lab's, the lab's winning on the same key (lists or dicts alike)."""
    if isinstance(ours, dict):
        return {**(existing or {}), **ours}
    key = "key" if ours and "key" in ours[0] else "Key"
    mine = {t[key] for t in ours}
    return [t for t in (existing or []) if t.get(key) not in mine] + list(ours)


def add_tags(lab: Any, how: Tagged | None, params: dict[str, Any]) -> None:
    """Add the lab's tags to one call's parameters, in place (None: a call that creates nothing taggable)."""
    if how is None:
        return
    if how.unless and params.get(how.unless):
        if how.records and isinstance(params.get(how.records[1]), str):
            lab.record(how.records[0], params[how.records[1]])
        return
    ours = lab.tag_list(how.style)
    if how.resource_type is not None:
        specs = params.get(how.param, [])
        current = next((s.get("Tags", []) for s in specs if s.get("ResourceType") == how.resource_type), [])
        params[how.param] = [s for s in specs if s.get("ResourceType") != how.resource_type] + [
            {"ResourceType": how.resource_type, "Tags": with_lab_tags(current, ours)}]
    else:
        params[how.param] = with_lab_tags(params.get(how.param), ours)
    for name, value in how.defaults.items():
        params.setdefault(name, value)


def install(lab: Any, client: Any, tagged: Mapping[str, Tagged]) -> None:
    """Register the tagging hook on one boto3 client of the lab; `tagged` is its service row's operation -> spec."""

    def hook(params: dict[str, Any], model: Any, **_: Any) -> None:
        add_tags(lab, tagged.get(model.name), params)

    client.meta.events.register(f"provide-client-params.{client.meta.service_model.service_id.hyphenize()}",
                                hook)
