"""Training throughput of DyRCNNx4 on the digits data: through Lightning
(``dynvision.training``'s Trainer with its logging, LR monitor and progress
bar) versus the same model's plain forward + backward + optimizer loop.

Both run in this process on the same batches, alternating, several times;
the script prints images/s of each (median and best over repeats) and the
ratio plain / Lightning (the slowdown Lightning costs; target <= 1.2, judged
on the medians). On a busy machine use more repeats, and OMP_NUM_THREADS=1
to avoid thread oversubscription, which slows both loops erratically.

    python perf/train_throughput.py                 # the packaged default config
    python perf/train_throughput.py --steps 30 --set data.batch_size=128
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from itertools import cycle, islice
from pathlib import Path

import torch

TARGET = 1.2


class _Clock:
    """Times training batches ``warmup .. warmup+steps-1`` inside Lightning."""

    def __init__(self, warmup: int, steps: int):
        import pytorch_lightning as pl

        clock = self

        class Callback(pl.Callback):
            def on_train_batch_start(self, trainer, module, batch, batch_idx):
                if trainer.global_step == warmup:
                    clock.start = time.perf_counter()
                    clock.images = 0
                if trainer.global_step >= warmup:
                    clock.images += len(batch[1])

            def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx):
                if trainer.global_step == warmup + steps:  # global_step counts finished steps
                    clock.stop = time.perf_counter()

        self.callback = Callback()
        self.start = self.stop = None
        self.images = 0

    @property
    def images_per_s(self) -> float:
        return self.images / (self.stop - self.start)


def lightning_run(config, warmup: int, steps: int) -> float:
    import pytorch_lightning as pl

    from dynvision.data import DataModule
    from dynvision.training import build_model, build_trainer

    pl.seed_everything(config.seed, verbose=False)
    model = build_model(config)
    clock = _Clock(warmup, steps)
    with tempfile.TemporaryDirectory() as tmp:
        trainer = build_trainer(
            config, Path(tmp), extra_callbacks=[clock.callback],
            max_steps=warmup + steps, max_epochs=-1, limit_val_batches=0, num_sanity_val_steps=0,
        )
        trainer.fit(model, datamodule=DataModule(config.data))
    return clock.images_per_s


def plain_run(config, warmup: int, steps: int) -> float:
    import pytorch_lightning as pl

    from dynvision.data import DataModule
    from dynvision.model_components import temporal_cross_entropy
    from dynvision.training import build_model

    pl.seed_everything(config.seed, verbose=False)
    model = build_model(config).train()
    optimizer = model.configure_optimizers()
    if isinstance(optimizer, dict):
        optimizer = optimizer["optimizer"]
    datamodule = DataModule(config.data)
    datamodule.setup("fit")
    batches = islice(cycle(datamodule.train_dataloader()), warmup + steps)
    images = 0
    for i, (x, y) in enumerate(batches):
        if i == warmup:
            start = time.perf_counter()
        if i >= warmup:
            images += len(y)
        logits = model(x)
        loss = temporal_cross_entropy(logits, y, model.reaction_steps)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return images / (time.perf_counter() - start)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", help="YAML config (default: the packaged default)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--steps", type=int, default=20, help="timed optimizer steps per run")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    parser.add_argument("--repeats", type=int, default=3, help="alternating runs of each")
    parser.add_argument("--progress-bar", action="store_true", help="keep Lightning's progress bar on")
    args = parser.parse_args(argv)

    from dynvision.config import load_config

    overrides = ["callbacks.checkpoint=null", "trainer.enable_model_summary=false", *args.overrides]
    if not args.progress_bar:
        overrides.insert(0, "trainer.enable_progress_bar=false")
    config = load_config(args.config, overrides)
    print(f"model {config.model.name} {config.model.args.get('input_dims')}, data {config.data.name} "
          f"batch {config.data.batch_size}, {args.steps} timed steps after {args.warmup} warm-up, "
          f"{args.repeats} repeats, torch threads {torch.get_num_threads()}")
    plain, lightning = [], []
    for repeat in range(args.repeats):
        plain.append(plain_run(config, args.warmup, args.steps))
        lightning.append(lightning_run(config, args.warmup, args.steps))
        print(f"  repeat {repeat + 1}: plain {plain[-1]:8.1f} img/s   lightning {lightning[-1]:8.1f} img/s")
    plain_median, lightning_median = statistics.median(plain), statistics.median(lightning)
    ratio = plain_median / lightning_median
    best = max(plain) / max(lightning)
    print(f"plain loop:  {plain_median:8.1f} images/s median, {max(plain):8.1f} best")
    print(f"lightning:   {lightning_median:8.1f} images/s median, {max(lightning):8.1f} best")
    print(f"ratio plain/lightning = {ratio:.3f} (medians; best runs: {best:.3f})  "
          f"target <= {TARGET}: {'OK' if ratio <= TARGET else 'ABOVE TARGET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
