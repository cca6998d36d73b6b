"""The benchmark catalog: aliases, exact ids, own benchmarks, paths, suggestions."""
from __future__ import annotations

import subprocess
import sys

import pytest

from benchmarks import catalog
from dynvision.registry import UnknownNameError

EXPECTED_ALIASES = {
    "majajhong": ["MajajHong2015public.V4-pls", "MajajHong2015public.IT-pls"],
    "majajhong-temporal": ["MajajHong2015public.V4-temporal-pls", "MajajHong2015public.IT-temporal-pls"],
    "freemanziemba": ["FreemanZiemba2013public.V1-pls", "FreemanZiemba2013public.V2-pls"],
    "cowley2026": ["Cowley2026.V4-pls"],
    "rajalingham2018": ["Rajalingham2018public-i2n"],
    "imagenet": ["ImageNet-top1"],
    "cowley2023": ["Cowley2023.V4-pls", "Cowley2023.V4-pls-raw"],
}


@pytest.mark.parametrize("alias, expected", sorted(EXPECTED_ALIASES.items()))
def test_alias_expands_to_exact_ids(alias, expected):
    assert catalog.resolve(alias) == expected
    assert catalog.resolve(alias.upper()) == expected  # aliases are case-insensitive


def test_brainscore_alias_targets_exist_in_the_installed_brainscore():
    ids = set(catalog.brainscore_ids())
    for alias, expected in EXPECTED_ALIASES.items():
        if alias != "cowley2023":
            assert set(expected) <= ids, alias


def test_exact_ids_pass_through():
    assert catalog.resolve("MajajHong2015.IT-pls") == ["MajajHong2015.IT-pls"]
    assert catalog.resolve("Cowley2023.V4-pls-raw") == ["Cowley2023.V4-pls-raw"]


@pytest.mark.parametrize("typo, suggestion", [
    ("majajhon", "majajhong"), ("cowly2023", "cowley2023"),
    ("MajajHong2015public.IT-pl", "MajajHong2015public.IT-pls"), ("freemanzimba", "freemanziemba"),
])
def test_misspelling_gets_a_suggestion(typo, suggestion):
    with pytest.raises(UnknownNameError) as info:
        catalog.resolve(typo)
    message = str(info.value)
    assert f"Did you mean {suggestion!r}?" in message
    assert "majajhong" in message  # lists the aliases


def test_path_without_a_registered_loader_is_explained(tmp_path):
    # .nc has a loader since benchmarks.user_data registered one; .h5 has none
    with pytest.raises(UnknownNameError, match=r"no loader for files with suffix \.h5.*supported suffixes: \.nc"):
        catalog.resolve(str(tmp_path / "assembly.h5"))


def test_path_handler_hook(tmp_path, monkeypatch):
    monkeypatch.setattr(catalog, "_path_handlers", [])
    built = []
    catalog.register_path_handler(catalog.PathHandler(
        suffixes=(".nc",), factory=lambda path, options: built.append(path) or "benchmark",
        availability=lambda path, options: (path.is_file(), f"{path}")))
    assembly = tmp_path / "assembly.nc"
    with pytest.raises(FileNotFoundError, match="assembly.nc"):
        catalog.resolve(str(assembly))
    assembly.write_bytes(b"")
    assert catalog.resolve(str(assembly)) == [str(assembly)]
    assert catalog.load_benchmark(str(assembly)) == "benchmark" and built == [assembly]
    assert catalog.data_available(str(assembly))[0]


def test_own_benchmarks_register_and_list(monkeypatch):
    monkeypatch.setattr(catalog, "_benchmarks", catalog.Registry("benchmark"))
    monkeypatch.setattr(catalog, "_aliases", catalog.Registry("benchmark alias"))
    monkeypatch.setattr(catalog, "_plugins_loaded", True)
    catalog.register_benchmark("Toy.V1-pls", lambda options: ("toy", options.data_dir),
                               availability=lambda options: (True, "generated"), description="toy")
    catalog.register_alias("toy", ["Toy.V1-pls"])
    assert catalog.resolve("toy") == ["Toy.V1-pls"]
    assert catalog.load_benchmark("Toy.V1-pls", catalog.LoadOptions(data_dir="d")) == ("toy", "d")
    assert catalog.data_available("toy") == (True, "generated")
    kinds = {entry.name: entry.kind for entry in catalog.entries()}
    assert kinds["toy"] == "alias" and kinds["Toy.V1-pls"] == "dynvision"
    assert kinds["MajajHong2015public.V4-pls"] == "brainscore"
    with pytest.raises(ValueError, match="already registered"):
        catalog.register_benchmark("Toy.V1-pls", lambda options: None, availability=lambda options: (True, ""))
    with pytest.raises(ValueError, match="lower-case"):
        catalog.register_alias("Toy", ["Toy.V1-pls"])


def test_loading_an_alias_directly_says_to_resolve_first():
    with pytest.raises(ValueError, match="resolve"):
        catalog.load_benchmark("cowley2023")


def test_cowley2023_availability_without_data(tmp_path):
    ok, reason = catalog.data_available("cowley2023", catalog.LoadOptions(data_dir=tmp_path))
    assert not ok and "responses_raw/responses_210325.npy" in reason and str(tmp_path) in reason


@pytest.mark.data
def test_cowley2023_availability_with_data(shared_data_dir):
    ok, reason = catalog.data_available("cowley2023", catalog.LoadOptions(data_dir=shared_data_dir))
    assert ok, reason


def test_imagenet_availability_explains_where_images_go():
    ok, reason = catalog.data_available("imagenet")
    assert not ok and "imagenet2012.csv" in reason


def test_catalog_import_does_not_import_brainscore():
    code = ("import sys, benchmarks.catalog as c; c.resolve('majajhong'); c.resolve('cowley2023'); "
            "print('brainscore_vision' in sys.modules, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
