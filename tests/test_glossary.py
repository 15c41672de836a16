"""labkit.model.glossary and notebooks/glossary.ipynb: every term sourced and dated, looked up by any of its names,
its numbers read from labkit.data, the notebook equal to the data, and every glossary link in a notebook landing on
a term."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

import labkit
import labkit.data
from labkit.course.lessons import LESSONS
from labkit.data import facts, read_json
from labkit.errors import InvalidInput
from labkit.model import glossary as gl
from tools import glossary_notebook

ROOT = Path(__file__).resolve().parents[1]
ENTRIES = read_json("glossary.json")["terms"]
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
GLOSSARY_LINK = re.compile(r"\(((?:\.\./)*glossary\.ipynb)(?:#([^)\s]+))?\)")
# Lessons whose first cell does not link to the glossary yet: notes/reading-edits.md says what to add to each.
# Once a lesson links, the test below asks for it to leave this set, so it can only shrink.
LINK_PENDING: set[str] = set()


def sources(path: Path) -> list[tuple[str, str]]:
    """(cell type, source) of a notebook's cells."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [(c["cell_type"], "".join(c["source"])) for c in nb["cells"]]


# ---------------------------------------------------------------- the data
@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["term"])
def test_every_term_has_one_sentence_a_page_that_says_more_and_a_date(entry):
    definition = entry["definition"]
    assert definition[0].isupper() and definition.endswith(".") and "\n" not in definition
    assert len(definition) <= 260, "one line: keep the definition to a sentence"
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 -]*", entry["term"]), "a term makes a plain heading id"
    url = entry["url"]
    assert url.startswith("https://") or (ROOT / "notebooks" / url).is_file(), url
    assert entry["source"] and re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry["as_of"])


def test_each_name_of_a_term_belongs_to_one_term_only():
    seen: dict[str, str] = {}
    for entry in ENTRIES:
        for key in (entry["term"], entry.get("name", ""), *entry.get("aliases", ())):
            if key:
                owner = seen.setdefault(key.casefold(), entry["term"])
                assert owner == entry["term"], f"{key!r} names both {owner!r} and {entry['term']!r}"


def test_the_glossary_is_alphabetical_and_complete():
    names = [t.term for t in gl.glossary()]
    assert names == sorted(names, key=str.casefold) and len(names) == len(ENTRIES)
    assert {"ENI", "IAM", "ARN", "Amazon ECR", "CloudWatch Logs", "subnet", "security group", "platform version",
            "Auto Scaling group", "ECS-optimized AMI", "VPC", "task definition", "capacity provider"} <= set(names)


def test_numbers_in_definitions_are_read_from_the_facts(monkeypatch):
    entry = next(e for e in ENTRIES if e["term"] == "CPU units")
    assert "{fact:units.cpu_units_per_vcpu}" in entry["definition"]
    assert f"1 vCPU is {facts()['units']['cpu_units_per_vcpu']} CPU units" in labkit.term("CPU units").definition
    changed = copy.deepcopy(facts())
    changed["units"]["cpu_units_per_vcpu"] = 2048
    monkeypatch.setattr(labkit.data, "facts", lambda: changed)
    assert "1 vCPU is 2048 CPU units" in gl._term(entry).definition
    years = facts()["discounts"]["savings_plan_terms_years"]
    assert " or ".join(map(str, years)) + " years" in labkit.term("Savings Plan").definition
    assert not any("{" in t.definition for t in gl.glossary())


def test_a_missing_fact_is_an_error_not_a_blank():
    with pytest.raises(KeyError, match="no fact 'units.nope'"):
        labkit.data.fill_facts("{fact:units.nope}")


# ---------------------------------------------------------------- looking a term up
@pytest.mark.parametrize("word, term", [
    ("ENI", "ENI"), ("eni", "ENI"), ("Elastic Network Interface", "ENI"), ("  ENIs ", "ENI"),
    ("ARN", "ARN"), ("Amazon Resource Name", "ARN"), ("execution role", "task execution role"),
    ("ECR", "Amazon ECR"), ("FARGATE_SPOT", "Fargate Spot"), ("AMI", "ECS-optimized AMI"),
])
def test_a_term_is_found_by_any_of_its_names(word, term):
    assert labkit.term(word).term == term


def test_an_unknown_word_says_what_is_close_and_where_the_list_is():
    with pytest.raises(InvalidInput, match=r"'secruity grup' is not in the course glossary\. Did you mean "
                                           r"'security group'\?.*glossary\.ipynb"):
        labkit.term("secruity grup")
    with pytest.raises(InvalidInput, match="labkit.term\\('ENI'\\)"):
        labkit.term("")
    with pytest.raises(InvalidInput):
        labkit.term(42)


def test_a_term_shows_its_definition_and_its_source_as_text_and_html():
    eni = labkit.term("ENI")
    assert str(eni).startswith("ENI (elastic network interface): A virtual network card")
    assert eni.url in str(eni) and eni.as_of in str(eni)
    assert "<code>awsvpc</code>" in eni._repr_html_() and f'href="{eni.url}"' in eni._repr_html_()
    assert eni.link == "glossary.ipynb#ENI" and labkit.term("security group").anchor == "security-group"
    assert "term" in labkit.__all__


# ---------------------------------------------------------------- the notebook
def test_the_glossary_notebook_is_the_data_rendered():
    page = ROOT / "notebooks" / gl.NOTEBOOK
    assert sources(page) == glossary_notebook.cells(), "run `python -m tools.glossary_notebook`, then execute it"
    headings = [line[4:] for kind, text in sources(page) if kind == "markdown"
                for line in text.splitlines() if line.startswith("### ")]
    assert headings == [t.term for t in gl.glossary()]


def test_writing_the_notebook_twice_gives_the_same_file(tmp_path):
    path = glossary_notebook.write(tmp_path / "glossary.ipynb")
    first = path.read_text(encoding="utf-8")
    assert glossary_notebook.write(path).read_text(encoding="utf-8") == first


def anchors() -> set[str]:
    """Every heading id of the glossary notebook, as JupyterLab makes them (spaces become dashes)."""
    return {line.lstrip("#").strip().replace(" ", "-") for kind, text in sources(ROOT / "notebooks" / gl.NOTEBOOK)
            if kind == "markdown" for line in text.splitlines() if line.startswith("#")}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_glossary_link_lands_on_a_heading(path):
    for kind, text in sources(path):
        if kind != "markdown":
            continue
        for target, anchor in GLOSSARY_LINK.findall(text):
            if path.name == gl.NOTEBOOK:
                continue
            depth = len(path.relative_to(ROOT / "notebooks").parts) - 1
            assert target == "../" * depth + gl.NOTEBOOK, f"{path.name}: link {target!r} does not reach the glossary"
            assert not anchor or anchor in anchors(), f"{path.name}: glossary.ipynb#{anchor} is no term"
    if path.name == gl.NOTEBOOK:
        in_page = re.findall(r"\]\(#([^)]+)\)", "\n".join(text for _, text in sources(path)))
        assert in_page and set(in_page) <= anchors()


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.name)
def test_every_lesson_links_to_the_glossary_from_its_first_cell(lesson):
    kind, first = sources(ROOT / lesson.notebook)[0]
    links = kind == "markdown" and bool(GLOSSARY_LINK.search(first))
    if lesson.name in LINK_PENDING:
        assert not links, f"{lesson.name} links to the glossary now: remove it from LINK_PENDING"
    else:
        assert links, f"{lesson.name}: its first cell should link to the glossary"
