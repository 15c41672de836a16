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

Only mock mode and `labkit server` install it (`labkit.mock.apply()`); real mode's Sessions and collector keep
their own behaviour. `uninstall()` undoes it (for tests).
"""

from __future__ import annotations

import functools
import gc
import importlib
import threading

from botocore import loaders
from botocore import session as botocore_session

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
        botocore_session.create_loader = shared_loader  # the name botocore.Session calls to make its Loader
        _load_moto_then_freeze()
        from moto.core import utils as moto_utils

        moto_utils.create_loader = shared_moto_loader  # the name moto's model loading calls


def _load_moto_then_freeze() -> None:
    """Import moto's big modules without full collections in between, then freeze what is alive."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for name in MOTO_MODULES:
            importlib.import_module(name)
    finally:
        if was_enabled:
            gc.enable()
    gc.freeze()


def uninstall() -> None:
    """New Sessions get Loaders of their own again, as botocore does; the shared ones are dropped and the
    frozen objects are collected as usual again."""
    from moto.core import loaders as moto_loaders
    from moto.core import utils as moto_utils

    with _lock:
        botocore_session.create_loader = _original_create_loader
        moto_utils.create_loader = moto_loaders.create_loader
        shared_loader.cache_clear()
        shared_moto_loader.cache_clear()
        gc.unfreeze()
