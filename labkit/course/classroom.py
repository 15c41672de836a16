"""The nbgitpuller link that gives each learner of a class the course on a JupyterHub and opens a lesson.

A learner who follows it logs in, gets a server, and nbgitpuller clones the course repository into a folder of
their home (or merges what changed since, keeping their edits), then opens the lesson in JupyterLab. The hub's
configurations in `deploy/` use `pull_path` as the page a server opens first, so that logging in does the same.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

from labkit.course.lessons import LESSONS
from labkit.errors import InvalidInput

FIRST_LESSON = "00_start_here"
_GIT_URL = re.compile(r"^(?:(?:https?|git|ssh|file)://\S+|[\w.-]+@[\w.-]+:\S+)$")  # URL, or scp-like git@host:path
_REF = re.compile(r"^(?!-)(?!.*\.\.)[\w./-]+(?<![./])$")
_FOLDER = re.compile(r"^(?!\.{1,2}$)[\w.-]+$")


def course_folder(repo: str) -> str:
    """The folder a learner's copy goes into: the repository's name (`.../fargate-lab-kit.git` -> fargate-lab-kit)."""
    name = repo.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return name[:-4] if name.endswith(".git") else name


def _check(repo: str, branch: str, lesson: str, folder: str | None) -> tuple[str, str]:
    """(folder, notebook path inside it), or InvalidInput saying what to give instead."""
    if not isinstance(repo, str) or not _GIT_URL.match(repo.strip()):
        raise InvalidInput(f"repo {repo!r} is not a git URL; give the course repository as learners' servers reach "
                           "it, e.g. https://github.com/OWNER/fargate-lab-kit")
    if not isinstance(branch, str) or not _REF.match(branch):
        raise InvalidInput(f"branch {branch!r} is not a git branch name; give one such as 'main'.")
    names = [lesson_.name for lesson_ in LESSONS]
    name = lesson.removesuffix(".ipynb") if isinstance(lesson, str) else lesson
    if name not in names:
        raise InvalidInput(f"lesson {lesson!r} is not in the course; give one of {', '.join(names)}.")
    folder = course_folder(repo.strip()) if folder is None else folder
    if not isinstance(folder, str) or not _FOLDER.match(folder):
        raise InvalidInput(f"folder {folder!r} cannot hold the course in a learner's home; give a plain folder "
                           "name such as 'fargate-lab-kit'.")
    notebook = next(lesson_.notebook for lesson_ in LESSONS if lesson_.name == name)
    return folder, notebook.as_posix()


def pull_path(repo: str, *, branch: str = "main", lesson: str = FIRST_LESSON, folder: str | None = None) -> str:
    """nbgitpuller's page on a learner's server, `/git-pull?repo=...&branch=...&targetpath=...&urlpath=...`:
    pull the course into `folder` (default: the repository's name), then open `lesson` in JupyterLab.

    This is what a hub opens first (JupyterHub's `Spawner.default_url`, Zero to JupyterHub's `singleuser.defaultUrl`).
    """
    folder, notebook = _check(repo, branch, lesson, folder)
    query = urlencode([("repo", repo.strip()), ("branch", branch), ("targetpath", folder),
                       ("urlpath", f"lab/tree/{folder}/{notebook}")])
    return f"/git-pull?{query}"


def class_link(hub: str, repo: str, *, branch: str = "main", lesson: str = FIRST_LESSON,
               folder: str | None = None) -> str:
    """The link to give a class: `HUB/hub/user-redirect/git-pull?...`, which logs a learner in on `hub`, starts
    their server, pulls the course and opens `lesson` (see `pull_path`)."""
    parts = urlsplit(hub.strip()) if isinstance(hub, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise InvalidInput(f"hub {hub!r} is not a JupyterHub's address; give the URL learners open, such as "
                           "https://hub.example.edu (with its path if the hub has one).")
    base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
    return f"{base}/hub/user-redirect{pull_path(repo, branch=branch, lesson=lesson, folder=folder)}"
