"""Protocols: schedules in ms, the step mapping, parameter errors."""
from __future__ import annotations

import math

import pytest
import torch

from dynvision.experiments import ScheduleError, get_protocol, list_protocols, ms_to_steps, presence


def test_registry_lists_the_standard_protocols():
    assert set(list_protocols()) >= {"response", "duration", "contrast", "interval", "noise"}


def test_unknown_protocol_and_parameter_are_named():
    with pytest.raises(KeyError, match="contras"):
        get_protocol("contras")
    with pytest.raises(ValueError, match="no parameter.*'contrast_values'.*valid: contrasts"):
        get_protocol("contrast", contrast_values=[1])


def test_presence_follows_step_end_times():
    # steps end at 2, 4, 6, ... ms; a window [2, 6) ms drives the steps ending at 4 and 6 ms
    mask = presence([(2.0, 6.0)], total_ms=10.0, dt=2.0)
    assert mask.tolist() == [0, 1, 1, 0, 0]


def test_times_that_are_not_whole_steps_are_an_error():
    assert ms_to_steps(40, 2.0, "duration_ms") == 20
    with pytest.raises(ScheduleError, match=r"duration_ms=5 ms is not a whole number of the model's dt=2 ms.*4 or 6"):
        ms_to_steps(5, 2.0, "duration_ms")
    protocol = get_protocol("duration", durations_ms=[10, 15])
    with pytest.raises(ScheduleError, match="experiment 'duration'"):
        protocol.check(dt=10.0)


def test_window_past_the_end_is_an_error():
    with pytest.raises(ScheduleError, match="lengthen total_ms"):
        get_protocol("contrast", duration_ms=60, total_ms=40).check(dt=2.0)


@pytest.mark.parametrize("name", ["response", "duration", "contrast", "interval", "noise"])
def test_frames_have_the_documented_shape(name):
    protocol = get_protocol(name)
    images = torch.rand(2, 1, 4, 4)
    for value in protocol.conditions():
        frames = protocol.frames(images, value, dt=2.0, generator=torch.Generator().manual_seed(0))
        assert frames.shape == (2, int(protocol.length_ms() / 2), 1, 4, 4)


def test_contrast_scales_the_image_and_blanks_after():
    protocol = get_protocol("contrast", contrasts=[0.5], duration_ms=4, total_ms=8)
    images = torch.ones(1, 1, 2, 2)
    frames = protocol.frames(images, 0.5, dt=2.0)
    assert frames[0, :, 0, 0, 0].tolist() == [0.5, 0.5, 0.0, 0.0]


def test_interval_shows_two_presentations_separated_by_the_gap():
    protocol = get_protocol("interval", gaps_ms=[4.0, 8.0], duration_ms=2, tail_ms=2)
    assert protocol.length_ms() == 2 + 2 + 8 + 2
    mask = protocol.mask(4.0, dt=2.0)
    assert mask.tolist() == [1, 0, 0, 1, 0, 0, 0]


def test_noise_is_redrawn_every_step_and_scales_with_snr():
    protocol = get_protocol("noise", snrs=[1.0, 4.0], duration_ms=10, total_ms=10)
    images = torch.randn(3, 1, 8, 8)
    frames = protocol.frames(images, 1.0, dt=2.0, generator=torch.Generator().manual_seed(0))
    noise = frames - images.unsqueeze(1)
    assert not torch.allclose(noise[:, 0], noise[:, 1])
    quiet = protocol.frames(images, 4.0, dt=2.0, generator=torch.Generator().manual_seed(0)) - images.unsqueeze(1)
    assert math.isclose(float(noise.std() / quiet.std()), 4.0, rel_tol=0.05)
    assert torch.equal(protocol.frames(images, math.inf, dt=2.0), images.unsqueeze(1).expand(-1, 5, -1, -1, -1))
