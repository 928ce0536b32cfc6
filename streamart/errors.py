"""Errors that streamart raises for problems a user can fix.

Every class also inherits the matching builtin, so callers that catch ``ValueError`` or
``OSError`` keep working. The CLI turns a :class:`StreamartError` into ``error: <message>`` and
its ``exit_code``; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class StreamartError(Exception):
    """Base class: a one-line message that names the problem and the fix."""

    exit_code = 1


class InputError(StreamartError, ValueError):
    """The input media cannot be read (not media, corrupt, no video stream, ...)."""

    exit_code = 2


class InputNotFoundError(InputError, FileNotFoundError):
    """The input path does not exist."""


class TooManyPixelsError(InputError):
    """A picture or video frame whose header says it has more pixels than the limit (a
    decompression bomb, or a limit set too low)."""


class OutputError(StreamartError, OSError):
    """The output cannot be written (folder missing or read-only, file exists, ...)."""

    exit_code = 3


class ModelError(StreamartError, ValueError):
    """A model file is missing, not a model, or does not follow the expected convention."""

    exit_code = 4


class DeviceError(StreamartError, RuntimeError):
    """A compute device, camera or virtual camera is missing or cannot be used."""

    exit_code = 5


class DependencyError(StreamartError, ImportError):
    """An optional dependency is missing; the message names the pip extra that provides it."""

    exit_code = 6


class WeightsError(StreamartError, RuntimeError):
    """Pretrained weights cannot be fetched, verified or loaded."""

    exit_code = 7


class ClusterError(StreamartError, RuntimeError):
    """A Ray cluster cannot be reached, or a chunk of work failed on it for good."""

    exit_code = 8


def require(module: str, extra: str):
    """Import an optional dependency, or raise :class:`DependencyError` naming its extra."""
    import importlib

    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module.partition(".")[0]:
            raise DependencyError(f"{module} is installed but cannot import {exc.name}: {exc}") from None
        raise DependencyError(f"{module} is not installed: pip install 'streamart[{extra}]'") from None
    except ImportError as exc:  # installed, but broken (a missing shared library, say)
        raise DependencyError(f"{module} is installed but cannot be imported: {exc}") from None
