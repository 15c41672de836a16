"""Every section of the course's source text is taught somewhere, by a cell that still says so.

Each lesson lists, in tests/coverage_map/<lesson>.json, the seed subsections it teaches and a phrase (or cell id)
from the teaching cell. The test fails when a subsection loses all its cells, or a listed phrase vanishes.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
MAPS = sorted((ROOT / "tests" / "coverage_map").glob("*.json"))

# The source text's sections and their subsections (seed: AWS Fargate: Serverless Compute for Containers).
SEED_SECTIONS = {
    "1. Recap: Container Orchestration & Compute Platforms": [
        "Container Orchestrators", "Traditional Compute Approach", "Why Serverless for Containers?"],
    "2. What is AWS Fargate?": [
        "Abstracted Compute Infrastructure", "Use Familiar ECS/EKS Concepts", "Native AWS Integrations",
        # Key Features at a Glance
        "Serverless", "Scalable and Managed", "Workload Isolation", "ECS and EKS Support", "Pay-as-You-Go"],
    "3. How AWS Fargate Works": [
        "Build and Store Your Container Images", "Define Your Application Requirements", "Deploy Your Containers",
        "Cost Efficiency"],
    "4. Pricing and Flexibility": ["Cost Model", "Flexible Pricing Options"],
    "5. Use Cases": ["Microservice Architectures", "Batch Processing", "Machine Learning Applications",
                     "Cloud Migrations"],
}
SUBSECTIONS = [s for subs in SEED_SECTIONS.values() for s in subs]


def cell_texts(lesson: str) -> list[tuple[str, str]]:
    nb = nbformat.read(ROOT / "notebooks" / f"{lesson}.ipynb", as_version=4)
    return [(cell.get("id", ""), cell.source) for cell in nb.cells]


def teaching_cells() -> dict[str, list[str]]:
    """Subsection -> ["lesson: phrase", ...] for every phrase that is still found in its lesson."""
    found: dict[str, list[str]] = {s: [] for s in SUBSECTIONS}
    for path in MAPS:
        texts = cell_texts(path.stem)
        for subsection, phrases in json.loads(path.read_text()).items():
            for phrase in phrases:
                if any(phrase == cid or phrase in src for cid, src in texts):
                    found.setdefault(subsection, []).append(f"{path.stem}: {phrase}")
    return found


def test_maps_exist_and_name_real_lessons():
    assert MAPS, "no coverage maps in tests/coverage_map/"
    for path in MAPS:
        assert (ROOT / "notebooks" / f"{path.stem}.ipynb").exists(), f"{path.name} names a lesson that is gone"


def test_maps_only_use_seed_subsections():
    for path in MAPS:
        unknown = set(json.loads(path.read_text())) - set(SUBSECTIONS)
        assert not unknown, f"{path.name}: not subsections of the source text: {sorted(unknown)}"


@pytest.mark.parametrize("path", MAPS, ids=lambda p: p.stem)
def test_every_listed_phrase_is_still_in_its_lesson(path):
    texts = cell_texts(path.stem)
    missing = [phrase for phrases in json.loads(path.read_text()).values() for phrase in phrases
               if not any(phrase == cid or phrase in src for cid, src in texts)]
    assert not missing, f"{path.stem} no longer contains: {missing}"


@pytest.mark.parametrize("subsection", SUBSECTIONS)
def test_every_section_of_the_source_text_is_taught(subsection):
    assert teaching_cells()[subsection], f"no lesson cell teaches '{subsection}'"
