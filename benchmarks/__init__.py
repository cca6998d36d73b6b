"""DynVision benchmarks: the benchmark catalog, this project's own benchmarks
(in Brain-Score's plugin shape) and helpers to run Brain-Score offline.

Importing this package is cheap: Brain-Score is imported only when a
benchmark is loaded. Start with :mod:`benchmarks.catalog`.
"""
