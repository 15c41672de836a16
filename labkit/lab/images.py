"""Images for the deployment workflow: `push_image` puts an image in the lab's ECR, in every mode.

Mock and local: no Docker. The image is built offline from a folder (`context=`, with its Dockerfile) or from
Dockerfile text (`labkit.mock.runtime.images`): its files are read at push time (edit them, push again), its
digest covers the Dockerfile and the files, and the built image goes to the process that runs tasks (this one,
or the `labkit server`), where a task of it runs for real. Real: with `docker` on PATH it is built and pushed;
without Docker, a public image stands in: the Dockerfile's base if it is a server that keeps running (nginx,
httpd), else a web server on the port the Dockerfile exposes, so that a service does not crash-loop on AWS.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from typing import Any

from labkit.errors import InvalidInput
from labkit.lab.session import Lab
from labkit.lab.tagging import of_lab
from labkit.mock.runtime import images as built_images
from labkit.mock.runtime.dockerfile import instructions

REPO_NAME = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")
DEFAULT_DOCKERFILE = "FROM public.ecr.aws/nginx/nginx:stable\nEXPOSE 80\n"
MANIFEST_TYPE = built_images.MANIFEST_TYPE
#: real mode without Docker: public images that keep serving (by the port the Dockerfile exposes)
FALLBACK_SERVERS = {80: "public.ecr.aws/nginx/nginx:stable", 8080: "public.ecr.aws/nginx/nginx-unprivileged:alpine"}


@dataclass(frozen=True)
class Image:
    """An image in ECR (or, in real mode without Docker, a public image reference)."""

    repository: str
    tag: str
    uri: str
    digest: str
    dockerfile_lines: int
    source: str = "ecr"
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = "in ECR" if self.source == "ecr" else "(public image; Docker was not available to build)"
        text = (f"Image {self.repository}:{self.tag} {where}, digest {self.digest[:19]}..., "
                f"from a {self.dockerfile_lines}-line Dockerfile")
        return text + "".join(f"\n  note: {n}" for n in self.notes)


def manifest_for(dockerfile_text: str) -> tuple[str, str]:
    """A Docker image manifest computed from Dockerfile text that adds no files, and its digest (stable)."""
    return built_images.manifest_for(dockerfile_text)


def _check(name: str, dockerfile_text: str | None, tag: str, context: Any) -> None:
    if not isinstance(name, str) or not REPO_NAME.match(name) or len(name) > 256:
        raise InvalidInput(f"image name {name!r} is not a valid ECR repository name; use lower-case letters, "
                           "digits and . _ - / (for example 'hello-web').")
    if dockerfile_text is not None and (not isinstance(dockerfile_text, str) or not dockerfile_text.strip()):
        raise InvalidInput("dockerfile_text is empty; give the text of a Dockerfile, e.g. 'FROM nginx:stable'.")
    if not isinstance(tag, str) or not re.match(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", tag):
        raise InvalidInput(f"tag {tag!r} is not a valid image tag; use letters, digits, '.', '_' or '-'.")
    if context is not None and not isinstance(context, (str, os.PathLike)):
        raise InvalidInput(f"context={context!r}; give the folder that holds your Dockerfile and app, e.g. 'app/'.")


def push_image(lab: Lab, name: str, dockerfile_text: str | None = None, tag: str = "latest", *,
               context: str | os.PathLike[str] | None = None) -> Image:
    """Put an image in the lab's ECR repository `name`, built from `context` (a folder) or `dockerfile_text`.

    Without either, a small nginx image (DEFAULT_DOCKERFILE). Mock/local: built offline, no Docker needed (see the
    module); a RUN step that needs the internet is refused with what to do instead. Real: built with `docker`.
    """
    if dockerfile_text is None and context is None:
        dockerfile_text = DEFAULT_DOCKERFILE
    _check(name, dockerfile_text, tag, context)
    if lab.mode == "real":
        return _push_real(lab, name, dockerfile_text, tag, context)
    image, manifest, digest, text = built_images.build_image(dockerfile_text, context)
    ecr = lab.client("ecr")
    uri = f"{_ensure_repository(lab, ecr, name)['repositoryUri']}:{tag}"
    existing = ecr.batch_get_image(repositoryName=name, imageIds=[{"imageTag": tag}])["images"]
    if not existing or existing[0]["imageId"].get("imageDigest") != digest:
        ecr.put_image(repositoryName=name, imageManifest=manifest, imageManifestMediaType=MANIFEST_TYPE,
                      imageTag=tag, imageDigest=digest)
    lab._control.put_image(digest, image)
    return Image(repository=name, tag=tag, uri=uri, digest=digest, dockerfile_lines=_lines(text),
                 notes=tuple(image.notes))


def _lines(text: str) -> int:
    return len([ln for ln in text.splitlines() if ln.strip()])


def _push_real(lab: Lab, name: str, dockerfile_text: str | None, tag: str, context: Any) -> Image:
    if dockerfile_text is None:
        path = os.path.join(os.fspath(context), "Dockerfile")
        if not os.path.isfile(path):
            raise InvalidInput(f"there is no Dockerfile in {os.fspath(context)!r}; put one there.")
        with open(path, encoding="utf-8") as f:
            dockerfile_text = f.read()
    lines = _lines(dockerfile_text)
    if not shutil.which("docker"):
        return Image(repository=name, tag=tag, uri=fallback_image(dockerfile_text), digest="sha256:unknown",
                     dockerfile_lines=lines, source="public")
    ecr = lab.client("ecr")
    uri = f"{_ensure_repository(lab, ecr, name)['repositoryUri']}:{tag}"
    digest = _docker_build_push(lab, ecr, dockerfile_text, uri, context)
    return Image(repository=name, tag=tag, uri=uri, digest=digest, dockerfile_lines=lines)


def _from_line(dockerfile_text: str) -> str:
    for word, rest, _ in instructions(dockerfile_text):
        parts = [p for p in rest.split() if not p.startswith("--platform")]
        if word == "FROM" and parts:
            image = parts[0]  # an official Docker Hub image ("nginx:1.27") comes from AWS's public mirror
            return image if "/" in image else f"public.ecr.aws/docker/library/{image}"
    raise InvalidInput("the Dockerfile has no FROM line; start it with e.g. 'FROM nginx:stable'.")


def fallback_image(dockerfile_text: str) -> str:
    """Real mode without Docker: the public image that stands in for the Dockerfile's, and keeps running.

    A server base (nginx, httpd) is used as it is. Any other base (python, node...) would run its default
    command, which exits at once (a crash loop in a service), so a web server on the exposed port stands in.
    """
    base = _from_line(dockerfile_text)
    if built_images.kind_of(base) in ("nginx", "httpd"):
        return base
    exposed = [int(p.split("/")[0]) for word, rest, _ in instructions(dockerfile_text) if word == "EXPOSE"
               for p in rest.split() if p.split("/")[0].isdigit()]
    port = next((p for p in exposed if p in FALLBACK_SERVERS), 80)
    return FALLBACK_SERVERS[port]


def _docker_build_push(lab: Lab, ecr: Any, dockerfile_text: str, uri: str, context: Any = None) -> str:
    """Real mode with Docker: log in to ECR, build (from the folder, or the Dockerfile text alone), push."""
    import base64
    import subprocess

    token = ecr.get_authorization_token()["authorizationData"][0]
    user, password = base64.b64decode(token["authorizationToken"]).decode().split(":", 1)
    registry = token["proxyEndpoint"]
    subprocess.run(["docker", "login", "--username", user, "--password-stdin", registry], input=password.encode(),
                   check=True, capture_output=True)
    where = os.fspath(context) if context is not None else "-"
    build = ["docker", "build", "-t", uri] + (["-f", "-", where] if context is not None else ["-"])
    subprocess.run(build, input=dockerfile_text.encode(), check=True, capture_output=True)
    out = subprocess.run(["docker", "push", uri], check=True, capture_output=True, text=True).stdout
    match = re.search(r"digest: (sha256:[0-9a-f]{64})", out)
    return match.group(1) if match else "sha256:unknown"


def _ensure_repository(lab: Lab, ecr: Any, name: str) -> dict[str, Any]:
    try:
        repo = ecr.describe_repositories(repositoryNames=[name])["repositories"][0]
    except ecr.exceptions.RepositoryNotFoundException:
        repo = ecr.create_repository(repositoryName=name, tags=lab.tag_list("Key"))["repository"]
        lab.record("repository", name)
        return repo
    if not of_lab(ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"], lab.id):
        raise InvalidInput(f"an ECR repository named {name!r} already exists and was not made by this lab; "
                           "choose another image name.")
    return repo
