"""HTML reports of score results: ``render_report(results) -> str`` and ``write_report(dir, path)``.

Self-contained: plots are PNGs (matplotlib) embedded as base64, the page is a
jinja2 template. matplotlib and jinja2 are imported only when a report is made.
"""
from __future__ import annotations


def render_report(results, title=None, source=None) -> str:
    """The HTML page for ``results`` (a list of :class:`benchmarks.results.Result`)."""
    from .render import render_report as _render
    return _render(results, title=title, source=source)


def write_report(results_dir, output, title=None, recursive=False):
    """Render every result in ``results_dir`` to ``output`` (written atomically); returns the path."""
    from .render import write_report as _write
    return _write(results_dir, output, title=title, recursive=recursive)


__all__ = ["render_report", "write_report"]
