"""RUN steps without Docker: the small part of a shell that builds files and needs no internet.

Understood, joined by `&&`, `;` or `|| true`: `echo`/`printf` (into a file with `>` or `>>`), `mkdir`, `touch`,
`cp`, `mv`, `rm`, `chmod`, `cd`, `export`, `true`, user and group creation (nothing to do), and `pip install` of
packages the course's Python already has (nothing to download; a note says so). A step that needs the internet
(apt-get, apk, curl, wget, git, a pip install of a missing package) or a program labkit does not run at build
time is an InvalidInput that says what to do instead. Files live in memory (`Files`), at absolute POSIX paths.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass, field

from labkit.errors import InvalidInput

NEEDS_INTERNET = ("apt-get", "apt", "apk", "yum", "dnf", "microdnf", "curl", "wget", "git", "npm", "yarn", "pnpm",
                  "gem", "go", "cargo", "conda", "mamba", "poetry", "pipenv", "uv")
NOTHING_TO_DO = ("true", ":", "set", "useradd", "adduser", "groupadd", "addgroup", "chown", "ldconfig", "sync",
                 "update-ca-certificates")
PIP = re.compile(r"^(pip3?(\.\d+)?|python3?(\.\d+)? -m pip)$")


@dataclass
class Files:
    """An image's own files, in memory: absolute path -> (content, mode), and the folders made."""

    entries: dict[str, tuple[bytes, int]] = field(default_factory=dict)
    dirs: set[str] = field(default_factory=set)

    def mkdir(self, path: str) -> None:
        while path not in ("/", "") and path not in self.dirs:
            self.dirs.add(path)
            path = posixpath.dirname(path)

    def write(self, path: str, data: bytes, mode: int = 0o644, append: bool = False) -> None:
        if append and path in self.entries:
            data = self.entries[path][0] + data
        self.mkdir(posixpath.dirname(path))
        self.entries[path] = (data, mode if path not in self.entries else self.entries[path][1] if append else mode)

    def is_dir(self, path: str) -> bool:
        return path in self.dirs or any(p.startswith(path.rstrip("/") + "/") for p in self.entries)

    def under(self, path: str) -> list[str]:
        prefix = path.rstrip("/") + "/"
        return sorted(p for p in self.entries if p == path or p.startswith(prefix))

    def remove(self, path: str) -> None:
        for p in self.under(path):
            del self.entries[p]
        prefix = path.rstrip("/") + "/"
        self.dirs = {d for d in self.dirs if d != path and not d.startswith(prefix)}


def substitute(text: str, variables: dict[str, str]) -> str:
    """$NAME and ${NAME} replaced by their values (outside single quotes), as a shell and Dockerfile do."""
    def one(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return variables.get(name, "")

    parts = re.split(r"('[^']*')", text)
    return "".join(p if p.startswith("'") else re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)",
                                                      one, p) for p in parts)


def _commands(text: str, line: int) -> list[tuple[str, list[str]]]:
    """(the operator before it, its words) for each command of a RUN step."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|<>")
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError as err:
        raise InvalidInput(f"Dockerfile line {line}: RUN {text!r} cannot be read ({err}).") from err
    out: list[tuple[str, list[str]]] = []
    op, words = "", []
    for token in tokens:
        if token in ("&&", ";", "||", "|", "&"):
            if token in ("|", "&"):
                raise InvalidInput(f"Dockerfile line {line}: RUN {text!r}: labkit does not run pipes ('{token}') "
                                   "at push time; write the file with echo, or COPY it from your folder.")
            out.append((op, words))
            op, words = token, []
        else:
            words.append(token)
    out.append((op, words))
    return [(o, w) for o, w in out if w]


def run_step(text: str, files: Files, workdir: str, env: dict[str, str], line: int) -> list[str]:
    """Run one RUN step on `files`; returns notes for the learner (what was accepted without doing anything)."""
    notes: list[str] = []
    cwd, local_env = workdir, dict(env)
    for op, words in _commands(substitute(text, env), line):
        if op == "||":
            continue  # every command labkit runs succeeds, so what follows || does not run
        name = words[0]
        if name == "cd":
            cwd = _path(cwd, words[1] if len(words) > 1 else "/")
        elif name == "export":
            local_env.update(w.split("=", 1) for w in words[1:] if "=" in w)
        elif PIP.match(" ".join(words[:3 if words[0].startswith("python") else 1])) and "install" in words:
            notes += _pip_install(words, files, cwd, line)
        elif name in NEEDS_INTERNET:
            raise InvalidInput(f"Dockerfile line {line}: RUN {name} ... needs the internet (or a package manager "
                               "of the base image), which a push in mock mode does not have. Remove the step; put "
                               "what it would fetch in your folder and COPY it, or do without it.")
        elif name in NOTHING_TO_DO:
            continue
        elif name.startswith("python") and words[1:3] == ["-m", "compileall"]:
            continue
        else:
            _file_command(name, words[1:], files, cwd, line, text)
    return notes


def _path(cwd: str, given: str) -> str:
    return posixpath.normpath(posixpath.join(cwd, given))


def _redirect(args: list[str], line: int, text: str) -> tuple[list[str], str | None, bool]:
    for i, token in enumerate(args):
        if token in (">", ">>"):
            if i + 1 >= len(args):
                raise InvalidInput(f"Dockerfile line {line}: RUN {text!r}: '{token}' needs a file name after it.")
            return args[:i] + args[i + 2:], args[i + 1], token == ">>"
    return args, None, False


def _file_command(name: str, args: list[str], files: Files, cwd: str, line: int, text: str) -> None:
    args, target, append = _redirect(args, line, text)
    if name in ("echo", "printf"):
        data = _echo(args) if name == "echo" else _printf(args)
        if target and target != "/dev/null":
            files.write(_path(cwd, target), data.encode(), append=append)
        return
    if target is not None:
        raise InvalidInput(f"Dockerfile line {line}: RUN {text!r}: labkit writes files only with echo or printf.")
    paths = [_path(cwd, a) for a in args if not a.startswith("-")]
    if name == "mkdir":
        for p in paths:
            files.mkdir(p)
    elif name == "touch":
        for p in paths:
            if p not in files.entries:
                files.write(p, b"")
    elif name == "rm":
        for p in paths:
            files.remove(p)
    elif name in ("cp", "mv") and len(paths) >= 2:
        _copy_or_move(name, paths[:-1], paths[-1], files)
    elif name == "chmod" and len(args) >= 2:
        _chmod(args[0], paths[1:] if not args[0].startswith("-") else paths, files)
    else:
        raise InvalidInput(f"Dockerfile line {line}: labkit cannot run `{name}` at push time without Docker (it "
                           "runs echo, printf, mkdir, touch, cp, mv, rm, chmod, cd and pip install of packages the "
                           "course has). Do the work when your program starts, or COPY the result from your folder.")


def _echo(args: list[str]) -> str:
    newline, escapes = True, False
    while args and args[0] in ("-n", "-e", "-ne", "-en"):
        newline = newline and "n" not in args[0]
        escapes = escapes or "e" in args[0]
        args = args[1:]
    text = " ".join(args)
    if escapes:
        text = text.encode().decode("unicode_escape")
    return text + ("\n" if newline else "")


def _printf(args: list[str]) -> str:
    if not args:
        return ""
    fmt = args[0].encode().decode("unicode_escape")
    values = iter(args[1:])
    return re.sub(r"%s", lambda _: next(values, ""), fmt)


def _copy_or_move(name: str, sources: list[str], dest: str, files: Files) -> None:
    for source in sources:
        into = files.is_dir(dest) or len(sources) > 1
        root = posixpath.join(dest, posixpath.basename(source)) if into else dest
        for path in files.under(source):
            rel = posixpath.relpath(path, source)
            files.write(posixpath.normpath(root if rel == "." else posixpath.join(root, rel)), *files.entries[path])
        if name == "mv":
            files.remove(source)


def _chmod(mode: str, paths: list[str], files: Files) -> None:
    for path in paths:
        for p in files.under(path):
            data, current = files.entries[p]
            if mode.isdigit():
                current = int(mode, 8)
            elif "+x" in mode:
                current |= 0o111
            elif "-x" in mode:
                current &= ~0o111
            files.entries[p] = (data, current)


def _pip_install(words: list[str], files: Files, cwd: str, line: int) -> list[str]:
    """pip install: fine when the course's Python has every package (nothing to download); else an InvalidInput."""
    from importlib import metadata

    requested: list[str] = []
    rest = words[words.index("install") + 1:]
    i = 0
    while i < len(rest):
        word = rest[i]
        if word in ("-r", "--requirement") and i + 1 < len(rest):
            requested += _requirements(_path(cwd, rest[i + 1]), files, line)
            i += 2
            continue
        if not word.startswith("-") and not word.startswith("."):
            requested.append(word)
        i += 1
    missing, present = [], []
    for spec in requested:
        name = re.split(r"[\[<>=!~;@ ]", spec, maxsplit=1)[0]
        if not name:
            continue
        try:
            present.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            missing.append(name)
    if missing:
        raise InvalidInput(f"Dockerfile line {line}: pip install {', '.join(missing)}: not in the course's Python, "
                           "and a push in mock mode cannot download packages. Use what the course has (see "
                           "environment.yml), or ask for the package to be added to the course environment.")
    if not present:
        return []
    return [f"RUN pip install: already in the course's Python ({', '.join(present)}); nothing downloaded"]


def _requirements(path: str, files: Files, line: int) -> list[str]:
    if path not in files.entries:
        raise InvalidInput(f"Dockerfile line {line}: pip install -r {path}: the image has no such file yet; COPY "
                           "it in before this RUN step.")
    out = []
    for raw in files.entries[path][0].decode("utf-8", "replace").splitlines():
        text = raw.split("#", 1)[0].strip()
        if text and not text.startswith("-"):
            out.append(text)
    return out
