"""The callback example of docs/training.md runs as written."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import torch

from dynvision.training import train

from .conftest import tiny_config

DOC = Path(__file__).resolve().parents[2] / "docs" / "training.md"


def _tested_block() -> str:
    text = DOC.read_text()
    after = text.split("<!-- tested: tests/training/test_docs.py runs this block -->", 1)[1]
    return re.search(r"```python\n(.*?)```", after, re.S).group(1)


def test_configure_callbacks_example(tmp_path):
    path = tmp_path / "my_models.py"
    path.write_text(_tested_block())
    config = tiny_config(
        "model.name=DyRCNNx4ByAccuracy", "model.args.input_dims=[4, 1, 8, 8]", "model.args.channels=[4, 4, 4, 4]",
        "trainer.max_epochs=2",
    )
    result = train(config, out=tmp_path / "run", model_module=path)
    # the model's ModelCheckpoint replaced the default one and saved into the run's folder
    assert result.best_checkpoint.parent == tmp_path / "run" / "checkpoints"
    assert re.fullmatch(r"epoch=\d-val_acc=\d\.\d{3}\.ckpt", result.best_checkpoint.name)
    checkpoint = torch.load(result.best_checkpoint, map_location="cpu", weights_only=True)
    assert checkpoint["dynvision_config"] == config.to_dict()
    assert any("ModelCheckpoint" in key and "val_acc" in key for key in checkpoint["callbacks"])
    tables = sorted((result.log_dir / "tables").glob("val_accuracy_over_time_step*.csv"))
    assert len(tables) == 2
    table = pd.read_csv(tables[-1])
    assert list(table.time_ms) == [2.0, 4.0, 6.0, 8.0]
    assert table.accuracy.between(0, 1).all()
