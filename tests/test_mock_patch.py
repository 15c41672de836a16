"""labkit.mock.patch: the one way to extend moto. A patch knows the layer's state and the lock, and applies once."""

from __future__ import annotations

import ast
import threading
from pathlib import Path

import pytest

from labkit.mock import state
from labkit.mock.patch import original, overlay, patch, raw

MOCK = Path(__file__).resolve().parents[1] / "labkit" / "mock"


class Backend:
    """A stand-in for a moto backend. Tests patch a fresh subclass of it (`owner=`), so that none leaks."""

    def greet(self, name: str) -> str:
        return f"hello {name}"

    @staticmethod
    def size(n: int) -> int:
        return n

    @property
    def region(self) -> str:
        return "us-east-1"


class Plain:
    """Patched where it is defined, as moto's classes are (one test only)."""

    def greet(self, name: str) -> str:
        return f"hello {name}"


@pytest.fixture
def backend():
    return type("Fresh", (Backend,), {})


def test_a_method_is_patched_on_the_class_that_defines_it():
    @patch(Plain.greet)
    def greet(fn, self, name):
        return fn(self, name).upper()

    assert "greet" in vars(Plain) and Plain().greet("ada") == "HELLO ADA"
    assert original(Plain.greet)(Plain(), "ada") == "hello ada"


def test_a_patch_gets_the_original_as_fn(backend):
    @patch(Backend.greet, owner=backend)
    def greet(fn, self, name):
        return fn(self, name).upper()

    assert backend().greet("ada") == "HELLO ADA"
    assert original(backend.greet)(backend(), "ada") == "hello ada"


def test_with_the_layer_off_the_original_runs(backend):
    calls = []

    @patch(Backend.greet, owner=backend)
    def greet(fn, self, name):
        calls.append(name)
        return "patched"

    with state.disabled():
        assert backend().greet("ada") == "hello ada"
    assert calls == []
    assert backend().greet("ada") == "patched"


def test_always_applies_with_the_layer_off(backend):
    @patch(Backend.greet, owner=backend, always=True)
    def greet(fn, self, name):
        return "patched"

    with state.disabled():
        assert backend().greet("ada") == "patched"


def _lock_free_elsewhere() -> bool:
    """Whether another thread could take the mock's lock right now."""
    result = []

    def probe():
        got = state.LOCK.acquire(blocking=False)
        if got:
            state.LOCK.release()
        result.append(got)

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join()
    return result[0]


def test_a_patch_runs_under_the_lock(backend):
    @patch(Backend.greet, owner=backend)
    def greet(fn, self, name):
        return _lock_free_elsewhere()

    assert _lock_free_elsewhere()
    assert backend().greet("ada") is False


def test_an_unlocked_patch_leaves_the_lock_free(backend):
    @patch(Backend.greet, owner=backend, locked=False)
    def greet(fn, self, name):
        return _lock_free_elsewhere()

    assert backend().greet("ada") is True


def test_a_patch_applies_once(backend):
    def shout(fn, self, name):
        return fn(self, name) + "!"

    patch(Backend.greet, owner=backend)(shout)
    patch(Backend.greet, owner=backend)(shout)  # imported again, or install() called twice
    assert backend().greet("ada") == "hello ada!"


def test_two_patches_stack_and_original_finds_moto_under_both(backend):
    @patch(Backend.greet, owner=backend)
    def shout(fn, self, name):
        return fn(self, name) + "!"

    @patch(Backend.greet, owner=backend)
    def polite(fn, self, name):
        return "please, " + fn(self, name)

    assert backend().greet("ada") == "please, hello ada!"
    assert original(backend.greet)(backend(), "ada") == "hello ada"


def test_staticmethods_and_properties_keep_their_kind(backend):
    @patch(Backend.size, owner=backend)
    def size(fn, n):
        return fn(n) * 2

    @patch(Backend.region, owner=backend)
    def region(fn, self):
        return fn(self).replace("east", "west")

    assert backend.size(3) == 6 and backend().size(3) == 6
    assert backend().region == "us-west-1"


def test_owner_patches_an_inherited_method_on_the_subclass_only(backend):
    @patch(Backend.greet, owner=backend)
    def greet(fn, self, name):
        return "child"

    assert backend().greet("ada") == "child"
    assert Backend().greet("ada") == "hello ada"
    assert not hasattr(vars(Backend)["greet"], "__labkit_patch__")


def test_a_plain_function_is_refused():
    def loose(fn, x):
        return x

    with pytest.raises(TypeError, match="method of a module-level class"):
        patch(loose)


# --- overlay ---------------------------------------------------------------------------------------------------
class Task:
    """A stand-in for a moto model object with a plain attribute labkit computes for its own objects."""

    def __init__(self, mine: bool) -> None:
        self.status = "moto's"
        self.mine = mine


overlay(Task, "status", lambda task: "labkit's", active=lambda task: task.__dict__.get("mine", False))


def test_an_overlaid_field_is_computed_for_labkits_objects_only():
    assert Task(mine=True).status == "labkit's"
    assert Task(mine=False).status == "moto's"
    assert raw(Task(mine=True), "status") == "moto's"  # what moto assigned is kept aside


def test_an_overlaid_field_is_motos_own_with_the_layer_off():
    task = Task(mine=True)
    with state.disabled():
        assert task.status == "moto's"


def test_overlay_applies_once():
    before = Task.__dict__["status"]
    overlay(Task, "status", lambda task: "again", active=lambda task: True)
    assert Task.__dict__["status"] is before


# --- the mock layer uses this one way --------------------------------------------------------------------------
def test_the_layer_applied_twice_wraps_each_method_once():
    from moto.ecs.models import EC2ContainerServiceBackend
    from moto.ecs.responses import EC2ContainerServiceResponse

    from labkit import mock

    mock.apply()
    mock.apply()
    for method in (EC2ContainerServiceBackend.run_task, EC2ContainerServiceBackend.create_service,
                   EC2ContainerServiceResponse.create_service, EC2ContainerServiceResponse.call_action):
        assert hasattr(method, "__labkit_patch__")
        assert not hasattr(method.__wrapped__, "__labkit_patch__")


def _assignments_to_classes(path: Path) -> list[str]:
    """`Class.attr = ...` and `setattr(...)` statements: the ways of patching that are not `patch`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        for target in node.targets if isinstance(node, ast.Assign) else []:
            owner = target.value if isinstance(target, ast.Attribute) else None
            if isinstance(owner, ast.Name) and owner.id[0].isupper():
                found.append(f"{path.name}:{node.lineno}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr":
            found.append(f"{path.name}:{node.lineno}")
    return found


def test_moto_is_extended_one_way_only():
    modules = [p for p in MOCK.rglob("*.py") if p.name != "patch.py"]
    assert [hit for path in modules for hit in _assignments_to_classes(path)] == []
