"""Cowley2023 file handling: locations, SHA-1 checks, offline failure, downloads."""
from __future__ import annotations

import time

import pytest

from benchmarks import paths
from benchmarks.cowley2023 import files
from benchmarks.errors import DataNotAvailableError
from benchmarks.fileio import ChecksumError

RAW = files.raw_file("210325")


def test_data_root_precedence(monkeypatch, tmp_path, isolated_environment):
    assert paths.data_root() == isolated_environment / "data"
    monkeypatch.setenv("DYNVISION_DATA", str(tmp_path / "env"))
    assert paths.data_root() == tmp_path / "env"
    assert paths.data_root(tmp_path / "explicit") == tmp_path / "explicit"


def test_offline_missing_files_fail_fast_and_name_everything(tmp_path, all_files):
    start = time.monotonic()
    with pytest.raises(DataNotAvailableError) as info:
        files.locate([RAW, files.images_file("210325")], data_dir=tmp_path, offline=True)
    assert time.monotonic() - start < 2
    message = str(info.value)
    for needle in (RAW, "images/images_210325.zip", str(tmp_path / "cowley2023"), "DYNVISION_DATA",
                   "--data-dir", files.BASE_URL):
        assert needle in message
    assert all_files(tmp_path) == []


def test_failed_download_leaves_nothing(tmp_path, monkeypatch, all_files):
    monkeypatch.setattr(files, "BASE_URL", "http://127.0.0.1:9/nothing-listens-here")
    with pytest.raises(DataNotAvailableError, match="download failed"):
        files.locate([RAW], data_dir=tmp_path / "root", offline=False)
    assert not any(name.endswith(".npy") or ".part" in name for name in all_files(tmp_path))


def test_sha1_mismatch_of_local_file_is_detected(tmp_path):
    bad = files.dataset_dir(tmp_path) / RAW
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"not the published file")
    with pytest.raises(ChecksumError) as info:
        files.locate([RAW], data_dir=tmp_path, offline=True)
    assert str(bad) in str(info.value) and files.SHA1[RAW] in str(info.value)


def test_download_with_wrong_checksum_keeps_nothing(tmp_path, monkeypatch, all_files):
    source = tmp_path / "server"
    (source / "responses_raw").mkdir(parents=True)
    (source / RAW).write_bytes(b"tampered")
    monkeypatch.setattr(files, "BASE_URL", source.as_uri())
    with pytest.raises(ChecksumError, match="nothing was saved"):
        files.locate([RAW], data_dir=tmp_path / "root", offline=False)
    assert all_files(tmp_path / "root") in ([], ["cowley2023", "cowley2023/data_V4_responses",
                                                 "cowley2023/data_V4_responses/responses_raw"])


@pytest.mark.data
def test_download_verifies_and_renames(tmp_path, monkeypatch, shared_data_dir, all_files):
    # the shared folder has the upstream layout, so a file:// URL stands in for GitHub
    monkeypatch.setattr(files, "BASE_URL", files.dataset_dir(shared_data_dir).as_uri())
    name = files.averaged_file("210224")
    located = files.locate([name], data_dir=tmp_path, offline=False)
    assert located[name] == files.dataset_dir(tmp_path) / name
    assert [p for p in all_files(tmp_path) if ".part" in p] == []


def test_unknown_file_and_session_are_named(tmp_path):
    with pytest.raises(ValueError, match="unknown Cowley2023 file"):
        files.locate(["responses_raw/responses_999999.npy"], data_dir=tmp_path)
