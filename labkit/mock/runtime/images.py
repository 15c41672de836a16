"""Images in mock and local modes: built at push time from a Dockerfile and a folder, kept by digest, run later.

`build_image(dockerfile_text, context_dir)` snapshots the folder (its files are read now: editing them later
needs a new push), builds the Dockerfile offline (`dockerfile`), and gives the manifest ECR stores with its
digest. The digest covers the Dockerfile and the image's files, deterministically (a tar with sorted entries, no
times or owners), and is the same as before this runtime for a Dockerfile that adds no files. `store` keeps the
built image (config and files) under its digest in the process that runs tasks; `kind_of` says how an image runs:
with the course's Python ("python", official Python bases), as a stand-in ("nginx", "httpd"), or as a stand-in
that only logs and idles ("idle").
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import io
import json
import os
import tarfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labkit.errors import InvalidInput
from labkit.mock.runtime.dockerfile import Built, Config, build
from labkit.mock.runtime.shell import Files

MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
MAX_CONTEXT_BYTES = 50 * 1024 * 1024  # labkit's own bound on a folder it reads into memory at push time
MAX_CONTEXT_FILES = 5000
ALWAYS_LEFT_OUT = ("__pycache__", ".git", ".ipynb_checkpoints", ".DS_Store")
OFFICIAL_PREFIXES = ("docker.io/library/", "public.ecr.aws/docker/library/", "library/", "index.docker.io/library/")
STAND_INS = {"nginx": "nginx", "nginx-unprivileged": "nginx", "nginxinc/nginx-unprivileged": "nginx",
             "httpd": "httpd", "python": "python"}
STAND_IN_PORTS = {"nginx-unprivileged": 8080, "nginxinc/nginx-unprivileged": 8080}  # else 80


@dataclass
class Image:
    """A built image: its config, its own files (a tar), and notes for the learner."""

    config: Config
    layer: bytes
    notes: list[str] = field(default_factory=list)

    def to_payload(self) -> dict[str, Any]:
        """As JSON, to hand to a `labkit server` in another process."""
        return {"config": self.config.to_json(), "layer": base64.b64encode(self.layer).decode("ascii"),
                "notes": list(self.notes)}

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Image:
        try:
            return cls(Config.from_json(data["config"]), base64.b64decode(data["layer"]), list(data.get("notes", [])))
        except (KeyError, TypeError, ValueError) as err:
            raise InvalidInput(f"an image payload must hold config and layer ({err}).") from err


# --- the build context ---------------------------------------------------------------------------------------------
def _ignored(rel: str, patterns: list[str]) -> bool:
    parts = rel.split("/")
    if any(p in ALWAYS_LEFT_OUT for p in parts):
        return True
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pat = pattern[1:] if negate else pattern
        pat = pat.strip("/")
        if fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(rel, pat + "/*") or any(
                fnmatch.fnmatch("/".join(parts[:i]), pat) for i in range(1, len(parts))):
            ignored = not negate
    return ignored


def read_context(context: str | os.PathLike[str]) -> dict[str, tuple[bytes, int]]:
    """The folder's files (relative POSIX path -> content, mode), minus .dockerignore's and caches; read now."""
    root = Path(context).expanduser()
    if not root.is_dir():
        raise InvalidInput(f"context {str(context)!r} is not a folder; give the folder that holds your Dockerfile "
                           "and app, e.g. context='app/'.")
    patterns: list[str] = []
    ignore = root / ".dockerignore"
    if ignore.is_file():
        patterns = [ln.strip() for ln in ignore.read_text(encoding="utf-8").splitlines()
                    if ln.strip() and not ln.strip().startswith("#")]
    files: dict[str, tuple[bytes, int]] = {}
    total = 0
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if not path.is_file() or _ignored(rel, patterns):
            continue
        data = path.read_bytes()
        total += len(data)
        if total > MAX_CONTEXT_BYTES or len(files) >= MAX_CONTEXT_FILES:
            raise InvalidInput(f"the folder {str(context)!r} holds more than {MAX_CONTEXT_BYTES // 2**20} MiB or "
                               f"{MAX_CONTEXT_FILES} files; list what the image does not need in a .dockerignore.")
        files[rel] = (data, 0o755 if os.access(path, os.X_OK) else 0o644)
    return files


# --- the layer and the manifest ------------------------------------------------------------------------------------
def layer_tar(files: Files) -> bytes:
    """The image's own files as a tar with sorted entries and no times or owners: the same files, the same bytes."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        entries = [(d, None) for d in files.dirs] + [(p, v) for p, v in files.entries.items()]
        for path, value in sorted(entries, key=lambda e: e[0]):
            info = tarfile.TarInfo(path.lstrip("/"))
            info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
            if value is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            else:
                data, mode = value
                info.size, info.mode = len(data), mode & 0o777
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def unpack(layer: bytes, root: str) -> None:
    """Write an image's files under `root` (a task's copy of the image)."""
    with tarfile.open(fileobj=io.BytesIO(layer), mode="r") as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(root, filter="data")
        else:  # Python before 3.10.12/3.11.4: the layer is ours, relative paths only
            tar.extractall(root)  # noqa: S202


def manifest_for(dockerfile_text: str, layer: bytes | None = None) -> tuple[str, str]:
    """A Docker image manifest for a Dockerfile (and its files' layer, if it has files), and its digest."""
    config = json.dumps({"architecture": "amd64", "os": "linux", "labkit": {"dockerfile": dockerfile_text}},
                        sort_keys=True)
    content = layer if layer else dockerfile_text.encode("utf-8")
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": MANIFEST_TYPE,
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": len(config),
                   "digest": "sha256:" + hashlib.sha256(config.encode("utf-8")).hexdigest()},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": len(content),
                    "digest": "sha256:" + hashlib.sha256(content).hexdigest()}]}, sort_keys=True, indent=3)
    return manifest, "sha256:" + hashlib.sha256(manifest.encode("utf-8")).hexdigest()


def build_image(dockerfile_text: str | None,
                context: str | os.PathLike[str] | None) -> tuple[Image, str, str, str]:
    """Build offline: (the image, its manifest, its digest, the Dockerfile's text); `dockerfile_text`, else the
    folder's Dockerfile."""
    files = read_context(context) if context is not None else None
    if dockerfile_text is None:
        if files is None or "Dockerfile" not in files:
            raise InvalidInput(f"there is no Dockerfile in {str(context)!r}; put one there, or pass dockerfile_text=.")
        dockerfile_text = files["Dockerfile"][0].decode("utf-8")
    built: Built = build(dockerfile_text, files)
    layer = layer_tar(built.files) if built.files.entries or built.files.dirs - _workdirs(built) else b""
    image = Image(built.config, layer, built.notes)
    manifest, digest = manifest_for(dockerfile_text, layer or None)
    return image, manifest, digest, dockerfile_text


def _workdirs(built: Built) -> set[str]:
    """The folders WORKDIR alone makes (a Dockerfile with only WORKDIR adds no files: its digest stays)."""
    out, path = set(), built.config.workdir
    while path not in ("/", ""):
        out.add(path)
        path = os.path.dirname(path)
    return out


# --- the store -----------------------------------------------------------------------------------------------------
_store: dict[str, Image] = {}
_lock = threading.Lock()


def store(digest: str, image: Image) -> None:
    """Keep a built image under its manifest digest (in the process that runs tasks)."""
    with _lock:
        _store[digest] = image


def stored(digest: str | None) -> Image | None:
    with _lock:
        return _store.get(digest or "")


# --- how an image runs ------------------------------------------------------------------------------------------------
def repository_name(image: str) -> str:
    """An image reference's repository, without registry prefix for official images, tag or digest."""
    ref = image.split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        ref = ref[: len(ref) - len(last)] + last.split(":", 1)[0]
    for prefix in OFFICIAL_PREFIXES:
        if ref.startswith(prefix):
            return ref[len(prefix):]
    if ref.startswith("public.ecr.aws/nginx/"):
        return ref[len("public.ecr.aws/nginx/"):]
    return ref


def kind_of(image: str) -> str:
    """How a public image runs: "python" (the course's Python), "nginx" or "httpd" (stand-ins), else "idle"."""
    return STAND_INS.get(repository_name(image), "idle")


def stand_in_port(image: str) -> int:
    """The port a web server stand-in listens on: 80, or 8080 for nginx-unprivileged."""
    return STAND_IN_PORTS.get(repository_name(image), 80)
