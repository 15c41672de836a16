"""Every mock answer costs less: moto's per-call work that gives the same result each time is done once.

moto 5 answers most calls through its response serialiser (`moto.core.serialize`), which walks the operation's
output shape and, for every member of every structure, asks an attribute picker which names the value may have
on moto's object. The picker makes six alias providers and `xform_name`s each alias: about 60% of a
DescribeTasks call. Those names depend only on the picker's kind and providers, the member's shape and its
parent, the object's class name, an alias the object's `Meta` gives, and the key, so `install()` keeps them per
such combination (the shapes are kept in the key, so a key never stands for another shape). The picker then
tries the names in the same order on the same object. The serialiser also joined the path to each member for
the response transformers (moto's `RESPONSE_KEY_PATH_TO_TRANSFORMER`, matched with `str.endswith`); the path is
now joined only for a member that one of them can match (its last part is the member's key, or a transformer
without a dot ends the key), and then moto's own loop decides.

`BaseResponse.call_action` listed every function of the response class (`inspect.getmembers`) on every call to
ask whether the action is one of them; now it asks the class for that one name: a function defined on the class
or a base, as `getmembers` would say. There is nothing to keep, so a method patched later is seen at once.

An error answer looked up its error shape with a new `ErrorLookupFactory` (so its per-service table was built
again every time) and found the service's name by making a boto3 Session and listing every service botocore
knows; both are the same for every error of a process, so one factory and one answer per package name serve
them all.

Any picker, provider or serialiser that is not moto's own gets moto's own path. Mock mode, `labkit server` and
preloading kernels install it (`labkit.mock.apply()`, `prepare()`); a kernel for real mode never loads moto.
`uninstall()` gives moto's own behaviour back (for tests and A/B timing).
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

from moto.core import errors as moto_errors
from moto.core import responses as moto_responses
from moto.core import serialize
from moto.core import utils as moto_utils

from labkit.mock.patch import patch

_installed = False
_ABSENT = object()  # an attribute the object lacks (None can be a real value)
_PICKER_CALL = serialize.AttributePicker.__call__
_KEY_MAKERS = (serialize.AttributePicker.get_possible_keys, serialize.XFormedAttributePicker.get_possible_keys)
_MOTO_PROVIDERS = frozenset({serialize.ExplicitAlias, serialize.NoAlias, serialize.ModelAlias,
                             serialize.ShapePrefixAlias, serialize.ClassPrefixAlias, serialize.ShapeNameAlias})
_moto_get_value = moto_utils.get_value
_moto_method_names = moto_utils.method_names_from_class
_moto_error_factory = moto_errors.ErrorLookupFactory
_moto_service_name = moto_utils.service_name_from_moto_package_name
_MAX_KEPT = 200_000  # possible-key entries kept before starting over (a course needs a few thousand)

#: (picker kind, providers, class name, Meta's alias, shape, parent shape, key) -> ((name, dotted), ...)
_possible: dict[tuple[Any, ...], tuple[tuple[str, bool], ...]] = {}


def installed() -> bool:
    """Whether the serialiser and call_action take the shortcuts."""
    return _installed


def install() -> None:
    """Take the shortcuts from now on (idempotent)."""
    global _installed
    moto_responses.method_names_from_class = function_names  # the name call_action calls
    moto_errors.ErrorLookupFactory = _one_error_factory  # the names an error answer calls
    moto_utils.service_name_from_moto_package_name = _service_name
    _installed = True


def uninstall() -> None:
    """moto's own behaviour again; what was kept is dropped."""
    global _installed
    _installed = False
    moto_responses.method_names_from_class = _moto_method_names
    moto_errors.ErrorLookupFactory = _moto_error_factory
    moto_utils.service_name_from_moto_package_name = _moto_service_name
    _possible.clear()
    _one_error_factory.cache_clear()
    _service_name.cache_clear()


@functools.cache
def _one_error_factory() -> Any:
    """The process's one ErrorLookupFactory: each service's error table built once (moto made one per error)."""
    return _moto_error_factory()


@functools.cache
def _service_name(moto_package_name: str) -> str:
    """botocore's service name for a moto package (moto made a boto3 Session per error answer to find it)."""
    return _moto_service_name(moto_package_name)


class _FunctionNames:
    """The names of a class's functions, as `moto.core.utils.method_names_from_class` lists them, asked singly."""

    def __init__(self, cls: type) -> None:
        self._cls = cls

    def __contains__(self, name: object) -> bool:
        cls = self._cls
        if not isinstance(name, str) or not any(name in klass.__dict__ for klass in cls.__mro__):
            return False  # `dir(cls)` is the names in the __dict__ of the class and its bases
        return inspect.isfunction(getattr(cls, name, None))

    def __iter__(self) -> Any:
        return iter(_moto_method_names(self._cls))

    def __len__(self) -> int:
        return len(_moto_method_names(self._cls))


def function_names(cls: Any) -> Any:
    """What call_action asks of `method_names_from_class(cls)`, without listing every member of the class."""
    return _FunctionNames(cls) if isinstance(cls, type) else _moto_method_names(cls)


@patch(serialize.ResponseSerializer.get_value, locked=False, always=True)
def get_value(fn: Any, self: Any, value: Any, key: str, shape: Any) -> Any:
    """A member's value as moto's picker finds it, from the names kept for its shape, class and key."""
    picker = self._value_picker
    kind = type(picker)
    if (not _installed or kind.__call__ is not _PICKER_CALL or kind.get_possible_keys not in _KEY_MAKERS
            or serialize.get_value is not _moto_get_value):
        return fn(self, value, key, shape)
    names = _names(self, picker, value, key, shape)
    if names is None:
        return fn(self, value, key, shape)
    found: Any = None
    for name, dotted in names:
        if dotted:
            candidate = _moto_get_value(value, name, moto_utils.MISSING)
        elif hasattr(value, "__getitem__"):  # moto.core.utils._get_value_for_key, without a call per name
            try:
                candidate = value[name]
            except (KeyError, IndexError, TypeError, AttributeError):
                candidate = moto_utils.MISSING
        else:
            candidate = getattr(value, name, moto_utils.MISSING)
        if candidate is not moto_utils.MISSING:
            found = candidate
            break
    transformers = picker.response_transformers
    if transformers and _may_transform(self, transformers, key):
        key_path = f"{'.'.join(self.path)}.{key}"
        for transform_path, transform in transformers.items():  # moto's own loop (AttributePicker.__call__)
            if key_path.endswith(transform_path):
                return transform(found)
    return found


def _names(serializer: Any, picker: Any, value: Any, key: str, shape: Any) -> tuple[tuple[str, bool], ...] | None:
    """The names moto's picker would try, in its order (None: ask moto, the providers are not all moto's)."""
    meta = getattr(value, "Meta", _ABSENT)
    aliases = _ABSENT if meta is _ABSENT else getattr(meta, "serialization_aliases", _ABSENT)
    if aliases is _ABSENT:
        explicit = _ABSENT
    elif type(aliases) is dict:
        explicit = aliases.get(key, _ABSENT)
    else:
        return None
    cache_key = (type(picker), tuple(picker.alias_providers), value.__class__.__name__, explicit, shape,
                 getattr(shape, "parent", _ABSENT), key)
    try:
        names = _possible.get(cache_key)
    except TypeError:  # an alias that cannot be a key
        return None
    if names is None:
        names = _possible_names(serializer, picker, value, key, shape)
        if names is None:
            return None
        if len(_possible) >= _MAX_KEPT:
            _possible.clear()
        _possible[cache_key] = names
    return names


def _possible_names(serializer: Any, picker: Any, value: Any, key: str,
                    shape: Any) -> tuple[tuple[str, bool], ...] | None:
    """Ask moto's picker, once, for every name it would try (each with whether moto reads it as a dotted path)."""
    if not _MOTO_PROVIDERS.issuperset(picker.alias_providers):
        return None
    context = serialize.AttributePickerContext(obj=value, key=key, shape=shape,
                                               operation_model=serializer.operation_model,
                                               service_model=serializer.operation_model.service_model,
                                               key_path=".".join(serializer.path))
    try:
        names = tuple(picker.get_possible_keys(context))
        return tuple((name, not isinstance(name, int) and "." in name) for name in names)
    except Exception:  # noqa: BLE001 - whatever moto would raise, it raises on its own path
        return None


def _may_transform(serializer: Any, transformers: dict[Any, Any], key: str) -> bool:
    """Whether a transformer can match this member's path (`path.key`), from the key alone.

    A transformer path `a.b` can end `....key` only if `b` is the key (keys have no dots); one without a dot
    only if it ends the key. Worked out once per response (moto makes a serialiser per response).
    """
    index = serializer.__dict__.get("_lk_transform_index")
    if index is None or index[0] is not transformers:
        index = (transformers, *_transform_index(transformers))
        serializer.__dict__["_lk_transform_index"] = index
    _, last_parts, undotted, always = index
    if always or key in last_parts or not isinstance(key, str) or "." in key:
        return True
    return bool(undotted) and any(key.endswith(path) for path in undotted)


def _transform_index(transformers: dict[Any, Any]) -> tuple[frozenset[str], tuple[str, ...], bool]:
    """The last parts of dotted transformer paths, the undotted paths, and whether to always ask moto."""
    paths = list(transformers)
    if not all(isinstance(path, str) for path in paths):
        return frozenset(), (), True
    return (frozenset(path.rsplit(".", 1)[1] for path in paths if "." in path),
            tuple(path for path in paths if "." not in path), False)
