"""The quality tool's side-by-side with the peer: its pinned photos and its verdict."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")

import quality
from streamart.offline.corpus import default_sources, sources_from_json


def test_the_versus_photos_are_pinned_varied_and_never_trained_on():
    text = quality.VERSUS_PHOTOS.read_text()
    sources = sources_from_json(text)
    photos = json.loads(text)["photos"]
    assert len(photos) >= 12
    assert {"landscape", "architecture", "portrait", "crowd", "water", "interior", "close-up"} <= {
        photo["kind"] for photo in photos
    }
    listed = {(package.name, path) for package in sources.packages for path in package.photos}
    assert listed == {(photo["package"], photo["path"]) for photo in photos}
    for package in sources.packages:
        assert len(package.sha256) == 64 and package.size > 0 and package.file.startswith("pool/")
    for photo in photos:
        assert len(photo["sha256"]) == 64 and photo["licence"] and photo["shows"]
    trained = {(package.name, path) for package in default_sources().packages for path in package.photos}
    assert not listed & trained


def rows(ours: tuple[float, float], peer: tuple[float, float]) -> dict[str, dict]:
    """Two photos measured the same (so the means are these figures)."""
    figures = {
        "streamart": {"style_ratio": ours[0], "content_distance": ours[1]},
        "peer": {"style_ratio": peer[0], "content_distance": peer[1]},
    }
    return {"photo a": figures, "photo b": figures}


def test_the_bar_is_ten_percent_of_the_peer_on_both_measures():
    means = quality.versus_means(rows((0.33, 0.8), (0.30, 0.8)))
    assert quality.meets_bar(means["streamart"], means["peer"]) == (True, True)
    means = quality.versus_means(rows((0.34, 0.8), (0.30, 0.8)))
    assert quality.meets_bar(means["streamart"], means["peer"]) == (False, True)
    means = quality.versus_means(rows((0.30, 0.9), (0.30, 0.8)))
    assert quality.meets_bar(means["streamart"], means["peer"]) == (True, False)
    # A haze: both under 0.05 passes on style whatever the ratio of the two.
    means = quality.versus_means(rows((0.04, 0.5), (0.01, 0.5)))
    assert quality.meets_bar(means["streamart"], means["peer"]) == (True, True)


def test_the_table_gives_each_style_its_verdict_and_counts_the_passes():
    results = {
        "close": {"photos": rows((0.30, 0.80), (0.30, 0.80))},
        "far": {"photos": rows((0.90, 1.00), (0.30, 0.80))},
    }
    table = quality.versus_table(results).splitlines()
    assert table[2].startswith("| close | 0.30 | 0.30 | 1.000 |") and table[2].endswith("| yes |")
    assert "| 3.000 |" in table[3] and table[3].endswith("| no: style and content |")
    assert table[-1].endswith("| 1 of 2 |")
