"""Figure helpers shared by the score report and the comparison report: one palette, one way to
make a figure (matplotlib's Agg canvas; no pyplot, no global state), PNG bytes and data URIs."""
from __future__ import annotations

import base64
import io
from typing import Any, Optional

#: the colour cycle of every report plot
COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
          "#bcbd22", "#17becf"]


def new_figure(width: float, height: float) -> Any:
    """A matplotlib ``Figure`` of ``width`` x ``height`` inches on its own Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=110)
    FigureCanvasAgg(figure)
    return figure


def png_bytes(figure: Any) -> bytes:
    """The figure as PNG."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def short_label(text: str, limit: int = 34) -> str:
    """``text`` cut to ``limit`` characters (with an ellipsis) for axis labels."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def data_uri(png: Optional[bytes]) -> Optional[str]:
    """PNG bytes as a ``data:`` URI for an ``<img src>`` (None stays None)."""
    if png is None:
        return None
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
