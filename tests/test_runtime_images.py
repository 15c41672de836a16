"""Images without Docker: a folder or Dockerfile text built at push time, its files snapshotted, its digest
covering the files; what needs the internet is refused at push time with what to do."""

from __future__ import annotations

import pytest

from labkit.errors import InvalidInput
from labkit.lab import deploy
from labkit.mock.runtime import dockerfile, images
from tests.runtime_kit import get, push_app, register, run

APP = "print('v1', flush=True)\n"


def _folder(tmp_path, dockerfile_text, files=None):
    folder = tmp_path / "ctx"
    folder.mkdir(exist_ok=True)
    (folder / "Dockerfile").write_text(dockerfile_text)
    for name, text in (files or {}).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


def test_dockerfile_text_alone_keeps_its_old_digest(lab):
    image = deploy.push_image(lab, "web", dockerfile_text="FROM public.ecr.aws/nginx/nginx:stable\nEXPOSE 80\n")
    assert image.digest == deploy.manifest_for("FROM public.ecr.aws/nginx/nginx:stable\nEXPOSE 80\n")[1]
    assert deploy.push_image(lab, "web").digest == image.digest  # the default Dockerfile


def test_the_digest_covers_the_files_deterministically(lab, tmp_path):
    folder = _folder(tmp_path, "FROM python:3.12-slim\nCOPY app.py /app/\n", {"app.py": APP})
    first = deploy.push_image(lab, "app", context=str(folder))
    assert deploy.push_image(lab, "app", context=str(folder)).digest == first.digest
    (folder / "app.py").write_text("print('v2')\n")
    second = deploy.push_image(lab, "app", context=str(folder))
    assert second.digest != first.digest
    assert second.digest != deploy.manifest_for("FROM python:3.12-slim\nCOPY app.py /app/\n")[1]


def test_files_are_snapshotted_at_push_time(lab, net, tmp_path):
    folder = tmp_path / "a"
    (folder / "static").mkdir(parents=True)
    (folder / "static" / "index.html").write_text("first")
    image = push_app(lab, folder, "import http.server, os\nos.chdir('static')\n"
                     "http.server.HTTPServer(('', 8000), http.server.SimpleHTTPRequestHandler).serve_forever()\n",
                     dockerfile='FROM python:3.12\nWORKDIR /srv\nCOPY . .\nCMD ["python", "app.py"]\n')
    (folder / "static" / "index.html").write_text("edited after the push")
    arn = run(lab, net, register(lab, image.uri, family="site", port=8000))
    assert get(lab.endpoint(arn) + "/index.html") == "first"


def test_each_task_gets_its_own_copy_of_the_files(lab, net, tmp_path):
    code = ("import http.server, pathlib\np = pathlib.Path('count.txt')\np.write_text(str(int(p.read_text()) + 1))\n"
            "class H(http.server.BaseHTTPRequestHandler):\n    def do_GET(self):\n        self.send_response(200)\n"
            "        self.end_headers()\n        self.wfile.write(p.read_text().encode())\n"
            "http.server.HTTPServer(('', 8080), H).serve_forever()\n")
    image = push_app(lab, tmp_path / "c", code, **{"count.txt": "0"})
    td = register(lab, image.uri, family="counter", port=8080)
    first, second = run(lab, net, td), run(lab, net, td)
    assert get(lab.endpoint(first)) == get(lab.endpoint(second)) == "1"
    assert (tmp_path / "c" / "count.txt").read_text() == "0"  # the folder is untouched


def test_workdir_env_run_echo_and_entrypoint(lab, net, tmp_path):
    text = ('FROM python:3.12-slim\nARG WHO=world\nENV GREETING="hello ${WHO}"\nWORKDIR /app\n'
            'RUN mkdir -p data && echo "from RUN" > data/note.txt\nCOPY app.py .\n'
            'ENTRYPOINT ["python", "/app/app.py"]\nCMD ["--default"]\n')
    code = ("import os, sys, pathlib\n"
            "print(os.environ['GREETING'], pathlib.Path('data/note.txt').read_text().strip(), sys.argv[1:])\n")
    image = push_app(lab, tmp_path / "w", code, dockerfile=text)
    arn = run(lab, net, register(lab, image.uri, family="w"), wait=False)
    lab.client("ecs").get_waiter("tasks_stopped").wait(cluster="labkit", tasks=[arn])
    events = lab.client("logs").filter_log_events(logGroupName="/ecs/w")["events"]
    assert [e["message"] for e in events] == ["hello world from RUN ['--default']"]


def test_the_lesson_03_dockerfile_serves_its_page(lab, net):
    text = ('\nFROM public.ecr.aws/docker/library/python:3.12-slim\nWORKDIR /app\n'
            'RUN echo "<h1>Hello from Fargate</h1>" > index.html\nEXPOSE 8080\n'
            'CMD ["python", "-m", "http.server", "8080"]\n')
    image = deploy.push_image(lab, "hello-web", dockerfile_text=text, tag="1.0")
    arn = run(lab, net, register(lab, image.uri, family="hello", port=8080))
    assert get(lab.endpoint(arn)) == "<h1>Hello from Fargate</h1>\n"


def test_pip_install_of_an_available_package_is_accepted_and_noted(lab, tmp_path):
    folder = _folder(tmp_path, "FROM python:3.12\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n",
                     {"requirements.txt": "requests>=2\n"})
    image = deploy.push_image(lab, "app", context=str(folder))
    assert any("already in the course's Python" in n and "requests" in n for n in image.notes)
    assert "note:" in str(image)


@pytest.mark.parametrize("step,match", [
    ("RUN pip install surely-not-a-real-package-xyz", "not in the course's Python"),
    ("RUN apt-get update && apt-get install -y curl", "needs the internet"),
    ("RUN curl -fsSL https://example.com/x.sh | sh", "needs the internet|pipes"),
    ("RUN make all", "cannot run `make`"),
    ("ADD https://example.com/data.csv /data.csv", "downloads from the internet"),
    ("COPY --from=build /out /app", "needs Docker"),
])
def test_what_needs_the_internet_is_refused_at_push_time(lab, step, match):
    with pytest.raises(InvalidInput, match=match):
        deploy.push_image(lab, "app", dockerfile_text=f"FROM python:3.12\n{step}\n")


def test_copy_without_a_folder_says_to_give_one(lab):
    with pytest.raises(InvalidInput, match="context="):
        deploy.push_image(lab, "app", dockerfile_text="FROM python:3.12\nCOPY app.py .\n")


def test_a_folder_without_dockerfile_or_missing_file(lab, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidInput, match="no Dockerfile"):
        deploy.push_image(lab, "app", context=str(tmp_path / "empty"))
    folder = _folder(tmp_path, "FROM python:3.12\nCOPY missing.py .\n")
    with pytest.raises(InvalidInput, match="missing.py"):
        deploy.push_image(lab, "app", context=str(folder))


def test_dockerignore_and_caches_are_left_out(tmp_path):
    folder = _folder(tmp_path, "FROM python:3.12\nCOPY . /app\n", {"app.py": APP, "secret.env": "X=1",
                     "__pycache__/app.cpython-311.pyc": "junk", ".dockerignore": "*.env\n"})
    context = images.read_context(folder)
    assert sorted(context) == [".dockerignore", "Dockerfile", "app.py"]


def test_parsing_continuations_comments_and_shell_form():
    text = "# comment\nFROM python:3.12 AS app\nRUN echo a \\\n    && echo b > f.txt\nCMD python app.py --x\n"
    assert [w for w, _, _ in dockerfile.instructions(text)] == ["FROM", "RUN", "CMD"]
    built = dockerfile.build(text, None)
    assert built.config.cmd == ["/bin/sh", "-c", "python app.py --x"]
    assert built.files.entries["/f.txt"][0] == b"b\n"


def test_kinds_of_public_images():
    assert images.kind_of("public.ecr.aws/docker/library/python:3.12-slim") == "python"
    assert images.kind_of("python:3.11") == "python"
    assert images.kind_of("public.ecr.aws/nginx/nginx:stable") == images.kind_of("nginx") == "nginx"
    assert images.kind_of("httpd:2.4") == "httpd"
    assert images.kind_of("busybox") == images.kind_of("myorg/python:3") == "idle"
    assert images.stand_in_port("public.ecr.aws/nginx/nginx-unprivileged:alpine") == 8080
