"""Dockerfiles without Docker: read one, and build offline what can be built offline, as Docker would.

FROM, ARG, ENV, WORKDIR, COPY and ADD (from the build context), EXPOSE, CMD, ENTRYPOINT, STOPSIGNAL, USER,
LABEL, VOLUME, SHELL, HEALTHCHECK (kept for the record: ECS runs the task definition's health check, not the
image's). RUN steps run in `labkit.mock.runtime.shell`, which does what needs no internet. Anything that needs
Docker itself or the internet (a multi-stage `COPY --from`, `ADD` of a URL) is an InvalidInput that says what
to do instead. The result is the image's config and its files (what COPY, ADD and RUN made), nothing of the base.
"""

from __future__ import annotations

import fnmatch
import json
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from labkit.errors import InvalidInput
from labkit.mock.runtime.shell import Files, run_step, substitute


@dataclass
class Config:
    """An image's config as Docker records it (the parts a task uses)."""

    base: str = ""
    env: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    entrypoint: list[str] | None = None
    cmd: list[str] | None = None
    exposed: list[int] = field(default_factory=list)
    stop_signal: str | None = None
    user: str | None = None
    healthcheck: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"base": self.base, "env": dict(sorted(self.env.items())), "workdir": self.workdir,
                "entrypoint": self.entrypoint, "cmd": self.cmd, "exposed": sorted(set(self.exposed)),
                "stop_signal": self.stop_signal, "user": self.user, "healthcheck": self.healthcheck}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Config:
        return cls(**{k: data.get(k) for k in ("base", "entrypoint", "cmd", "stop_signal", "user", "healthcheck")},
                   env=dict(data.get("env") or {}), workdir=data.get("workdir") or "/",
                   exposed=list(data.get("exposed") or []))


@dataclass
class Built:
    """What building a Dockerfile offline gives: the config, the image's own files, and notes for the learner."""

    config: Config
    files: Files
    notes: list[str] = field(default_factory=list)


def instructions(text: str) -> list[tuple[str, str, int]]:
    """(INSTRUCTION, arguments, line number) of a Dockerfile, continuation lines joined, comments dropped."""
    out: list[tuple[str, str, int]] = []
    pending, start = "", 0
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        pending += stripped
        word, _, rest = pending.partition(" ")
        out.append((word.upper(), rest.strip(), start))
        pending = ""
    if pending.strip():
        word, _, rest = pending.strip().partition(" ")
        out.append((word.upper(), rest.strip(), start))
    return out


def _exec_or_shell(args: str) -> list[str]:
    """CMD/ENTRYPOINT/RUN arguments: the JSON exec form as given, the shell form as ["/bin/sh", "-c", text]."""
    if args.startswith("["):
        try:
            value = json.loads(args)
        except ValueError:
            value = None
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
    return ["/bin/sh", "-c", args]


def _pairs(args: str, what: str, line: int) -> list[tuple[str, str]]:
    """ENV/ARG/LABEL arguments: `K=V K2="V 2"` or the old `K V` form."""
    import shlex

    try:
        parts = shlex.split(args)
    except ValueError as err:
        raise InvalidInput(f"Dockerfile line {line}: {what} {args!r} cannot be read ({err}).") from err
    if parts and "=" not in parts[0]:
        return [(parts[0], " ".join(parts[1:]))]
    return [tuple(p.split("=", 1)) if "=" in p else (p, "") for p in parts]  # type: ignore[misc]


def build(text: str, context: dict[str, tuple[bytes, int]] | None) -> Built:
    """Build a Dockerfile's config and files offline; `context` is the build context's files (relative paths)."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("the Dockerfile is empty; start it with a FROM line, e.g. 'FROM python:3.12-slim'.")
    built = Built(Config(), Files())
    args: dict[str, str] = {}
    seen_from = False
    for word, rest, line in instructions(text):
        if word == "FROM":
            if seen_from:
                raise InvalidInput(f"Dockerfile line {line}: a second FROM (a multi-stage build) needs Docker; labkit "
                                   "builds one stage. Keep the last stage, and COPY its inputs from your folder.")
            seen_from = True
            tokens = [t for t in rest.split() if not t.startswith("--platform")]
            built.config.base = substitute(tokens[0], args) if tokens else ""
            if not built.config.base:
                raise InvalidInput(f"Dockerfile line {line}: FROM needs an image, e.g. 'FROM python:3.12-slim'.")
            continue
        if not seen_from and word != "ARG":
            raise InvalidInput(f"Dockerfile line {line}: {word} comes before FROM; a Dockerfile starts with FROM "
                               "(only ARG may come first).")
        _instruction(built, word, rest, line, args, context)
    if not seen_from:
        raise InvalidInput("the Dockerfile has no FROM line; start it with e.g. 'FROM python:3.12-slim'.")
    return built


def _instruction(built: Built, word: str, rest: str, line: int, args: dict[str, str],
                 context: dict[str, tuple[bytes, int]] | None) -> None:
    config = built.config
    variables = {**args, **config.env}
    if word == "ARG":
        for key, value in _pairs(rest, "ARG", line):
            args.setdefault(key, value)
    elif word == "ENV":
        for key, value in _pairs(rest, "ENV", line):
            config.env[key] = substitute(value, variables)
    elif word == "WORKDIR":
        config.workdir = posixpath.normpath(posixpath.join(config.workdir, substitute(rest, variables)))
        built.files.mkdir(config.workdir)
    elif word in ("COPY", "ADD"):
        _copy(built, word, substitute(rest, variables), line, context)
    elif word == "RUN":
        argv = _exec_or_shell(rest)
        command = argv[2] if argv[:2] == ["/bin/sh", "-c"] else " ".join(argv)
        built.notes += run_step(command, built.files, config.workdir, variables, line)
    elif word == "EXPOSE":
        for item in rest.split():
            number = item.split("/")[0]
            if number.isdigit():
                config.exposed.append(int(number))
    elif word in ("CMD", "ENTRYPOINT"):
        argv = _exec_or_shell(rest)
        if word == "CMD":
            config.cmd = argv
        else:
            config.entrypoint, config.cmd = argv, None  # Docker: a new ENTRYPOINT clears an inherited CMD
    elif word == "STOPSIGNAL":
        config.stop_signal = rest.strip() or None
    elif word == "USER":
        config.user = rest.strip() or None
    elif word == "HEALTHCHECK":
        config.healthcheck = rest.strip()
        built.notes.append("the image's HEALTHCHECK is not run: ECS runs the health check of the task definition "
                           "(its container definition's healthCheck)")
    elif word in ("LABEL", "VOLUME", "SHELL", "ONBUILD", "MAINTAINER"):
        pass
    else:
        raise InvalidInput(f"Dockerfile line {line}: unknown instruction {word}; Docker knows FROM, RUN, CMD, "
                           "COPY, ADD, ENV, WORKDIR, EXPOSE, ENTRYPOINT, ARG, USER, LABEL, STOPSIGNAL, HEALTHCHECK.")


def _copy(built: Built, word: str, rest: str, line: int, context: dict[str, tuple[bytes, int]] | None) -> None:
    parts = _exec_or_shell(rest) if rest.startswith("[") else rest.split()
    if parts[:2] == ["/bin/sh", "-c"]:
        parts = rest.split()
    flags = [p for p in parts if p.startswith("--")]
    parts = [p for p in parts if not p.startswith("--")]
    if any(f.startswith("--from") for f in flags):
        raise InvalidInput(f"Dockerfile line {line}: {word} --from copies out of another build stage or image; "
                           "that needs Docker. Copy the files from your folder instead.")
    if len(parts) < 2:
        raise InvalidInput(f"Dockerfile line {line}: {word} needs a source and a destination, e.g. 'COPY app.py .'.")
    sources, dest = parts[:-1], parts[-1]
    if word == "ADD" and any(re.match(r"^[a-z]+://", s) for s in sources):
        raise InvalidInput(f"Dockerfile line {line}: ADD of a URL downloads from the internet, which a labkit "
                           "push cannot do; download the file into your folder and COPY it.")
    if context is None:
        raise InvalidInput(f"Dockerfile line {line}: {word} needs files, and this push has no folder; give the "
                           "folder with push_image(lab, name, context='app/').")
    target = posixpath.normpath(posixpath.join(built.config.workdir, dest))
    matched = _match_sources(sources, context, line, word)
    into_dir = (dest.endswith("/") or dest in (".", "..") or target == "/" or len(matched) > 1
                or any(is_dir for _, _, is_dir in matched) or built.files.is_dir(target))
    for source, files, is_dir in matched:
        for rel, (data, mode) in files:
            if is_dir:
                path = posixpath.join(target, posixpath.relpath(rel, source) if source != "." else rel)
            else:
                path = posixpath.join(target, posixpath.basename(rel)) if into_dir else target
            built.files.write(posixpath.normpath(path), data, mode)
        if is_dir and not files:
            built.files.mkdir(target)


def _match_sources(sources: list[str], context: dict[str, tuple[bytes, int]], line: int,
                   word: str) -> list[tuple[str, list[tuple[str, tuple[bytes, int]]], bool]]:
    """Each source as (its path, its files, whether it is a folder); a missing one is an InvalidInput."""
    out = []
    for raw in sources:
        source = posixpath.normpath(raw.lstrip("/")) if raw not in (".", "./") else "."
        if source.startswith(".."):
            raise InvalidInput(f"Dockerfile line {line}: {word} {raw}: a build can only copy files inside its folder.")
        if any(ch in source for ch in "*?["):
            names = sorted(p for p in context if fnmatch.fnmatch(p, source))
            for name in names:
                out.append((name, [(name, context[name])], False))
            if not names:
                raise InvalidInput(f"Dockerfile line {line}: {word} {raw}: no file of the folder matches.")
            continue
        if source in context:
            out.append((source, [(source, context[source])], False))
            continue
        prefix = "" if source == "." else source + "/"
        inside = sorted((p, v) for p, v in context.items() if p.startswith(prefix))
        if not inside and source != ".":
            raise InvalidInput(f"Dockerfile line {line}: {word} {raw}: there is no {raw!r} in the folder "
                               "(or .dockerignore leaves it out).")
        out.append((source, inside, True))
    return out
