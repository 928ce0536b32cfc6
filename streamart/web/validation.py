"""Requests the page should not have sent (HTTP 422), in a sentence a person understands: the
field as the page labels it (its ``title``) and the range it allows (its bounds), instead of
pydantic's "Input should be greater than 0".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import annotated_types
from fastapi.routing import APIRoute
from pydantic.fields import FieldInfo

#: pydantic's error types for a number out of its range or not a number at all.
_NUMBER_ERRORS = {
    "greater_than",
    "greater_than_equal",
    "less_than",
    "less_than_equal",
    "int_parsing",
    "int_from_float",
    "int_type",
    "float_parsing",
    "float_type",
    "finite_number",
}


def _field(route: object, where: str, name: str) -> FieldInfo | None:
    """The declaration of the request's field ``name`` (``where``: "body", "query" or "path")."""
    if not isinstance(route, APIRoute):
        return None
    if where == "body":
        for param in route.dependant.body_params:
            fields = getattr(param.field_info.annotation, "model_fields", {})
            if name in fields:
                return fields[name]
    params = {"query": route.dependant.query_params, "path": route.dependant.path_params}.get(where, [])
    for param in params:
        if param.name == name:
            return param.field_info
    return None


def allowed_range(field: FieldInfo) -> str:
    """ "from 16 to 2160 px", "more than 0 and at most 3600 s", ...: the field's bounds, with its
    unit (its ``description``)."""
    unit = f" {field.description}" if field.description else ""
    bounds = {
        kind: f"{getattr(bound, kind):g}"
        for bound in field.metadata
        for kind in ("ge", "gt", "le", "lt")
        if isinstance(bound, getattr(annotated_types, kind.capitalize()))
    }
    if "ge" in bounds and "le" in bounds:
        return f"from {bounds['ge']} to {bounds['le']}{unit}"
    lower = f"at least {bounds['ge']}" if "ge" in bounds else f"more than {bounds['gt']}" if "gt" in bounds else None
    upper = f"at most {bounds['le']}" if "le" in bounds else f"less than {bounds['lt']}" if "lt" in bounds else None
    return " and ".join(part for part in (lower, upper) if part) + (unit if lower or upper else "")


def describe(errors: Sequence[dict[str, Any]], route: object) -> str:
    """One sentence for the first of pydantic's ``errors`` in a request to ``route``."""
    error = errors[0]
    kind, loc = error.get("type", ""), tuple(error.get("loc", ()))
    if kind == "json_invalid":
        return "the request is not valid JSON; reload the page and try again"
    if len(loc) < 2:
        return f"the request is incomplete or malformed ({error.get('msg', 'invalid')}); reload the page and try again"
    where, name = str(loc[0]), str(loc[1])
    if kind == "extra_forbidden":
        return f"'{name}' is not a setting this app knows; reload the page and try again"
    field = _field(route, where, name)
    label = field.title if field is not None and field.title else name
    if kind == "missing":
        return f"{label} is missing; reload the page and try again"
    if field is not None and kind in _NUMBER_ERRORS:
        whole = "a whole number" if kind.startswith("int") or field.annotation in (int, int | None) else "a number"
        bounds = allowed_range(field)
        return f"{label} must be {whole}{' ' + bounds if bounds else ''}"
    if field is not None and kind == "string_too_long":
        return f"{label} must be at most {error.get('ctx', {}).get('max_length')} characters long"
    return f"{label}: {error.get('msg', 'invalid')}"
