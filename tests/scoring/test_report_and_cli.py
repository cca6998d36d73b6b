"""`dynvision report` (self-contained HTML with PNGs), `dynvision score` and `dynvision benchmarks` via the CLI."""
from __future__ import annotations

import base64
import io
import json
from html.parser import HTMLParser

import pytest
from PIL import Image

from benchmarks.report import render_report
from benchmarks.results import Result, load_results
from dynvision.cli import main
from tests.helpers.configs import X4_16PX as TINY
from tests.helpers.configs import sets


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.cells, self.external = [], [], []
        self._in_cell = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs["src"])
        if tag in ("td", "th"):
            self._in_cell = True
        if tag in ("link", "script") and (attrs.get("href") or attrs.get("src")):
            self.external.append(attrs)

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._in_cell = False

    def handle_data(self, data):
        if self._in_cell and data.strip():
            self.cells.append(data.strip())


def _pngs(html: str):
    page = _Page()
    page.feed(html)
    assert page.external == []  # self-contained
    images = []
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        data = base64.b64decode(src.split(",", 1)[1], validate=True)
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            images.append(image.size)
    return page, images


def _results(tmp_path):
    bins = [{"time_bin_start": 10.0 * i, "time_bin_end": 10.0 * (i + 1), "score": 0.05 * i, "raw": 0.2 + 0.02 * i,
             "ceiling": 0.8} for i in range(6)]
    made = []
    for model, offset in (("DyRCNNx4-c11111111-w1111111111", 0.0), ("DyRCNNx4-c22222222-w2222222222", 0.1)):
        made.append(Result(model="DyRCNNx4", model_identifier=model, benchmark="Cowley2023.V4-pls", score=0.2 + offset,
                           raw=0.4, ceiling=0.77, error=0.02, layers=["V4"], time_bins=[[50.0, 150.0]],
                           trained=offset > 0, config_hash="c1", notes=["UNTRAINED: ..."] if offset == 0 else []))
        made.append(Result(model="DyRCNNx4", model_identifier=model, benchmark="MajajHong2015public.IT-temporal-pls",
                           score=0.125 + offset, raw=0.25, ceiling=0.8, error=0.01, layers=["IT"],
                           time_bins=[[b["time_bin_start"], b["time_bin_end"]] for b in bins], per_bin=bins))
    for result in made:
        result.save(tmp_path / "results")
    return tmp_path / "results"


def test_report_is_self_contained_with_table_bars_and_time_course(tmp_path, capsys):
    results_dir = _results(tmp_path)
    output = tmp_path / "report.html"
    assert main(["report", str(results_dir), "-o", str(output)]) == 0
    assert str(output) in capsys.readouterr().out
    page, images = _pngs(output.read_text())
    assert len(images) == 2  # bars per benchmark, score over time bins
    assert all(width > 300 and height > 200 for width, height in images)
    assert "Cowley2023.V4-pls" in page.cells and "MajajHong2015public.IT-temporal-pls" in page.cells
    assert "UNTRAINED" in page.cells
    assert [p.name for p in output.parent.iterdir() if p.name.startswith(".")] == []  # no temp file left


def test_report_of_an_empty_folder_is_an_error(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["report", str(tmp_path / "empty")]) == 2
    assert "no DynVision results" in capsys.readouterr().err


def test_score_command_prints_the_table_and_writes_results(user_data, tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["score", "DyRCNNx4", "--benchmark", str(user_data["static"]), "--out", str(out), "--no-progress"]
    for override in TINY:
        argv += ["--set", override]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "UNTRAINED" in captured.err
    lines = captured.out.splitlines()
    header = next(line for line in lines if line.startswith("benchmark"))
    assert header.split() == ["benchmark", "raw", "ceiling", "score", "error", "layer", "time", "bins"]
    row = next(line for line in lines if line.startswith("User.example-assembly.V4-pls"))
    assert "V4" in row and "50-150 ms" in row
    (result,) = load_results(out)
    assert f"{result.score:.3f}" in row
    assert main(argv) == 0  # again: reused
    assert "reusing" in capsys.readouterr().err
    assert main(["report", str(out)]) == 0
    _pngs((out / "report.html").read_text())


def test_score_command_errors(tmp_path, capsys):
    assert main(["score", "DyRCNNx4", "--benchmark", "majajhon", "--out", str(tmp_path / "o")]) == 2
    assert "Did you mean 'majajhong'" in capsys.readouterr().err
    assert main(["score", "NoSuchModel", "--benchmark", "cowley2023", "--out", str(tmp_path / "o")]) == 2
    assert "NoSuchModel" in capsys.readouterr().err
    assert main(["score", "DyRCNNx4", "--benchmark", "majajhong", "--out", str(tmp_path / "o"),
                 *sets(TINY)]) == 2
    err = capsys.readouterr().err
    assert "BRAINIO_HOME" in err and "MajajHong2015public.V4-pls" in err
    assert not (tmp_path / "o").exists()
    with pytest.raises(SystemExit):
        main(["score", "DyRCNNx4", "--benchmark", "x", "--checkpoint", "a.ckpt", "--config", "b.yaml"])


def test_benchmarks_command_lists_aliases_and_ours_with_availability(tmp_path, capsys, user_data):
    assert main(["benchmarks", "--json"]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert {"majajhong", "majajhong-temporal", "freemanziemba", "cowley2026", "rajalingham2018", "imagenet",
            "cowley2023", "Cowley2023.V4-pls"} <= set(rows)
    assert rows["majajhong"]["available"] is False  # offline, empty cache
    assert rows["majajhong"]["identifiers"] == ["MajajHong2015public.V4-pls", "MajajHong2015public.IT-pls"]
    assert all(row["kind"] != "brainscore" for row in rows.values())
    assert main(["benchmarks", "--no-check"]) == 0
    text = capsys.readouterr().out
    assert "Brain-Score benchmark identifiers" in text and ".nc" in text
    assert main(["benchmarks", str(user_data["static"]), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["available"] is True and row["kind"] == "path"


def _chromium():
    import shutil

    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_every_plot_has_a_caption_and_alt_text(tmp_path):
    html = render_report(load_results(_results(tmp_path)))
    figures = html.split("<figure>")[1:]
    assert len(figures) == 2
    for figure in figures:
        alt = figure.split('alt="', 1)[1].split('"', 1)[0]
        caption = figure.split("<figcaption>", 1)[1].split("</figcaption>", 1)[0]
        assert len(alt) > 30 and len(caption) > 30 and alt != caption


@pytest.mark.skipif(not _chromium(), reason="headless Chromium not installed (Debian: apt-get install chromium); "
                                            "the PNG/HTML checks above still run")
def test_report_renders_in_headless_chromium(tmp_path):
    import subprocess

    results_dir = _results(tmp_path)
    output = tmp_path / "report.html"
    assert main(["report", str(results_dir), "-o", str(output)]) == 0
    shot = tmp_path / "shot.png"
    subprocess.run([_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
                    "--window-size=1200,1600", output.as_uri()], check=True, timeout=120, capture_output=True)
    with Image.open(shot) as image:
        assert image.size == (1200, 1600)
        rgb = image.convert("RGB")
        colors = rgb.getcolors(maxcolors=1 << 16)
        top = rgb.crop((0, 0, 1200, 400)).getcolors(maxcolors=1 << 16)
    assert colors is None or len(colors) > 50  # a rendered page with plots, not a blank one
    assert top is None or len(top) > 5  # the title and the summary are drawn at the top


USER_MODEL = '''
from dynvision.model_components import LightningBase, RecurrentConnectedConv2d
from dynvision.models import register_model


@register_model("ScoringTinyNet", overwrite=True)
class ScoringTinyNet(LightningBase):
    region_layer_map = {"V1": "V1", "V4": "V4"}

    def __init__(self, input_dims=(16, 3, 16, 16), n_classes=10, dt=10.0, tau=20.0, **kwargs):
        super().__init__(input_dims=input_dims, n_classes=n_classes, dt=dt, tau=tau, **kwargs)

    def _define_architecture(self):
        self.V1 = RecurrentConnectedConv2d(self.n_channels, 4, 3, stride=2, recurrence_type="self")
        self.V4 = RecurrentConnectedConv2d(4, 8, 3, stride=2, recurrence_type="full")
'''


def test_score_a_user_model_from_a_module(user_data, tmp_path, capsys):
    module = tmp_path / "my_model.py"
    module.write_text(USER_MODEL)
    out = tmp_path / "out"
    argv = ["score", "ScoringTinyNet", "--model-module", str(module), "--benchmark", str(user_data["static"]),
            "--out", str(out), "--no-progress", "--set", "model.args={input_dims: [16, 3, 16, 16], dt: 10, tau: 20}",
            "--set", "data.image_size=16"]
    assert main(argv) == 0, capsys.readouterr().err
    (result,) = load_results(out)
    assert result.model == "ScoringTinyNet" and result.layers == ["V4"]
