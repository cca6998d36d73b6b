"""The runtime a plugin carries: the modules of this project that rebuild and
run the registered model, copied into the plugin as a private package.

Brain-Score installs a plugin into an environment that holds
``brainscore-vision`` and ``torch``, and nothing of this project: the name
``dynvision`` on the package index belongs to another project. So the plugin
brings its own copy of the code it runs, as ``<plugin>/_dynvision_runtime/``:

- the modules reached by following the imports (module-level and inside
  functions) of the plugin loader (:mod:`.runtime`), the adapter, its
  behaviour readouts and the model's class module (a zoo file, or the user's
  ``--model-module`` file as ``user_models/<name>.py``);
- with every import of ``dynvision``/``brain_models`` made relative, so the
  copy never resolves to an installed ``dynvision`` and cannot collide with
  one;
- with ``dynvision.model_components.lightning`` replaced by a module that
  makes ``LightningBase`` the Lightning-free
  :class:`~dynvision.model_components.TrainableModel` (the plugin only runs
  the model, and Lightning is not installed there);
- a package whose own ``__init__`` nobody imports names from gets an empty
  one (``brain_models/__init__`` would otherwise pull in the checkpoint
  loader and training code).

The third-party packages these modules import become the plugin's
``requirements.txt``, with this project's lower bounds and no upper bounds
(an upper bound could downgrade the server's environment); the host,
``brainscore-vision``/``brainscore-core``, is not listed.
"""
from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set, Tuple

#: the private package inside the plugin folder
RUNTIME_PACKAGE = "_dynvision_runtime"
#: this project's top-level packages; their imports are made relative inside the runtime
PROJECT_PACKAGES = ("dynvision", "brain_models")
#: where the runtime starts: the plugin loader, the adapter and its behaviour readouts
ENTRY_MODULES = ("brain_models.submission.runtime", "brain_models.adapter", "brain_models.behavior")
#: the package holding a user's ``--model-module`` file inside the runtime
USER_PACKAGE = "user_models"
#: distributions Brain-Score's environment is built on: never listed as requirements
HOST_DISTRIBUTIONS = ("brainscore-vision", "brainscore-core")

_LIGHTNING_FREE = '''"""LightningBase inside a Brain-Score plugin: the model without its training
loop. The plugin only runs the model, and Lightning is not installed where
Brain-Score runs it; written by ``dynvision register`` in place of
dynvision/model_components/lightning.py."""
from .trainable import TrainableModel as LightningBase
from .trainable import temporal_cross_entropy

__all__ = ["LightningBase", "temporal_cross_entropy"]
'''
#: modules whose plugin version differs from the project's, and why
SUBSTITUTES = {"dynvision.model_components.lightning": _LIGHTNING_FREE}

_EMPTY_INIT = '"""Part of the DynVision runtime this plugin carries (written by ``dynvision register``)."""\n'
_IMPORT_CALLS = {"import_module", "__import__", "find_spec"}


class BundleError(ValueError):
    """The model's code cannot be carried into a plugin."""


@dataclass
class Bundle:
    """The runtime package: file texts by path relative to the plugin folder."""

    files: Dict[str, str]
    #: ``(module inside the runtime package, class name)`` of the model class
    model_class: Tuple[str, str]
    requirements: List[str]
    modules: List[str] = field(default_factory=list)


def _project_root(package: str) -> Path:
    module = sys.modules.get(package) or __import__(package)
    return Path(module.__file__).resolve().parent


def _module_file(name: str) -> Optional[Path]:
    """The source file of the project module ``name`` (None if it is not one)."""
    top = name.split(".")[0]
    if top not in PROJECT_PACKAGES:
        return None
    base = _project_root(top).joinpath(*name.split(".")[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _is_package(name: str) -> bool:
    path = _module_file(name)
    return path is not None and path.name == "__init__.py"


def _type_checking_block(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def _imports(tree: ast.AST) -> Iterable[ast.stmt]:
    """Every import statement, also inside functions, except ``if TYPE_CHECKING:`` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if _type_checking_block(child):
                stack.extend(child.orelse)
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                yield child
            stack.append(child)


def _absolute(node: ast.ImportFrom, package: str) -> str:
    """The absolute module a ``from ... import`` names, seen from ``package``."""
    if not node.level:
        return node.module or ""
    parts = package.split(".")
    if node.level > len(parts):
        raise BundleError(f"a relative import in {package} reaches beyond its top package")
    base = parts[: len(parts) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _targets(node: ast.stmt, package: str) -> Tuple[List[str], List[str]]:
    """``(project modules, other top-level packages)`` an import statement needs."""
    project: List[str] = []
    other: List[str] = []
    names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
             else [_absolute(node, package)])
    for name in names:
        top = name.split(".")[0]
        if top not in PROJECT_PACKAGES:
            if top and not (isinstance(node, ast.ImportFrom) and node.level):
                other.append(top)
            continue
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:  # `from pkg import submodule` needs the submodule
                submodule = f"{name}.{alias.name}"
                project.append(submodule if _module_file(submodule) else name)
        else:
            project.append(name)
    return project, other


def _check_no_import_by_string(tree: ast.AST, where: str) -> None:
    """A module imported by a string naming this project would escape the runtime copy."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name not in _IMPORT_CALLS or not node.args:
            continue
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str) \
                and first.value.split(".")[0] in PROJECT_PACKAGES:
            raise BundleError(f"{where}:{node.lineno} imports {first.value!r} by name; a plugin's copy of the "
                              "code cannot follow that (import it with an import statement)")


def _relative_import(alias: ast.alias, dots: str) -> str:
    """``import NAME [as ALIAS]`` as statements that import a project module relatively."""
    name = alias.name
    if name.split(".")[0] not in PROJECT_PACKAGES:
        return f"import {name}" + (f" as {alias.asname}" if alias.asname else "")
    parent, _, leaf = name.rpartition(".")
    if alias.asname:
        return f"from {dots}{parent} import {leaf} as {alias.asname}"
    # `import a.b.c` binds `a` and loads a.b.c
    statements = [f"from {dots} import {name.split('.')[0]}"]
    if parent:
        statements.append(f"from {dots}{parent} import {leaf} as _dv_{leaf}")
    return "; ".join(statements)


def _rewrite(source: str, tree: ast.AST, depth: int) -> str:
    """``source`` with each import of a project module made relative to the
    runtime package; ``depth`` is how deep the file's package lies in it."""
    dots = "." * (depth + 1)
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    edits: List[Tuple[int, int, str]] = []
    # every import statement, also under `if TYPE_CHECKING:`, so no absolute project import is left
    for node in (n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))):
        start = offsets[node.lineno - 1] + node.col_offset
        end = offsets[node.end_lineno - 1] + node.end_col_offset
        if isinstance(node, ast.ImportFrom):
            if node.level or (node.module or "").split(".")[0] not in PROJECT_PACKAGES:
                continue
            text = source[start:end]
            match = re.match(r"from\s+([\w.]+)\s+import", text)
            edits.append((start + match.start(1), start + match.end(1), dots + node.module))
            continue
        if not any(alias.name.split(".")[0] in PROJECT_PACKAGES for alias in node.names):
            continue
        statements = [_relative_import(alias, dots) for alias in node.names]
        edits.append((start, end, "; ".join(statements)))
    for start, end, text in sorted(edits, reverse=True):
        source = source[:start] + text + source[end:]
    return source


def _user_module_name(path: Path) -> str:
    name = re.sub(r"\W", "_", path.stem)
    return name if name and not name[0].isdigit() else f"m_{name}"


def _distribution_of(package: str) -> Optional[str]:
    distributions = metadata.packages_distributions().get(package)
    return sorted(distributions)[0] if distributions else None


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _lower_bounds() -> Dict[str, str]:
    """This project's lower version bounds, by distribution (upper bounds dropped)."""
    try:
        requires = metadata.requires("dynvision") or []
    except metadata.PackageNotFoundError:
        return {}
    bounds: Dict[str, str] = {}
    for line in requires:
        if ";" in line:  # extras and markers: not a runtime requirement
            continue
        match = re.match(r"\s*([A-Za-z0-9._-]+)\s*(?:\[[^\]]*\])?\s*(.*)$", line)
        if not match:
            continue
        lower = [spec.strip() for spec in match.group(2).split(",") if spec.strip().startswith(">")]
        bounds[_normal(match.group(1))] = ",".join(lower)
    return bounds


def requirements_for(packages: Iterable[str], where: Dict[str, str]) -> List[str]:
    """``requirements.txt`` lines for the imported top-level ``packages``
    (``where``: a file importing each, for the error message)."""
    bounds = _lower_bounds()
    host = {_normal(name) for name in HOST_DISTRIBUTIONS}
    lines: Dict[str, str] = {}
    for package in sorted(set(packages)):
        if package in sys.stdlib_module_names or package == "__future__":
            continue
        distribution = _distribution_of(package)
        if distribution is None:
            raise BundleError(f"{where.get(package, 'the model code')} imports {package!r}, which is neither "
                              "installed here nor part of dynvision: keep the model in one file that imports "
                              "only installed packages")
        name = _normal(distribution)
        if name not in host:
            lines[name] = distribution + bounds.get(name, "")
    return [lines[name] for name in sorted(lines)]


def _add_user_module(model_class: type, user_source: Optional[Path], files: Dict[str, str],
                     third_party: Dict[str, str], queue: List[str]) -> str:
    """Carry the user's model file (``--model-module``) as ``<runtime>/<user package>/<name>.py``; the
    project modules it imports join ``queue``. Returns the module the class will live in."""
    module, qualname = model_class.__module__, model_class.__qualname__
    source_file = getattr(sys.modules.get(module), "__file__", None)
    if user_source is None or source_file is None or Path(source_file).resolve() != user_source:
        raise BundleError(
            f"model class {qualname} comes from module {module} ({source_file or 'no file'}), which the plugin "
            "cannot carry: define it in one file and register with --model-module FILE")
    user_name = _user_module_name(user_source)
    text = user_source.read_text(encoding="utf-8")
    tree = ast.parse(text, filename=str(user_source))
    _check_no_import_by_string(tree, str(user_source))
    for node in _imports(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            raise BundleError(f"{user_source}:{node.lineno}: a relative import; the plugin carries only this "
                              "file, so import dynvision and installed packages only")
        project, other = _targets(node, USER_PACKAGE)
        queue.extend(project)
        third_party.update({name: str(user_source) for name in other})
    files[f"{RUNTIME_PACKAGE}/{USER_PACKAGE}/__init__.py"] = _EMPTY_INIT
    files[f"{RUNTIME_PACKAGE}/{USER_PACKAGE}/{user_name}.py"] = _rewrite(text, tree, 1)
    return f"{USER_PACKAGE}.{user_name}"


def build_bundle(model_class: type, model_module: Optional[Path] = None) -> Bundle:
    """The runtime package for ``model_class``: a class of this project's zoo,
    or one defined at the top level of the user's file ``model_module``."""
    qualname = model_class.__qualname__
    if "." in qualname:
        raise BundleError(f"model class {qualname} is nested in another class or function; define it at the top "
                          "level of its module")
    files: Dict[str, str] = {}
    third_party: Dict[str, str] = {}
    queue: List[str] = list(ENTRY_MODULES)
    full: Set[str] = set()
    user_source = Path(model_module).resolve() if model_module else None
    module = model_class.__module__
    if _module_file(module) is not None:
        class_module = module
        queue.append(module)
    else:
        class_module = _add_user_module(model_class, user_source, files, third_party, queue)
    parents: Set[str] = set()
    while queue:
        name = queue.pop()
        if name in full:
            continue
        full.add(name)
        path = _module_file(name)
        if path is None:
            raise BundleError(f"{name} is imported by the runtime but is no module of this project")
        text = SUBSTITUTES.get(name) or path.read_text(encoding="utf-8")
        tree = ast.parse(text, filename=str(path))
        _check_no_import_by_string(tree, str(path))
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _imports(tree):
            project, other = _targets(node, package)
            queue.extend(project)
            third_party.update({top: str(path) for top in other if top not in third_party})
        parts = name.split(".")
        parents.update(".".join(parts[:i]) for i in range(1, len(parts)))
        relative = "/".join(parts) + ("/__init__.py" if path.name == "__init__.py" else ".py")
        files[f"{RUNTIME_PACKAGE}/{relative}"] = _rewrite(text, tree, len(package.split(".")))
    for name in sorted(parents - full):
        files[f"{RUNTIME_PACKAGE}/{name.replace('.', '/')}/__init__.py"] = _EMPTY_INIT
    files[f"{RUNTIME_PACKAGE}/__init__.py"] = (
        '"""The DynVision runtime this plugin carries: the code that rebuilds and runs\n'
        'the registered model, copied from dynvision by ``dynvision register`` with\n'
        'its imports made relative (it never imports an installed ``dynvision``)."""\n')
    return Bundle(files=files, model_class=(class_module, qualname),
                  requirements=requirements_for(third_party, third_party), modules=sorted(full))
