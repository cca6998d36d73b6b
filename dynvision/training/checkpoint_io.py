"""Lightning reads checkpoints (``trainer.fit(ckpt_path=...)``, ``trainer.test(ckpt_path=...)``)
through :func:`dynvision.loading.read_checkpoint`: tensors and plain data only."""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional

from pytorch_lightning.plugins.io import TorchCheckpointIO

from dynvision.loading import read_checkpoint


class SafeCheckpointIO(TorchCheckpointIO):
    """Lightning's own checkpoint I/O, with loading restricted to plain data (``weights_only=True``
    whatever Lightning asks for)."""

    def load_checkpoint(self, path: Any, map_location: Optional[Callable] = None,
                        weights_only: Optional[bool] = None) -> Dict[str, Any]:
        return read_checkpoint(path)
