"""Old names kept for one release: they work and warn with the new name (streamart/core/deprecation.py)."""

from __future__ import annotations

import warnings
from dataclasses import FrozenInstanceError, dataclass

import pytest

from streamart.core.deprecation import renamed_attribute, renamed_keywords


@renamed_keywords(colour="color")
def paint(wall: str, *, color: str = "white") -> str:
    return f"{wall} in {color}"


@renamed_keywords(colour="color")
@dataclass(frozen=True, kw_only=True)
class Wall:
    color: str

    colour = renamed_attribute("colour", "color")


@dataclass(frozen=True, kw_only=True)
class Floor:
    color: str = "oak"
    rug: bool = False


@renamed_keywords(floor_color="floor.color", rug="floor.rug")
@dataclass(kw_only=True)  # not frozen: a part is read-only under its old name all the same
class Room:
    floor: Floor = Floor(rug=True)
    doors: int = 1

    floor_color = renamed_attribute("floor_color", "floor.color")


class Door:
    def __init__(self) -> None:
        self.color = "red"

    colour = renamed_attribute("colour", "color")


def test_an_old_keyword_works_and_warns_with_the_new_one():
    with pytest.warns(DeprecationWarning, match=r"^paint\(colour=\) is deprecated; use color=$") as caught:
        assert paint("hall", colour="blue") == "hall in blue"
    assert caught[0].filename == __file__  # the warning points at the caller


def test_the_new_keyword_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert paint("hall", color="blue") == "hall in blue"


def test_the_old_and_the_new_keyword_together_are_refused():
    with pytest.raises(TypeError, match=r"paint\(\) got colour= and color=; give only color="):
        paint("hall", colour="blue", color="green")


def test_a_dataclass_takes_its_old_keyword_and_reads_its_old_attribute():
    with pytest.warns(DeprecationWarning, match=r"Wall\(colour=\) is deprecated; use color="):
        wall = Wall(colour="blue")
    assert wall == Wall(color="blue")
    with pytest.warns(DeprecationWarning, match=r"Wall.colour is deprecated; use color"):
        assert wall.colour == "blue"
    with pytest.raises(FrozenInstanceError):  # frozen under either name
        wall.colour = "green"


def test_an_old_attribute_name_reads_and_sets_the_new_one():
    door = Door()
    with pytest.warns(DeprecationWarning, match=r"Door.colour is deprecated; use color"):
        door.colour = "black"
    assert door.color == "black"


def test_old_keywords_that_became_parts_build_the_keyword_from_its_default():
    message = r"^Room\(floor_color=\) is deprecated; use floor=Floor\(color=\.\.\.\)$"
    with pytest.warns(DeprecationWarning, match=message) as caught:
        room = Room(floor_color="pine", doors=2)
    assert caught[0].filename == __file__  # the warning points at the caller
    assert room == Room(floor=Floor(color="pine", rug=True), doors=2)  # the default's other parts kept
    with pytest.warns(DeprecationWarning) as caught:
        assert Room(floor_color="pine", rug=False).floor == Floor(color="pine", rug=False)
    assert len(caught) == 2  # one warning for each old keyword


def test_an_old_keyword_and_the_keyword_it_became_part_of_together_are_refused():
    with pytest.raises(TypeError, match=r"^Room\(\) got rug= and floor=; give only floor=$"):
        Room(floor=Floor(), rug=False)


def test_an_old_attribute_that_became_a_part_reads_it_and_cannot_be_set():
    room = Room()
    with pytest.warns(DeprecationWarning, match=r"^Room.floor_color is deprecated; use floor.color$") as caught:
        assert room.floor_color == "oak"
    assert caught[0].filename == __file__
    with pytest.raises(AttributeError, match="has no setter"):
        room.floor_color = "pine"
    assert room.floor.color == "oak"
