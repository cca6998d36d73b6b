"""The layers of DESIGN.md, checked on the source: imports point down and no module cycle.

Layers, bottom to top: the core ``dynvision`` <- ``brain_models`` <- ``benchmarks`` <- the
command line. Command modules (``<package>.commands.*``) belong to the command line of their
package; ``dynvision.cli`` (and ``dynvision.__main__``) sit above everything. Rules:

* an import never points to a higher package, nor from a library module to a command module
  (checked on every import, also those inside functions: a lazy import runs just as well);
* module-level imports form no cycle (imports inside functions and under ``TYPE_CHECKING``
  run after every module has loaded, so they do not count for cycles).

The checker is pure AST analysis (no module is imported), so it is fast and cannot be fooled by
import side effects. Its own behaviour is tested on a tiny synthetic package.
"""
from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple

ROOT = Path(__file__).resolve().parents[1]
#: the project's packages, bottom layer first
PACKAGES = ("dynvision", "brain_models", "benchmarks")
#: modules above all packages: the entry point
TOP = ("dynvision.cli", "dynvision.__main__")


@dataclass(frozen=True)
class Import:
    source: str  # importing module
    target: str  # imported module of the project (the most specific one that exists)
    line: int
    module_level: bool  # runs when the source module is imported


def module_names(root: Path, packages: Sequence[str]) -> Dict[str, Path]:
    """``{dotted module name: file}`` for every module of ``packages`` under ``root``."""
    found: Dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _base(module: str, is_package: bool, level: int, name: Optional[str]) -> str:
    """The absolute module a relative ``from`` import names."""
    parts = module.split(".") if is_package else module.split(".")[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)]
    return ".".join(parts + ([name] if name else []))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _walk(nodes: Sequence[ast.stmt], module_level: bool) -> Iterator[Tuple[ast.stmt, bool]]:
    """Every import statement with whether it runs at import time of the module."""
    for node in nodes:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, module_level
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield from _walk(node.body, False)
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _walk(node.body, False)
            yield from _walk(node.orelse, module_level)
        else:  # class bodies, try/except, if/else, with, loops run at import time
            for field in ("body", "orelse", "finalbody", "handlers"):
                children = getattr(node, field, None) or []
                yield from _walk([c for c in children if isinstance(c, ast.stmt)], module_level)
                for handler in [c for c in children if isinstance(c, ast.ExceptHandler)]:
                    yield from _walk(handler.body, module_level)


def imports_of(module: str, path: Path, modules: Dict[str, Path]) -> List[Import]:
    """The project-internal imports of one module, resolved to modules that exist."""
    is_package = path.name == "__init__.py"
    found: List[Import] = []
    for node, module_level in _walk(ast.parse(path.read_text(encoding="utf-8"), str(path)).body, True):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            base = _base(module, is_package, node.level, node.module) if node.level else (node.module or "")
            # `from pkg import sub` imports the submodule pkg.sub when there is one
            candidates = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        for name in dict.fromkeys(candidates):
            while name and name not in modules:  # `import a.b.c` of a name inside a module: its module
                name = name.rpartition(".")[0]
            if name and name != module:
                found.append(Import(module, name, node.lineno, module_level))
    return found


def layer(module: str, packages: Sequence[str] = PACKAGES, top: Sequence[str] = TOP) -> Tuple[int, bool]:
    """``(package rank, is command line)``; the entry point ranks above every package."""
    if module in top:
        return len(packages), True
    parts = module.split(".")
    return packages.index(parts[0]), "commands" in parts[1:]


def upward_imports(imports: Sequence[Import], packages: Sequence[str] = PACKAGES,
                   top: Sequence[str] = TOP) -> List[str]:
    """One line per import that points up a layer or from library code into the command line."""
    problems = []
    for item in imports:
        (source_rank, source_cli), (target_rank, target_cli) = layer(item.source, packages, top), layer(
            item.target, packages, top)
        if target_rank > source_rank:
            problems.append(f"{item.source}:{item.line} imports {item.target} (a higher layer)")
        elif target_cli and not source_cli:
            problems.append(f"{item.source}:{item.line} imports the command module {item.target}")
    return problems


def _reachable(graph: Dict[str, Set[str]], start: str) -> Set[str]:
    seen: Set[str] = set()
    stack = [start]
    while stack:
        for child in graph.get(stack.pop(), ()):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def import_cycles(imports: Sequence[Import]) -> List[List[str]]:
    """Module-level import cycles: each set of modules that import one another, sorted."""
    graph: Dict[str, Set[str]] = {}
    for item in imports:
        if item.module_level:
            graph.setdefault(item.source, set()).add(item.target)
    reach = {node: _reachable(graph, node) for node in graph}
    cycles = {frozenset(other for other in reach[node] if node in reach.get(other, ()))
              for node in graph if node in reach[node]}
    return sorted(sorted(cycle) for cycle in cycles)


def project_imports(root: Path = ROOT, packages: Sequence[str] = PACKAGES) -> List[Import]:
    modules = module_names(root, packages)
    return [item for module, path in modules.items() for item in imports_of(module, path, modules)]


# ----------------------------------------------------------------- the project
def test_imports_point_down():
    problems = upward_imports(project_imports())
    assert not problems, "imports that point up the layers (DESIGN.md):\n" + "\n".join(problems)


def test_no_module_level_import_cycle():
    cycles = import_cycles(project_imports())
    assert not cycles, "module-level import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_every_command_module_is_registered_with_the_cli():
    from dynvision.cli import COMMANDS

    modules = module_names(ROOT, PACKAGES)
    commands = {m for m in modules if layer(m)[1] and m not in TOP and not m.endswith(".commands")}
    assert commands == set(COMMANDS.values())


# ----------------------------------------------------------------- the checker itself
def _package(root: Path, files: Dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def test_checker_finds_upward_imports_and_cycles(tmp_path):
    _package(tmp_path, {
        "core/__init__.py": "",
        "core/a.py": "from .b import x\n",
        "core/b.py": "from core import a\nx = 1\n",  # a <-> b at module level
        "core/c.py": "def f():\n    from upper.m import y\n",  # lazy, still upward
        "core/d.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from core.a import x\n",
        "core/commands/__init__.py": "",
        "core/commands/run.py": "import upper.m\n",  # a command lives with the highest package it needs
        "upper/__init__.py": "",
        "upper/m.py": "import core.a\nfrom core.commands import run\ny = 2\n",  # library -> command module
        "upper/n.py": "def g():\n    import core.d\n",
    })
    packages = ("core", "upper")
    imports = project_imports(tmp_path, packages)
    problems = upward_imports(imports, packages, top=())
    assert any(p.startswith("core.c:2 imports upper.m") for p in problems)
    assert any(p.startswith("core.commands.run:1 imports upper.m") for p in problems)
    assert any(p.startswith("upper.m:2 imports the command module core.commands.run") for p in problems)
    assert len(problems) == 3
    # core.d -> core.a (TYPE_CHECKING) and upper.n -> core.d (lazy) do not count
    assert import_cycles(imports) == [["core.a", "core.b"], ["core.commands.run", "upper.m"]]


def test_checker_accepts_a_clean_package(tmp_path):
    _package(tmp_path, {
        "core/__init__.py": "from .a import x\n",
        "core/a.py": "x = 1\n",
        "upper/__init__.py": "",
        "upper/m.py": "from core import x\nfrom . import n\n",
        "upper/n.py": "def g():\n    from upper.m import x\n",  # lazy import back: no module-level cycle
        "upper/commands/__init__.py": "",
        "upper/commands/go.py": "from upper.m import x\nfrom core.a import x as y\n",
    })
    packages = ("core", "upper")
    imports = project_imports(tmp_path, packages)
    assert upward_imports(imports, packages, top=()) == []
    assert import_cycles(imports) == []


def test_the_command_line_starts_without_brainscore():
    """Building every command's parser imports neither Brain-Score nor torch (``dynvision train --help``)."""
    import subprocess
    import sys

    code = ("import sys; from dynvision.cli import build_parser; build_parser(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('brainscore_vision', 'brainscore_core', "
            "'torch')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stdout
