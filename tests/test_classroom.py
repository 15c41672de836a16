"""The nbgitpuller link a class is given (`labkit class-link`): its format, the lesson it opens exists, bad input."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from labkit.course.classroom import class_link, course_folder, pull_path
from labkit.course.lessons import LESSONS
from labkit.errors import InvalidInput
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[1]
REPO = "https://github.com/OWNER/fargate-lab-kit"


def _query(link: str) -> dict[str, str]:
    parsed = parse_qs(urlsplit(link).query, strict_parsing=True)
    assert all(len(values) == 1 for values in parsed.values()), parsed
    return {key: values[0] for key, values in parsed.items()}


def test_the_link_logs_in_on_the_hub_then_pulls_the_course_and_opens_lesson_00() -> None:
    link = class_link("https://hub.example.edu", REPO)
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "hub.example.edu", "/hub/user-redirect/git-pull")
    assert _query(link) == {"repo": REPO, "branch": "main", "targetpath": "fargate-lab-kit",
                            "urlpath": "lab/tree/fargate-lab-kit/notebooks/00_start_here.ipynb"}


@pytest.mark.parametrize("lesson", [lesson.name for lesson in LESSONS])
def test_every_lesson_link_opens_a_notebook_of_the_course(lesson: str) -> None:
    query = _query(class_link("https://hub.example.edu", REPO, lesson=lesson))
    folder = query["targetpath"]
    urlpath = query["urlpath"]
    assert urlpath.startswith(f"lab/tree/{folder}/")  # the lesson is inside the folder nbgitpuller pulls into
    assert (ROOT / urlpath.removeprefix(f"lab/tree/{folder}/")).is_file()


def test_a_hub_under_a_path_keeps_it_and_the_server_path_is_the_links_tail() -> None:
    link = class_link("https://uni.example.edu/jupyter/", REPO, branch="fall-2026", lesson="04_pricing.ipynb")
    path = pull_path(REPO, branch="fall-2026", lesson="04_pricing")
    assert link == "https://uni.example.edu/jupyter/hub/user-redirect" + path
    assert path.startswith("/git-pull?") and _query(path)["branch"] == "fall-2026"


@pytest.mark.parametrize(("repo", "folder"), [
    ("https://github.com/OWNER/fargate-lab-kit.git", "fargate-lab-kit"),
    ("https://gitlab.example.edu/teach/fargate-course/", "fargate-course"),
    ("git@github.com:OWNER/labs.git", "labs"),
    ("file:///srv/course.git", "course"),
])
def test_the_course_goes_into_a_folder_named_after_the_repository(repo: str, folder: str) -> None:
    assert course_folder(repo) == folder
    query = _query(pull_path(repo))
    assert query["targetpath"] == folder and query["urlpath"].startswith(f"lab/tree/{folder}/notebooks/")
    assert _query(pull_path(repo, folder="course"))["urlpath"] == "lab/tree/course/notebooks/00_start_here.ipynb"


@pytest.mark.parametrize(("kwargs", "says"), [
    ({"hub": "hub.example.edu"}, "not a JupyterHub's address"),
    ({"hub": "ftp://hub.example.edu"}, "not a JupyterHub's address"),
    ({"hub": "https://hub.example.edu/?next=x"}, "not a JupyterHub's address"),
    ({"repo": "fargate-lab-kit"}, "not a git URL"),
    ({"repo": "https://github.com/OWNER/fargate lab kit"}, "not a git URL"),
    ({"branch": "-main"}, "not a git branch name"),
    ({"branch": "a..b"}, "not a git branch name"),
    ({"lesson": "08_kubernetes"}, "not in the course; give one of 00_start_here, 01_recap_orchestration"),
    ({"folder": "../elsewhere"}, "cannot hold the course"),
    ({"folder": ".."}, "cannot hold the course"),
])
def test_bad_input_says_what_to_give(kwargs: dict[str, str], says: str) -> None:
    given = {"hub": "https://hub.example.edu", "repo": REPO, **kwargs}
    with pytest.raises(InvalidInput, match=says.replace("(", r"\(").replace(")", r"\)")):
        class_link(given.pop("hub"), given.pop("repo"), **given)


def test_the_command_prints_the_link_or_the_server_path(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "class-link", "--hub", "https://hub.example.edu", "--repo", REPO,
                             "--lesson", "07_debugging")
    assert (code, err) == (0, "")
    assert out.strip() == class_link("https://hub.example.edu", REPO, lesson="07_debugging")
    code, out, _ = run_cli(capsys, "class-link", "--repo", REPO, "--branch", "spring")
    assert code == 0 and out.strip() == pull_path(REPO, branch="spring")


def test_the_command_refuses_bad_input_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "class-link", "--hub", "https://hub.example.edu", "--repo", "nope")
    assert code == 1 and out == ""
    assert err.startswith("labkit class-link: repo 'nope' is not a git URL") and "Traceback" not in err
