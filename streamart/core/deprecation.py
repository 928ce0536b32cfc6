"""Old names of the public API, kept working for one release after a rename: each use still
works and warns (:class:`DeprecationWarning`) with the name to use instead."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import operator
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

_Target = TypeVar("_Target", bound=Callable[..., Any])


def warn_renamed(old: str, new: str) -> None:
    """Warn the caller's caller that ``old`` is deprecated in favour of ``new``."""
    warnings.warn(f"{old} is deprecated; use {new}", DeprecationWarning, stacklevel=3)


def renamed_keywords(**renames: str) -> Callable[[_Target], _Target]:
    """Let a function, or a class's constructor, take each old keyword of ``renames`` (old name
    to new name) as the new one, warning; passing both is a :class:`TypeError`, as for any
    keyword given twice. Put it above ``@dataclass``, which writes the constructor.

    A new name may be a part of a keyword, as in ``style="look.style"``: the old keywords that
    became parts of one keyword build it from its default (a dataclass), each part replaced."""

    def decorate(target: _Target) -> _Target:
        # A class's own constructor (the one @dataclass writes), else the function itself.
        function = vars(target)["__init__"] if isinstance(target, type) else target
        name = target.__qualname__
        parameters = inspect.signature(function).parameters

        @functools.wraps(function)
        def with_old_keywords(*args: Any, **kwargs: Any) -> Any:
            parts: dict[str, dict[str, Any]] = {}  # keyword: its parts given under old names
            for old, new in renames.items():
                if old in kwargs:
                    keyword, dot, part = new.partition(".")
                    if keyword in kwargs:
                        raise TypeError(f"{name}() got {old}= and {keyword}=; give only {keyword}=")
                    if dot:
                        kind = type(parameters[keyword].default).__name__
                        warn_renamed(f"{name}({old}=)", f"{keyword}={kind}({part}=...)")
                        parts.setdefault(keyword, {})[part] = kwargs.pop(old)
                    else:
                        warn_renamed(f"{name}({old}=)", f"{new}=")
                        kwargs[new] = kwargs.pop(old)
            for keyword, values in parts.items():
                kwargs[keyword] = dataclasses.replace(parameters[keyword].default, **values)
            return function(*args, **kwargs)

        if isinstance(target, type):
            target.__init__ = with_old_keywords  # type: ignore[misc]  # the constructor, wrapped in place
            return target
        return with_old_keywords  # type: ignore[return-value]  # same signature, old keywords aside

    return decorate


def renamed_attribute(old: str, new: str) -> property:
    """A class attribute that keeps the old name ``old`` of the attribute ``new``: reading (and,
    where ``new`` can be set, setting) it works on ``new``, warning. ``new`` may be a part of an
    attribute, as in ``look.style``: reading works on that part, which cannot be set."""
    read = operator.attrgetter(new)

    def get(self: object) -> Any:
        warn_renamed(f"{type(self).__name__}.{old}", new)
        return read(self)

    def assign(self: object, value: Any) -> None:
        warn_renamed(f"{type(self).__name__}.{old}", new)
        setattr(self, new, value)

    return property(get, None if "." in new else assign, doc=f"Deprecated: :attr:`{new}`.")
