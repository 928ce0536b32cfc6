"""LiveControls: the settings a window's hotkeys change while the stages read them."""

from __future__ import annotations

import sys
import threading

import pytest

from streamart.core.controls import STRENGTH_STEP, LiveControls


def test_defaults():
    controls = LiveControls()
    assert (controls.model_index, controls.strength) == (0, 1.0)
    assert controls.temporal_enabled and controls.overlay and not controls.split_view
    assert controls.model is None


def test_ten_steps_land_exactly_on_zero_and_one_and_stay_there():
    controls = LiveControls(strength=1.0)
    seen = []
    for _ in range(10):
        controls.adjust_strength(-STRENGTH_STEP)
        seen.append(controls.strength)
    # Exact values: unrounded, 1.0 - 0.1 - 0.1 - 0.1 is 0.7000000000000001 (no 0.0 at the end).
    assert seen == [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0]
    controls.adjust_strength(-STRENGTH_STEP)
    assert controls.strength == 0.0  # clamped
    for _ in range(10):
        controls.adjust_strength(STRENGTH_STEP)
    assert controls.strength == 1.0
    controls.adjust_strength(0.5)
    assert controls.strength == 1.0


def test_a_strength_out_of_range_is_clamped():
    assert LiveControls(strength=3.0).strength == 1.0
    assert LiveControls(strength=-0.5).strength == 0.0
    assert LiveControls(strength=0.35).strength == 0.35


def test_styles_cycle_and_wrap_both_ways():
    controls = LiveControls(("candy", "mosaic", "udnie"), model_index=2)
    assert controls.model == "udnie"
    controls.next_style()
    assert (controls.model_index, controls.model) == (0, "candy")
    controls.prev_style()
    assert controls.model == "udnie"
    controls.prev_style()
    assert controls.model == "mosaic"


def test_cycling_without_styles_does_nothing():
    controls = LiveControls()
    controls.next_style()
    controls.prev_style()
    assert controls.model_index == 0 and controls.model is None


@pytest.mark.parametrize("index", [3, -1])
def test_a_style_index_outside_the_styles_is_refused(index):
    with pytest.raises(ValueError, match=f"model_index {index} is out of range for 3 styles"):
        LiveControls(("a", "b", "c"), model_index=index)


def test_toggles_flip_and_flip_back():
    controls = LiveControls(temporal_enabled=True, split_view=False, overlay=False)
    controls.toggle_temporal()
    controls.toggle_split_view()
    controls.toggle_overlay()
    assert (controls.temporal_enabled, controls.split_view, controls.overlay) == (False, True, True)
    controls.toggle_temporal()
    controls.toggle_split_view()
    controls.toggle_overlay()
    assert (controls.temporal_enabled, controls.split_view, controls.overlay) == (True, False, False)


@pytest.fixture
def frequent_thread_switches():
    """Make the interpreter switch threads every microsecond (instead of every 5 ms), so that
    an unguarded read-modify-write really gets interrupted between its read and its write."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


def hammer(*actions, rounds: int) -> None:
    """Run each action ``rounds`` times, each in its own thread, all starting together."""
    start = threading.Barrier(len(actions))

    def press(action):
        start.wait()
        for _ in range(rounds):
            action()

    threads = [threading.Thread(target=press, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_concurrent_strength_changes_are_never_lost(frequent_thread_switches):
    controls = LiveControls(strength=0.0)
    step = lambda: controls.adjust_strength(0.0001)  # noqa: E731
    hammer(step, step, step, step, rounds=2_000)
    assert controls.strength == 0.8  # 8000 steps of 0.0001, none lost


def test_concurrent_style_steps_and_toggles_are_never_lost(frequent_thread_switches):
    controls = LiveControls(tuple(f"style{i}" for i in range(7)))
    hammer(
        controls.next_style,
        controls.next_style,
        controls.prev_style,
        controls.toggle_temporal,
        controls.toggle_temporal,
        controls.toggle_overlay,
        rounds=1_000,
    )
    # +2000 - 1000 steps through 7 styles; an even number of toggles leaves each as it was.
    assert controls.model_index == 1_000 % 7
    assert controls.temporal_enabled is True and controls.overlay is True


def test_b_blends_the_next_style_in_a_quarter_at_a_time():
    controls = LiveControls(["starry_night", "the_scream", "shipwreck"], model_index=1)
    names = []
    for _ in range(5):
        names.append(controls.model)
        controls.cycle_blend()
    assert names == [
        "the_scream",
        "the_scream:0.75,shipwreck:0.25",
        "the_scream:0.5,shipwreck:0.5",
        "the_scream:0.25,shipwreck:0.75",
        "the_scream",
    ]
    controls.cycle_blend()
    controls.next_style()  # another style starts unblended
    assert controls.model == "shipwreck"
    controls.cycle_blend()
    assert controls.model == "shipwreck:0.75,starry_night:0.25"  # wraps to the first


def test_a_single_style_cannot_be_blended():
    controls = LiveControls(["starry_night"])
    controls.cycle_blend()
    assert controls.model == "starry_night"


def test_a_style_learnt_during_the_session_is_added_and_chosen():
    controls = LiveControls(["starry_night", "the_scream"])
    controls.cycle_blend()
    controls.add_style("my_painting")
    assert controls.models == ("starry_night", "the_scream", "my_painting")
    assert controls.model == "my_painting"  # chosen, unblended


def test_the_old_names_of_the_models_work_for_one_release():
    with pytest.warns(DeprecationWarning) as caught:
        controls = LiveControls(style_names=["candy", "mosaic"], style_index=1)
    assert [str(warning.message) for warning in caught] == [
        "LiveControls(style_names=) is deprecated; use models=",
        "LiveControls(style_index=) is deprecated; use model_index=",
    ]
    assert (controls.models, controls.model_index) == (("candy", "mosaic"), 1)
    with pytest.warns(DeprecationWarning, match="LiveControls.style_index is deprecated; use model_index"):
        controls.style_index = 0
    with pytest.warns(DeprecationWarning, match="LiveControls.style_name is deprecated; use model"):
        assert controls.style_name == "candy"
    with pytest.warns(DeprecationWarning, match="LiveControls.style_names is deprecated; use models"):
        assert controls.style_names == ("candy", "mosaic")
    with pytest.warns(DeprecationWarning, match=r"LiveControls.add_style\(name=\) is deprecated; use model="):
        controls.add_style(name="udnie")
    assert controls.model == "udnie"
