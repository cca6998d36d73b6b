"""One progress bar per phase of a scoring run: recordings of a phase add up on its bar."""
from benchmarks.progress import PhaseProgress


def test_one_bar_per_phase(capsys):
    progress = PhaseProgress(enabled=True)
    progress.phase("[bench] activations")
    for done, total in [(0, 10), (6, 10), (10, 10), (0, 4), (4, 4)]:  # train, then test stimuli
        progress(done, total)
    bar = progress._bar
    assert (bar.n, bar.total, bar.desc) == (14, 14, "[bench] activations")
    progress.phase("[bench] layer V4")
    assert progress._bar is None and bar.disable  # closed
    progress(0, 2)
    progress(2, 2)
    assert (progress._bar.n, progress._bar.total, progress._bar.desc) == (2, 2, "[bench] layer V4")
    progress.close()
    assert progress._bar is None


def test_disabled_progress_prints_nothing(capsys):
    progress = PhaseProgress(enabled=False)
    progress(0, 3)
    progress(3, 3)
    progress.close()
    assert capsys.readouterr().err == ""
