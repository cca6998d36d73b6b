"""`compare --limit N` counts only computed items: a reused stored score (here of a user `.nc`
benchmark, whose result is filed under the data's content identifier, not the path given) is
reused, not computed, so each run with a limit makes progress."""
from __future__ import annotations

import pytest

from benchmarks.compare import build_plan, parse_vary, run_plan, score_options
from tests.helpers import quiet
from tests.helpers.configs import X2_16PX as TINY


@pytest.fixture
def user_nc(tmp_path, monkeypatch):
    from benchmarks.user_data.example import write_example

    monkeypatch.setenv("DYNVISION_OFFLINE", "1")
    return write_example(tmp_path / "data", n_stimuli=24, n_neuroids=6, image_size=16, seed=3)


def test_limit_makes_progress_past_reused_nc_scores(tmp_path, user_nc):
    plan = build_plan("DyRCNNx2", parse_vary(["recurrence_type=self,full"]), [str(user_nc)], tmp_path / "cmp",
                      overrides=TINY, settings={"region_layer_map": {"V4": "V2"}, "max_features": 50})
    options = score_options(plan, progress=False)
    events = []
    first = run_plan(plan, limit=1, options=options, log=quiet, on_event=lambda e, i: events.append((e, i.id)))
    assert (first.scored, first.reused_scores, first.remaining) == (1, 0, [plan.items[1].id])
    events.clear()
    second = run_plan(plan, limit=1, options=options, log=quiet, on_event=lambda e, i: events.append((e, i.id)))
    assert events == [("reuse-score", plan.items[0].id), ("score", plan.items[1].id)]
    assert (second.scored, second.reused_scores, second.complete) == (1, 1, True)
