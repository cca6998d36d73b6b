"""Cowley et al. (2023) macaque V4 benchmarks, in Brain-Score's plugin shape.

Registers into DynVision's catalog (upstream this would be
``benchmark_registry['Cowley2023.V4-pls'] = Cowley2023V4PLS``):

- ``Cowley2023.V4-pls``: session 210325, ceiled (internal consistency).
- ``Cowley2023.V4-pls-raw``: session 210224, raw score (no ceiling).
- alias ``cowley2023`` for both.

Brain-Score is imported only when a benchmark is built.
"""
from __future__ import annotations

from ..catalog import LoadOptions, register_alias, register_benchmark
from ..fileio import ChecksumError
from . import files

_NEEDS = {
    "Cowley2023.V4-pls": (files.raw_file("210325"), files.images_file("210325")),
    "Cowley2023.V4-pls-raw": (files.averaged_file("210224"), files.images_file("210224")),
}


def _availability(identifier: str):
    def check(options: LoadOptions):
        needed = _NEEDS[identifier]
        missing = files.missing_files(needed, options.data_dir)
        folder = files.dataset_dir(options.data_dir)
        if missing:
            return False, (f"{identifier}: missing {', '.join(missing)} in {folder} "
                           f"(set --data-dir or $DYNVISION_DATA; downloaded on first use when online)")
        try:
            files.locate(needed, options.data_dir, offline=True)
        except ChecksumError as error:
            return False, f"{identifier}: {error}"
        return True, f"{identifier}: files present and verified in {folder}"
    return check


def _ceiled(options: LoadOptions):
    from .benchmark import Cowley2023V4PLS
    return Cowley2023V4PLS(options.data_dir, options.offline)


def _raw(options: LoadOptions):
    from .benchmark import Cowley2023V4PLSRaw
    return Cowley2023V4PLSRaw(options.data_dir, options.offline)


register_benchmark("Cowley2023.V4-pls", _ceiled, availability=_availability("Cowley2023.V4-pls"),
                   description="macaque V4, session 210325 (640 images, 50 neurons, 6-10 repeats), PLS, "
                               "internal-consistency ceiling")
register_benchmark("Cowley2023.V4-pls-raw", _raw, availability=_availability("Cowley2023.V4-pls-raw"),
                   description="macaque V4, session 210224 (800 images, 67 neurons, repeat-averaged), PLS, no ceiling")
register_alias("cowley2023", ["Cowley2023.V4-pls", "Cowley2023.V4-pls-raw"],
               "macaque V4 (Cowley et al. 2023): ceiled session 210325 + raw session 210224")
