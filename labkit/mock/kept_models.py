"""botocore's JSON data (and moto's big data files), parsed once per machine: lessons read them from kept copies.

botocore parses its service models with `object_pairs_hook=OrderedDict`, which makes decoding about three times
slower than plain JSON: EC2's model (4.5 MB, gzipped) took about 0.09 s on the course's 2-core machine, and a
lesson's first cell parsed it twice (once for botocore's clients, once for moto's answers, which add moto's
extras to their own copy), with `endpoints.json` and every service the lesson uses: about 0.2 s of every lesson.
Unpickling the same parsed data, OrderedDicts included, takes about a quarter of that.

So once `install()` has run, every botocore Loader (moto's too) reads a file through `KeptJSONFileLoader`: the
first process to parse a file pickles what it parsed into the cache folder (`LABKIT_CACHE_DIR`, else
`$XDG_CACHE_HOME/labkit`, else `~/.cache/labkit`); later loads unpickle it. Each load returns a new copy, as a
parse does, so a Loader that changes its copy (moto's extras) changes nobody else's. A kept copy is found by the
data file's path, size and modification time and Python's version, so an upgraded botocore or moto is parsed
afresh (copies of older versions stay until the folder is deleted). A folder that cannot be written is not an
error: the file is parsed as botocore parses it. moto's instance types and its AWS-managed IAM policies, which it
parses at import, are kept the same way (`kept`, from `labkit.mock.fast_start` and `labkit.mock.iam`).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from botocore import loaders

_original_file_loader = loaders.Loader.FILE_LOADER_CLASS
_FOLDER = "botocore-models"


def cache_dir() -> Path:
    """labkit's cache folder on this machine (what it keeps there can always be deleted)."""
    given = os.environ.get("LABKIT_CACHE_DIR")
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "labkit"


class KeptJSONFileLoader(loaders.JSONFileLoader):
    """botocore's JSON file loader that unpickles a kept parse of the file when there is one (and keeps one)."""

    def load_file(self, file_path: str) -> Any:
        for ext in loaders._JSON_OPEN_METHODS:  # botocore tries each extension in turn: the first file found
            if os.path.isfile(file_path + ext):
                return kept(file_path + ext, lambda: super(KeptJSONFileLoader, self).load_file(file_path))
        return super().load_file(file_path)


def kept(path: str, parse: Callable[[], Any]) -> Any:
    """What `parse()` makes of the data file at `path`: unpickled from the copy kept for the file as it is now
    (its size and modification time, and Python's version, name the copy), else parsed and kept."""
    try:
        found = os.stat(path)
    except OSError:
        return parse()
    key = f"{path}|{found.st_size}|{found.st_mtime_ns}|{sys.version_info[:2]}|{pickle.HIGHEST_PROTOCOL}"
    name = os.path.basename(path).split(".")[0]
    copy = cache_dir() / _FOLDER / f"{name}-{hashlib.sha256(key.encode()).hexdigest()[:32]}.pickle"
    try:
        return pickle.loads(copy.read_bytes())
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError):
        pass  # not kept yet (or unreadable): parse it, and keep it for the next process
    data = parse()
    if data is not None:
        _keep(copy, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
    return data


def _keep(path: Path, blob: bytes) -> None:
    """Write `blob` to `path` whole or not at all (processes may write the same file at once)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".writing-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(blob)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass  # a folder that cannot be written: the next process parses the file too


def installed() -> bool:
    """Whether new botocore Loaders read kept parses."""
    return loaders.Loader.FILE_LOADER_CLASS is KeptJSONFileLoader


def install() -> None:
    """New botocore Loaders (moto's included) read kept parses from now on."""
    loaders.Loader.FILE_LOADER_CLASS = KeptJSONFileLoader


def uninstall() -> None:
    """New Loaders parse every file again, as botocore does."""
    loaders.Loader.FILE_LOADER_CLASS = _original_file_loader
