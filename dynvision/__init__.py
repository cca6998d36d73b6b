"""DynVision: recurrent vision models with continuous-time dynamics, scored over time."""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dynvision")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
