"""labkit.mock.kept_models: botocore's data files (and moto's big resources) are parsed once per machine and read
from a kept copy afterwards, with the same content and types; a changed file is parsed afresh, and a folder that
cannot be written only means parsing as botocore does."""

from __future__ import annotations

import os
import pickle
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

import botocore.loaders
import pytest

from labkit.mock import kept_models


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LABKIT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A botocore-style data file (path given without its extension, as botocore's Loader asks for it)."""
    path = tmp_path / "data" / "service-2"
    path.parent.mkdir()
    path.with_suffix(".json").write_text('{"b": {"y": 1, "x": [1, 2]}, "a": "first"}')
    return path


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every parse botocore's own JSON loader makes."""
    seen: list[str] = []
    real = botocore.loaders.JSONFileLoader._load_file
    monkeypatch.setattr(botocore.loaders.JSONFileLoader, "_load_file",
                        lambda self, path, open_method: seen.append(path) or real(self, path, open_method))
    yield seen


def test_a_kept_parse_is_botocores_parse_with_its_ordered_dicts(cache: Path, data: Path, parses: list[str]) -> None:
    expected = botocore.loaders.JSONFileLoader().load_file(str(data))
    parses.clear()
    first = kept_models.KeptJSONFileLoader().load_file(str(data))
    again = kept_models.KeptJSONFileLoader().load_file(str(data))  # as a new process would: from the kept copy
    assert first == again == expected and list(again) == ["b", "a"]
    assert type(again) is OrderedDict and type(again["b"]) is OrderedDict
    assert len(parses) == 1 and len(list((cache / "botocore-models").iterdir())) == 1
    again["b"]["y"] = 2  # each load is a copy of its own: changing one changes nobody else's
    assert kept_models.KeptJSONFileLoader().load_file(str(data))["b"]["y"] == 1


def test_a_changed_file_is_parsed_afresh(cache: Path, data: Path, parses: list[str]) -> None:
    loader = kept_models.KeptJSONFileLoader()
    assert loader.load_file(str(data))["a"] == "first"
    data.with_suffix(".json").write_text('{"a": "second, and longer"}')
    assert loader.load_file(str(data)) == {"a": "second, and longer"} and len(parses) == 2


def test_a_broken_kept_copy_is_parsed_again_and_replaced(cache: Path, data: Path, parses: list[str]) -> None:
    loader = kept_models.KeptJSONFileLoader()
    loader.load_file(str(data))
    (copy,) = (cache / "botocore-models").iterdir()
    copy.write_bytes(b"not a pickle")
    assert loader.load_file(str(data))["a"] == "first"
    assert pickle.loads(copy.read_bytes())["a"] == "first" and len(parses) == 2


def test_a_folder_that_cannot_be_written_means_parsing_as_botocore_does(monkeypatch: pytest.MonkeyPatch,
                                                                       data: Path, parses: list[str]) -> None:
    monkeypatch.setenv("LABKIT_CACHE_DIR", os.devnull + "/labkit")  # under a file: no folder can be made there
    loader = kept_models.KeptJSONFileLoader()
    assert loader.load_file(str(data)) == loader.load_file(str(data)) and len(parses) == 2


def test_a_missing_file_is_none_as_for_botocore(cache: Path, tmp_path: Path) -> None:
    assert kept_models.KeptJSONFileLoader().load_file(str(tmp_path / "nothing")) is None
    assert not cache.exists()


def test_the_cache_folder_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("LABKIT_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert kept_models.cache_dir() == tmp_path / "xdg" / "labkit"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert kept_models.cache_dir() == tmp_path / "home" / ".cache" / "labkit"


def test_mock_mode_reads_botocore_and_moto_data_through_kept_copies(lab) -> None:
    """Once the mock has started, every new Loader (moto's too) reads through the kept copies."""
    from moto.core.utils import create_loader as moto_create_loader

    assert kept_models.installed()
    assert isinstance(botocore.loaders.create_loader().file_loader, kept_models.KeptJSONFileLoader)
    assert isinstance(moto_create_loader().file_loader, kept_models.KeptJSONFileLoader)
    assert lab.client("ec2").describe_availability_zones()["AvailabilityZones"]
