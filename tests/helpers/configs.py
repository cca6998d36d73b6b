"""Tiny configs shared by the tests, as override lists (``load_config(None, overrides)``, or
``--set`` each with :func:`sets`). Each names its model, image size and step so that a test
reads what it runs; the trainer settings are composed from :func:`few_batches`."""
from __future__ import annotations

from typing import Iterable, List

#: Lightning on the CPU without sanity steps, progress bars or summaries
QUIET_CPU: List[str] = ["trainer.num_sanity_val_steps=0", "trainer.enable_progress_bar=false",
                        "trainer.enable_model_summary=false", "trainer.accelerator=cpu"]


def model_args(**values: object) -> List[str]:
    """``model.args.KEY=VALUE`` for each keyword, in order (values written as given)."""
    return [f"model.args.{key}={value}" for key, value in values.items()]


def few_batches(train: int, val: int, test: int) -> List[str]:
    """One epoch of ``train`` batches, then ``val`` and ``test`` batches, quietly on the CPU."""
    return ["trainer.max_epochs=1", f"trainer.limit_train_batches={train}", f"trainer.limit_val_batches={val}",
            f"trainer.limit_test_batches={test}", *QUIET_CPU]


def sets(overrides: Iterable[str]) -> List[str]:
    """The overrides as command-line arguments: ``--set A --set B ...``."""
    return [arg for text in overrides for arg in ("--set", text)]


#: DyRCNNx2 (no name) on 8x8 grey digits, 2 ms steps, every delay one step
X2_8PX: List[str] = [
    *model_args(input_dims="[4, 1, 8, 8]", channels="[4, 4]", dt=2, tau=8, t_feedforward=2, t_recurrence=2,
                t_skip=2, t_feedback=2),
    "data.image_size=8", "data.channels=1", "loss.t_reaction=0",
]
#: ... trained for 3 batches of 16 (about a second)
X2_8PX_TRAIN: List[str] = ["model.name=DyRCNNx2", *X2_8PX, "data.batch_size=16", "optimizer.args.lr=0.001",
                           *few_batches(3, 2, 2), "trainer.log_every_n_steps=1"]
#: ... trained for 2 batches of 16, default optimizer
X2_8PX_QUICK: List[str] = ["model.name=DyRCNNx2", *X2_8PX, "data.batch_size=16", *few_batches(2, 1, 1)]

#: 2 batches of 32 (a few seconds), appended to a model config
TWO_BATCHES: List[str] = ["data.batch_size=32", *few_batches(2, 1, 1), "trainer.log_every_n_steps=1"]

#: DyRCNNx2 (no name) with 4 channels per area on 16x16 grey digits, 2 ms steps (the synthetic bins are 20 ms)
X2_16PX: List[str] = [
    *model_args(channels="[4,4]", input_dims="[8,1,16,16]", dt=2, tau=8, t_feedforward=2, t_recurrence=2,
                t_skip=2, t_feedback=4),
    "loss.t_reaction=8", "data.image_size=16", "data.channels=1",
]
X2_16PX_TRAIN: List[str] = X2_16PX + TWO_BATCHES

#: DyRCNNx4 (no name) small enough to record 640 images for 150 ms in a second or two:
#: 4 channels per area, 16x16 RGB images, dt = 10 ms (16 steps), delays of whole steps
X4_16PX: List[str] = [
    *model_args(channels="[4,4,4,4]", input_dims="[16,3,16,16]"), "data.image_size=16",
    *model_args(dt=10, tau=20, t_feedforward=10, t_recurrence=10, t_skip=10, t_feedback=20),
]
X4_16PX_TRAIN: List[str] = X4_16PX + TWO_BATCHES

#: two optimizer steps on 16x16 RGB digits, no validation, checkpoints without a monitor
TWO_STEPS_RGB16: List[str] = [
    "loss.t_reaction=0", "data.image_size=16", "data.channels=3", "data.batch_size=16", "trainer.max_epochs=1",
    "trainer.max_steps=2", "trainer.limit_val_batches=0", *QUIET_CPU, "callbacks.checkpoint.monitor=null",
]
#: 4 steps of 2 ms, every delay one step
STEPS_2MS: List[str] = model_args(dt=2.0, t_feedforward=2, t_recurrence=2, t_skip=2, t_feedback=2)
#: DyRCNNx2 on 3-channel 16x16 digits, trained for two steps
X2_RGB16_RUN: List[str] = ["model.name=DyRCNNx2", *model_args(input_dims="[4, 3, 16, 16]", channels="[4, 4]"),
                           *STEPS_2MS, *TWO_STEPS_RGB16]
#: DyRCNNx4 (model part) on 3-channel 16x16 images
X4_RGB16: List[str] = ["model.name=DyRCNNx4", *model_args(input_dims="[4, 3, 16, 16]", channels="[4, 4, 4, 4]"),
                       *STEPS_2MS]
