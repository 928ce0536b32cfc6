"""Refused requests in the page's words: the field's label and the range it allows."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field

from streamart.web.validation import allowed_range, describe


class Settings(BaseModel):
    size: int = Field(480, ge=16, le=2160, title="Working size", description="px")
    duration: float = Field(3, gt=0, le=3600, title="Preview length", description="s")
    strength: float = Field(1, ge=0, title="Strength")
    count: int = Field(1, lt=10)


@pytest.mark.parametrize(
    "name, text",
    [
        ("size", "from 16 to 2160 px"),
        ("duration", "more than 0 and at most 3600 s"),
        ("strength", "at least 0"),
        ("count", "less than 10"),
    ],
)
def test_the_allowed_range_reads_as_a_sentence(name, text):
    assert allowed_range(Settings.model_fields[name]) == text


@pytest.mark.parametrize(
    "error, text",
    [
        ({"type": "json_invalid", "loc": ("body", 12), "msg": "JSON decode error"}, "the request is not valid JSON"),
        ({"type": "missing", "loc": ("body", "upload"), "msg": "Field required"}, "upload is missing"),
        ({"type": "missing", "loc": ("body",), "msg": "Field required"}, "the request is incomplete or malformed"),
        (
            {"type": "extra_forbidden", "loc": ("body", "path"), "msg": "Extra inputs"},
            "'path' is not a setting this app knows",
        ),
    ],
)
def test_requests_that_no_page_sends_say_to_reload(error, text):
    """Without a route (the field's declaration) the message still names what is wrong."""
    assert describe([error], None).startswith(text)
