"""Brain-Score benchmarks offline: fail within seconds, say what is missing and where, leave nothing behind."""
from __future__ import annotations

import os
import time

import pytest

from benchmarks import brainscore_data, catalog
from benchmarks.brainscore_env import configure_brainscore_environment
from benchmarks.errors import DataNotAvailableError

# the tests move Brain-Score's folders after it was imported, which this warning is about
pytestmark = pytest.mark.filterwarnings("ignore:configure_brainscore_environment")


@pytest.fixture
def brainscore_caches(tmp_path, monkeypatch):
    """Brain-Score's caches inside tmp_path; returns that folder."""
    from brainscore_core.supported_data_standards.brainio import fetch
    caches = tmp_path / "caches"
    monkeypatch.setenv("BRAINIO_HOME", str(caches / "brainio"))
    monkeypatch.setenv("RESULTCACHING_HOME", str(caches / "result_caching"))
    monkeypatch.setenv("BRAINSCORE_HOME", str(caches / "brain-score"))
    # Brain-Score memoises BRAINIO_HOME on its first fetch; its own tests reset it the same way
    monkeypatch.setattr(fetch, "_local_data_path", None)
    return caches


@pytest.mark.parametrize("name", ["majajhong", "cowley2026"])
def test_offline_load_fails_fast_with_a_useful_message(name, brainscore_caches, isolated_environment, all_files):
    identifier = catalog.resolve(name)[0]
    start = time.monotonic()
    with pytest.raises(DataNotAvailableError) as info:
        catalog.load_benchmark(identifier)
    assert time.monotonic() - start < 30  # mostly importing the plugin; no network attempt
    message = str(info.value)
    dataset = {"majajhong": "MajajHong2015", "cowley2026": "Cowley2026"}[name]
    for needle in (identifier, dataset, str(brainscore_caches / "brainio"), "BRAINIO_HOME",
                   "internet access", "s3.amazonaws.com"):
        assert needle in message, needle
    assert all_files(brainscore_caches) == []  # not even an empty folder
    assert all_files(isolated_environment / "cache") == []  # no manifest for a failed load


def test_unreachable_s3_counts_as_offline(brainscore_caches, monkeypatch, all_files):
    monkeypatch.delenv("DYNVISION_OFFLINE")
    monkeypatch.setattr(brainscore_data, "s3_reachable", lambda timeout=3.0: False)  # never touch the network
    with pytest.raises(DataNotAvailableError, match="no connection to brainscore-storage"):
        catalog.load_benchmark("FreemanZiemba2013public.V1-pls")
    assert all_files(brainscore_caches) == []


def test_data_available_reports_missing_brainscore_data(brainscore_caches, all_files):
    ok, reason = catalog.data_available("majajhong")
    assert not ok
    assert "MajajHong2015public.V4-pls" in reason and "MajajHong2015public.IT-pls" in reason
    assert "availability checks never download" in reason
    assert all_files(brainscore_caches) == []


def test_manifest_answers_availability_without_loading(brainscore_caches, monkeypatch):
    home = brainscore_caches / "brainio"
    entry = brainscore_data.CachedFile("assy_x.nc", "ab" * 20, "https://example.org/assy_x.nc")
    brainscore_data._write_manifest("Some.V4-pls", [entry])
    monkeypatch.setattr(brainscore_data, "_load", lambda *a, **k: pytest.fail("must not load"))
    ok, reason = brainscore_data.brainscore_data_available("Some.V4-pls")
    assert not ok and str(entry.path(home)) in reason
    entry.path(home).parent.mkdir(parents=True)
    entry.path(home).write_bytes(b"")
    assert brainscore_data.brainscore_data_available("Some.V4-pls")[0]


def test_configure_environment_defaults_and_respects_user_values(monkeypatch, isolated_environment):
    for name in ("BRAINIO_HOME", "RESULTCACHING_HOME", "BRAINSCORE_HOME", "MT_HOME", "BS_INSTALL_DEPENDENCIES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BRAINSCORE_HOME", "/somewhere/else")
    settings = configure_brainscore_environment()
    assert settings["BS_INSTALL_DEPENDENCIES"] == "no" == os.environ["BS_INSTALL_DEPENDENCIES"]
    assert settings["BRAINIO_HOME"] == str(isolated_environment / "brainscore" / "brainio")
    assert settings["RESULTCACHING_HOME"] == str(isolated_environment / "brainscore" / "result_caching")
    assert settings["BRAINSCORE_HOME"] == "/somewhere/else"


def test_cached_files_are_served_offline(brainscore_caches):
    from brainscore_core.supported_data_standards.brainio import s3

    from benchmarks.fileio import sha1_of
    payload = brainscore_caches / "payload"
    payload.parent.mkdir(parents=True, exist_ok=True)
    payload.write_bytes(b"an assembly")
    sha1 = sha1_of(payload)
    cached = brainscore_caches / "brainio" / sha1 / "assy_Toy_data.nc"
    cached.parent.mkdir(parents=True)
    payload.rename(cached)
    record = []
    with brainscore_data.guard_downloads("Toy.V4-pls", offline=True, record=record):
        path = s3.get_path("Toy.data", "nc", "brainscore-storage", "null", sha1)
    assert path == str(cached)
    assert [entry.filename for entry in record] == ["assy_Toy_data.nc"]
    assert s3.fetch_file is not None and s3.fetch_file.__name__ == "fetch_file"  # restored
