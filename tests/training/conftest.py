"""Tiny, fast training configs shared by the training tests."""
from __future__ import annotations

from typing import Sequence

import pytest

from tests.helpers.configs import X2_8PX_TRAIN as TINY


def tiny_config(*overrides: str, base: Sequence[str] = TINY):
    from dynvision.config import load_config

    return load_config(None, [*base, *overrides])


@pytest.fixture
def tiny():
    return tiny_config


@pytest.fixture(scope="module")
def trained_tiny(tmp_path_factory):
    """One tiny run shared by the read-only tests of a module."""
    from dynvision.training import train

    config = tiny_config()
    result = train(config, out=tmp_path_factory.mktemp("tiny_run"))
    return config, result
