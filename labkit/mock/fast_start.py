"""Mock and local modes start faster: botocore's data files are parsed once per process, not once per Session.

botocore gives every `Session` a data `Loader` of its own, and a Loader parses each JSON file it is asked for
(and keeps it). moto makes many Sessions: three when `moto.ec2` is imported (EC2's regions, each loading EC2's
4.5 MB service model to read its endpoint prefix), one per service in `BackendDict` (its regions), and labkit's
labs make theirs. So `endpoints.json` (1.25 MB) and EC2's `service-2.json` were each parsed about five times in a
lesson's first cell: about a second of JSON decoding on the course's 2-core machine.

`install()` makes botocore's Sessions share one Loader per data search path. Within one Session botocore
already shares what its Loader loaded among all its clients, so sharing it among Sessions shows nothing new to
anyone: the same files from the same search paths, parsed once. Each `boto3.Session()` appends boto3's data
folder to its Loader's search paths; a shared Loader keeps one copy of each path, so they do not pile up. moto's
own loader (`moto.core.loaders`, which adds moto's extras to the models it answers requests with) keeps its own
parsed files, but moto made a new one for every model it loaded, and each new Loader first lists the 400-odd
service folders botocore ships (about 20 ms each time, five times or more in a lesson's first deployment): one
moto Loader now serves the process.

It also keeps Python's full garbage collections short. Loading moto leaves about 300,000 objects (modules,
classes, service models, moto's data) that live as long as the kernel, and every full collection walked them
all: about 0.1 s each, three or four times a lesson, in whichever cell happened to trigger it. `install()`
loads moto's big modules with the collector paused, then freezes everything alive (`gc.freeze()`): later
collections skip those objects (which are still freed as usual when nothing refers to them).

moto also reads EC2's instance-type offerings at import: 95 compressed JSON files, one per Region and kind of
location, about 0.1 s, for answers a Fargate course seldom asks (DescribeInstanceTypeOfferings, RunInstances'
check of the instance type). `install()` has each Region's file read when moto first asks for it instead.

Then `warm()`, once labkit's patches are in, builds what a lab's first calls would otherwise build in whichever
later cell makes them: moto's AWS-managed IAM policy templates (moto makes an account's IAM backend on any
request) and the model moto answers EC2 with (EC2's is about 0.1 s to read). A lesson pays them in the cell
that starts the mock, which no longer reads the offerings.

Files that are parsed at all are read from a copy kept across processes (`labkit.mock.kept_models`): botocore's
parse builds OrderedDicts, about four times slower than unpickling the same data.

Only mock mode, `labkit server` and kernels that preload the mock install it (`labkit.mock.apply()`,
`prepare()`); in a kernel started for real mode ($LABKIT_MODE=real), Sessions and the collector keep their own
behaviour. (A real lab opened in a kernel that preloaded the mock shares Loaders too: the same files, parsed
once.) `uninstall()` undoes it (for tests).
"""

from __future__ import annotations

import functools
import gc
import importlib
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

from botocore import loaders
from botocore import session as botocore_session

from labkit.mock import kept_models

_original_create_loader = loaders.create_loader
_lock = threading.Lock()
#: the moto modules mock mode always loads, and most of what it loads (labkit.mock imports them next)
MOTO_MODULES = ("moto.core.models", "moto.ec2.models", "moto.iam.models", "moto.ecs.models")


class _Paths(list):  # type: ignore[type-arg]
    """A Loader's search paths that take each path once (boto3 appends its own at every new Session)."""

    def append(self, path: str) -> None:
        if path not in self:
            super().append(path)


@functools.cache
def shared_loader(search_path_string: str | None = None) -> loaders.Loader:
    """The process's one botocore Loader for a search path (botocore's `data_path` setting, None by default)."""
    loader = _original_create_loader(search_path_string)
    loader._search_paths = _Paths(loader.search_paths)
    return loader


@functools.cache
def shared_moto_loader() -> loaders.Loader:
    """The process's one moto Loader (moto's models with its extras), instead of a new one for every model."""
    from moto.core import loaders as moto_loaders

    return moto_loaders.create_loader()


def installed() -> bool:
    """Whether new botocore Sessions share the process's Loaders."""
    return botocore_session.create_loader is shared_loader


def install() -> None:
    """Share botocore's Loaders from now on, then load moto and freeze the heap (once per process)."""
    with _lock:
        if installed():
            return
        kept_models.install()  # before any Loader of the mock is made: each reads kept parses
        botocore_session.create_loader = shared_loader  # the name botocore.Session calls to make its Loader
        _load_moto_then_freeze()
        from moto.core import utils as moto_utils

        moto_utils.create_loader = shared_moto_loader  # the name moto's model loading calls


def _without_collections(*steps: Callable[[], object]) -> None:
    """Run `steps` with the garbage collector paused, then freeze what is alive (later collections skip it)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for step in steps:
            step()
    finally:
        if was_enabled:
            gc.enable()
    gc.freeze()


class _Offerings(dict):  # type: ignore[type-arg]
    """One kind of location's instance-type offerings by Region, each Region's file read when first asked for."""

    def __init__(self, location_type: str, files: dict[str, str], load: Callable[[str], Any]) -> None:
        super().__init__(dict.fromkeys(files))
        self._location_type, self._files, self._load = location_type, files, load

    def __getitem__(self, region: str) -> Any:
        found = super().__getitem__(region)
        if found is None:
            found = self._load(self._files[region])
            for offering in found:
                offering["LocationType"] = self._location_type
            super().__setitem__(region, found)
        return found

    def get(self, region: str, default: Any = None) -> Any:  # type: ignore[override]
        return self[region] if region in self else default

    def values(self) -> Any:  # type: ignore[override]
        return [self[region] for region in self]

    def items(self) -> Any:  # type: ignore[override]
        return [(region, self[region]) for region in self]


def _import_ec2_offerings_lazily() -> None:
    """Import moto's EC2 instance types with each Region's offerings file read on first use (see the docstring)."""
    if "moto.ec2.models.instance_types" in sys.modules:
        return  # imported already (its offerings read, or made lazy by an earlier install): leave it as it is
    from moto.utilities import utils as moto_utilities

    load = moto_utilities.load_resource
    deferred: list[str] = []

    def defer(resource: str) -> Any:
        if "/instance_type_offerings/" not in resource:
            return kept_models.kept(_moto_file(resource), lambda: load(resource))
        deferred.append(resource)
        return []

    moto_utilities.load_resource = defer  # the name moto.ec2's instance types import, only while they import
    try:
        from moto.ec2.models import instance_types
    finally:
        moto_utilities.load_resource = load
    for location_type in list(instance_types.INSTANCE_TYPE_OFFERINGS):
        files = {path.rsplit("/", 1)[1].split(".")[0]: path for path in deferred
                 if path.split("/")[-2] == location_type}
        instance_types.INSTANCE_TYPE_OFFERINGS[location_type] = _Offerings(location_type, files, load)


def _moto_file(resource: str) -> str:
    """The file moto reads for one of its resources (`load_resource` reads the gzipped one when there is one)."""
    import moto

    path = os.path.join(os.path.dirname(moto.__file__), resource)
    return path + ".gz" if not path.endswith(".gz") and os.path.isfile(path + ".gz") else path


def _load_moto_then_freeze() -> None:
    """Import moto's big modules without full collections in between, then freeze what is alive."""
    _without_collections(_import_ec2_offerings_lazily,
                         *(functools.partial(importlib.import_module, name) for name in MOTO_MODULES))


@functools.cache
def warm() -> None:
    """Build, once per process, what each lab's first calls need (see the docstring), then freeze it."""
    from moto.core.utils import get_service_model

    from labkit.mock import iam

    _without_collections(functools.partial(iam.managed_policy_templates, "us-east-1"),
                         functools.partial(get_service_model, "ec2"))


def uninstall() -> None:
    """New Sessions get Loaders of their own again, as botocore does; the shared ones are dropped and the
    frozen objects are collected as usual again."""
    from moto.core import loaders as moto_loaders
    from moto.core import utils as moto_utils

    with _lock:
        botocore_session.create_loader = _original_create_loader
        kept_models.uninstall()
        moto_utils.create_loader = moto_loaders.create_loader
        shared_loader.cache_clear()
        shared_moto_loader.cache_clear()
        gc.unfreeze()
