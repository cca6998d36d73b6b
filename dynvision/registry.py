"""Name -> factory registries, one per kind of component (recurrence types,
solvers, operations, models, benchmarks, ...)."""
from __future__ import annotations

import difflib
from typing import Any, Callable, Dict, Generic, Iterator, List, Optional, Tuple, TypeVar

T = TypeVar("T")


class UnknownNameError(KeyError, ValueError):
    """Raised when a name is not registered; the message lists the valid names."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])


class Registry(Generic[T]):
    """A named collection of factories.

    >>> solvers = Registry("solver")
    >>> @solvers.register("euler")
    ... class Euler: ...
    >>> solvers.get("euler") is Euler
    True
    """

    def __init__(self, kind: str):
        self.kind = kind
        self._items: Dict[str, T] = {}

    def register(self, name: Optional[str] = None, *, overwrite: bool = False) -> Callable[[T], T]:
        """Decorator registering an object under ``name`` (default: its ``__name__``)."""

        def decorator(obj: T) -> T:
            key = name or getattr(obj, "__name__")
            if key in self._items and not overwrite and self._items[key] is not obj:
                raise ValueError(
                    f"{self.kind} {key!r} is already registered; pass overwrite=True to replace it"
                )
            self._items[key] = obj
            return obj

        return decorator

    def add(self, name: str, obj: T, *, overwrite: bool = False) -> T:
        return self.register(name, overwrite=overwrite)(obj)

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            raise UnknownNameError(self.unknown_message(name)) from None

    def unknown_message(self, name: str) -> str:
        message = f"unknown {self.kind} {name!r}; valid: {', '.join(sorted(self._items))}"
        close = difflib.get_close_matches(str(name), list(self._items), n=1, cutoff=0.6)
        if close:
            message += f" (did you mean {close[0]!r}?)"
        return message

    def names(self) -> List[str]:
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._items)

    def items(self) -> List[Tuple[str, Any]]:
        return sorted(self._items.items())
