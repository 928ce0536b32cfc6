"""Options shared by several subcommands (streamart/cli/options.py)."""

from __future__ import annotations

import pytest

from streamart.cli import build_parser, video, webcam
from streamart.core.controls import LiveControls
from streamart.stages.temporal import DEFAULT_FLOW_PRESET, FlowStage

POSITIONALS = {"video": ["in.mp4", "out.mp4"], "webcam": []}


@pytest.mark.parametrize("command", ["video", "webcam"])
def test_flow_preset_reaches_the_flow_stage(command, tiny_model):
    def parse(*options: str):
        return build_parser().parse_args([command, *POSITIONALS[command], *options])

    assert parse().flow_preset == DEFAULT_FLOW_PRESET
    args = parse("--style", str(tiny_model), "--flow-preset", "ultrafast")
    if command == "video":
        stages = video._build_stages(args)
    else:
        stages = webcam._build_stages(args, LiveControls([str(tiny_model)]))
    assert isinstance(stages[0], FlowStage) and stages[0].preset == "ultrafast"
    for stage in stages:
        stage.close()


@pytest.mark.parametrize("command", ["video", "webcam"])
def test_unknown_flow_preset_is_refused(command, capsys):
    with pytest.raises(SystemExit) as caught:
        build_parser().parse_args([command, *POSITIONALS[command], "--flow-preset", "slow"])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'slow'" in err and "ultrafast" in err
