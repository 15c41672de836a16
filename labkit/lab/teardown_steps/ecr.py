"""ECR's teardown: the lab's repositories, with their images."""

from __future__ import annotations

from typing import Any

from labkit.lab.listing import paginate
from labkit.lab.tagging import tag_dict
from labkit.lab.teardown_steps.run import Run, quietly


def remove(ecr: Any, run: Run) -> None:
    """Repositories the lab recorded or tagged, images and all."""
    recorded = run.recorded.get("repository", set())
    for repo in paginate(ecr, "describe_repositories", "repositories"):
        name = repo["repositoryName"]
        arn = repo["repositoryArn"]
        if name in recorded or run.match(tag_dict(quietly(
                lambda a=arn: ecr.list_tags_for_resource(resourceArn=a).get("tags", [])))):
            run.attempt("repository", name, lambda n=name: ecr.delete_repository(repositoryName=n, force=True))
