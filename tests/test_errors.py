"""The error tree: each class is also the builtin it promises, with its documented exit code,
and a missing optional dependency names the pip extra that brings it."""

from __future__ import annotations

import pytest

from streamart import errors
from streamart.errors import (
    ClusterError,
    DependencyError,
    DeviceError,
    InputError,
    InputNotFoundError,
    ModelError,
    OutputError,
    StreamartError,
    TooManyPixelsError,
    WeightsError,
    require,
)

# The README's promise: 2 input, 3 output, 4 model, 5 device, 6 missing dependency, 7 weights,
# 8 cluster.
PROMISES = [
    (InputError, ValueError, 2),
    (InputNotFoundError, FileNotFoundError, 2),
    (TooManyPixelsError, ValueError, 2),
    (OutputError, OSError, 3),
    (ModelError, ValueError, 4),
    (DeviceError, RuntimeError, 5),
    (DependencyError, ImportError, 6),
    (WeightsError, RuntimeError, 7),
    (ClusterError, RuntimeError, 8),
]


@pytest.mark.parametrize("cls, builtin, code", PROMISES, ids=lambda value: getattr(value, "__name__", value))
def test_each_error_is_a_streamart_error_and_its_builtin_with_its_exit_code(cls, builtin, code):
    assert issubclass(cls, StreamartError) and issubclass(cls, builtin)
    assert cls.exit_code == code
    with pytest.raises(builtin, match="the message"):  # callers catching the builtin keep working
        raise cls("the message")


def test_every_error_class_is_covered():
    defined = {
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, StreamartError) and value is not StreamartError
    }
    assert defined == {cls for cls, _, _ in PROMISES}


def test_an_input_file_that_is_missing_is_still_an_input_error():
    assert issubclass(InputNotFoundError, InputError)
    with pytest.raises(InputError):
        raise InputNotFoundError("input clip.mp4 does not exist")


def test_the_base_class_exits_with_one_and_is_no_builtin_subclass():
    assert StreamartError.exit_code == 1
    assert not issubclass(StreamartError, (ValueError, OSError, RuntimeError, ImportError))


def test_exit_codes_are_distinct_per_kind():
    kinds = [cls for cls, _, _ in PROMISES if cls not in (InputNotFoundError, TooManyPixelsError)]  # inputs both
    codes = {cls.exit_code for cls in kinds}
    assert len(codes) == len(kinds)
    assert 0 not in codes and 1 not in codes and 130 not in codes  # success, bug, Ctrl-C


def test_require_returns_an_installed_module():
    import json

    assert require("json", "unused") is json


def test_require_names_the_pip_extra_of_a_missing_module():
    with pytest.raises(DependencyError) as error:
        require("streamart_no_such_module", "virtualcam")
    message = str(error.value)
    assert message == "streamart_no_such_module is not installed: pip install 'streamart[virtualcam]'"
    assert error.value.__cause__ is None and error.value.__suppress_context__  # one line, no chain
    assert isinstance(error.value, ImportError)


def test_require_does_not_blame_a_missing_install_for_a_broken_one(tmp_path, monkeypatch):
    # An installed module whose own import fails: installing the extra again would not help.
    (tmp_path / "streamart_broken_module.py").write_text("import streamart_missing_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(
        DependencyError, match="streamart_broken_module is installed but cannot import streamart_missing_dependency"
    ):
        require("streamart_broken_module", "torch")
