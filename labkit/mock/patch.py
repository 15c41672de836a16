"""The one way labkit extends moto: `@patch(Class.method)` for behaviour, `overlay(...)` for computed fields.

A patch is written as LocalStack writes them, the original method handed in as `fn`:

    @patch(EC2ContainerServiceBackend.run_task)
    def run_task(fn, self, cluster_str, ...):
        ...                      # decide and raise as AWS does, call `fn(self, ...)` for moto's own work

`patch` replaces the method where its class defines it, once (applying the same patch again does nothing),
when the patch's module is imported; `labkit.mock.apply()` imports every patch module, so moto is imported only
when the mock starts. Both ways know the layer's state: with the layer off (`labkit.mock.disabled()`, for the
benchmark's raw-moto timings) a patched method is moto's own and an overlaid field reads moto's own value.
A patch runs under the mock's one lock (moto's server answers on several threads), unless it says otherwise.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from labkit.mock import state

Body = TypeVar("Body", bound=Callable[..., Any])

_applied: set[tuple[type, str, str]] = set()  # (class, attribute, patch's qualified name)
_overlaid: set[tuple[type, str]] = set()


def patch(target: Any, *, owner: type | None = None, locked: bool = True,
          always: bool = False) -> Callable[[Body], Body]:
    """Decorate `body(fn, self, *args, **kwargs)` to replace `target` (a method, staticmethod or property's getter).

    The method is replaced on the class that defines it, or on `owner` when that class inherits it from a base
    that must stay as moto made it (`patch(BaseResponse.call_action, owner=EC2ContainerServiceResponse)`).
    `locked=False` for a patch that must not hold the lock (it waits, or runs inside moto's own backend lock);
    `always=True` for a patch that applies with the layer off too: a speed-up that changes no answer, or a
    missing default that raw moto needs as much as labkit does.
    """
    where, name = _where(target, owner)

    def decorate(body: Body) -> Body:
        key = (where, name, f"{body.__module__}.{body.__qualname__}")
        if key not in _applied:
            _applied.add(key)
            replaced = _replace(inspect.getattr_static(where, name), body, locked=locked, always=always)
            setattr(where, name, replaced)
        return body

    return decorate


def original(target: Any) -> Callable[..., Any]:
    """moto's own method under labkit's patches (for code that needs moto's behaviour outside the patch's call)."""
    function = target.fget if isinstance(target, property) else target
    return inspect.unwrap(function, stop=lambda f: not hasattr(f, "__labkit_patch__"))


def _function_of(attribute: Any) -> Any:
    if isinstance(attribute, staticmethod):
        return attribute.__func__
    if isinstance(attribute, property):
        return attribute.fget
    return attribute


def _where(target: Any, owner: type | None) -> tuple[type, str]:
    """The class to patch (`owner`, or the one defining `target`, from its qualified name) and the attribute."""
    function = _function_of(target)
    path = getattr(function, "__qualname__", "").split(".")
    if not inspect.isfunction(function) or len(path) < 2 or "<locals>" in path:
        raise TypeError(f"patch() needs a method of a module-level class, such as Backend.run_task; got {target!r}")
    where: Any = owner or sys.modules[function.__module__]
    for part in path[:-1] if owner is None else []:
        where = getattr(where, part)
    current = _function_of(inspect.getattr_static(where, path[-1], None))
    if current is None or original(current) is not original(function):
        raise TypeError(f"patch(): {where.__name__}.{path[-1]} is not {target!r}")
    return where, path[-1]


def _replace(attribute: Any, body: Callable[..., Any], *, locked: bool, always: bool) -> Any:
    """`attribute` with its function wrapped so that it runs `body(fn, ...)` when the layer is on."""
    fn = _function_of(attribute)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not (always or state.enabled()):
            return fn(*args, **kwargs)
        if not locked:
            return body(fn, *args, **kwargs)
        with state.LOCK:
            return body(fn, *args, **kwargs)

    wrapper.__labkit_patch__ = body  # type: ignore[attr-defined]
    if isinstance(attribute, staticmethod):
        return staticmethod(wrapper)
    if isinstance(attribute, property):
        return attribute.getter(wrapper)
    return wrapper


# --- computed fields laid over moto's objects ----------------------------------------------------------------
def overlay(cls: type, name: str, compute: Callable[[Any], Any], active: Callable[[Any], bool]) -> None:
    """Make `cls.name` computed, `compute(obj)`, for the objects labkit keeps (`active(obj)`) while the layer is on.

    Otherwise it is moto's own value: what moto assigns is kept aside (see `raw`), and moto's own property, if the
    attribute is one, still answers. moto's response serialiser then shows the computed value as AWS's field.
    """
    if (cls, name) in _overlaid:
        return
    _overlaid.add((cls, name))
    base = next((klass.__dict__[name] for klass in cls.__mro__ if name in klass.__dict__), None)
    kept = f"_lk_raw_{name}"

    def fget(obj: Any) -> Any:
        if state.enabled() and active(obj):
            return compute(obj)
        if isinstance(base, property):
            return base.fget(obj) if base.fget is not None else None
        return obj.__dict__.get(kept, base)

    def fset(obj: Any, value: Any) -> None:
        if not isinstance(base, property):
            obj.__dict__[kept] = value
        elif base.fset is not None:
            base.fset(obj, value)

    setattr(cls, name, property(fget, fset, doc=f"labkit's {name} (moto's own with the layer off)"))


def raw(obj: Any, name: str) -> Any:
    """moto's own value of an overlaid field (what moto last assigned to it)."""
    return obj.__dict__.get(f"_lk_raw_{name}")
