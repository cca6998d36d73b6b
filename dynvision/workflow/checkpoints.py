"""Give each training run one stable checkpoint path for the rules downstream."""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Union

PathLike = Union[str, "os.PathLike[str]"]


def select_checkpoint(run_dir: PathLike) -> Path:
    """The best checkpoint of a ``dynvision train`` run directory: the one
    non-``last`` checkpoint (``save_top_k=1``), else the best path recorded in
    ``last.ckpt``, else ``last.ckpt``."""
    folder = Path(run_dir) / "checkpoints"
    candidates = sorted(p for p in folder.glob("*.ckpt") if p.name != "last.ckpt" and not p.name.startswith("last-"))
    if len(candidates) == 1:
        return candidates[0]
    last = folder / "last.ckpt"
    if last.is_file():
        import torch

        state = torch.load(last, map_location="cpu", weights_only=False)
        for key, value in (state.get("callbacks") or {}).items():
            best = value.get("best_model_path") if isinstance(value, dict) and "ModelCheckpoint" in str(key) else None
            if best and Path(best).is_file():
                return Path(best)
        return last
    if candidates:
        return max(candidates, key=lambda p: p.stat().st_mtime)
    raise FileNotFoundError(f"no checkpoint in {folder}: did dynvision train finish?")


def install_checkpoint(run_dir: PathLike, dest: PathLike) -> Path:
    """Copy the best checkpoint to ``dest`` atomically (a hard link when possible)."""
    source, dest = select_checkpoint(run_dir), Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp")
    if tmp.exists():
        tmp.unlink()
    try:
        os.link(source, tmp)
    except OSError:
        shutil.copy2(source, tmp)
    os.replace(tmp, dest)
    return dest
