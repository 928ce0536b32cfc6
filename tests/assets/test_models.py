"""Finding style models: the shipped zoo, the default style, $STREAMART_MODELS, bad names."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest
from model_factory import make_style_model

from streamart.assets.models import (
    DEFAULT_STYLE,
    MAX_STYLE_NAME_BYTES,
    StyleNameTooLong,
    list_models,
    new_style_name,
    resolve_model,
    style_name,
)
from streamart.config import StyleConfig
from streamart.core.frame import Frame
from streamart.core.files import OutputFile
from streamart.errors import InputError, ModelError, OutputError
from streamart.stages.style import StyleStage

#: A few of the shipped styles (streamart/assets/zoo/README.md lists them all).
SHIPPED = {"starry_night", "the_scream", "shipwreck", "matisse_woman_with_hat", "great_wave_hokusai"}


def test_the_shipped_zoo_is_found_and_small_enough_for_a_wheel():
    zoo = [entry for entry in list_models() if entry.shipped]
    assert SHIPPED <= {entry.style for entry in zoo} and len(zoo) >= 20
    assert {entry.variant for entry in zoo} == {"cpu"}  # the CPU default network
    assert all(100_000 < entry.size_bytes < 1_000_000 for entry in zoo)  # small fp16 files, not pointers
    assert sum(entry.size_bytes for entry in zoo) <= 25_000_000


def test_no_name_means_the_default_style():
    assert resolve_model(None).stem == f"{DEFAULT_STYLE}-cpu"
    assert resolve_model("the_scream").stem == "the_scream-cpu"


def test_the_default_model_really_stylizes():
    # A smooth grey-blue gradient: a real style model paints texture and colour into it.
    ys, xs = np.mgrid[0:96, 0:128]
    image = np.stack([60 + xs, 80 + ys, 140 + 0 * xs], axis=-1).astype(np.uint8)
    out = StyleStage(StyleConfig()).process(Frame(image=image, index=0)).image
    assert out.shape == image.shape
    assert np.abs(out.astype(int) - image.astype(int)).mean() > 15
    texture = np.abs(np.diff(out.astype(int), axis=1)).mean()
    assert texture > 3 * np.abs(np.diff(image.astype(int), axis=1)).mean()
    assert out.std() > 20  # not grey mush


@pytest.mark.parametrize("height, width", [(48, 64), (97, 131), (180, 320)])
def test_every_shipped_model_runs_at_any_size_and_says_what_made_it(height, width):
    # What a user's picture meets: each shipped style, at a small, an odd and a wide size.
    from streamart.runtimes.onnx import OnnxModel

    rng = np.random.default_rng(height)
    image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    for entry in (entry for entry in list_models() if entry.shipped):
        model = OnnxModel(entry.path, device="cpu", threads=1)
        props = model.metadata
        assert props["streamart.painting_file"].endswith((".jpg", ".png")) and props["streamart.thumbnail"]
        # The recipe as the models shipped before issue 21 record it (newer ones carry
        # streamart.recipe as well): crop and painting sizes, steps, temporal weight.
        for key in (
            "streamart.train_size",
            "streamart.style_size",
            "streamart.iterations",
            "streamart.temporal_weight",
        ):
            assert float(props[key]) > 0, (entry.style, key)
        out = StyleStage(StyleConfig(model=entry.path, size=None, threads=1)).process(Frame(image=image, index=0)).image
        assert out.shape == image.shape and out.dtype == np.uint8, entry.style
        assert np.abs(out.astype(int) - image.astype(int)).mean() > 5, entry.style


def test_models_folder_from_the_environment_comes_first(tmp_path, monkeypatch):
    make_style_model(tmp_path / "starry_night-cpu.onnx")
    monkeypatch.setenv("STREAMART_MODELS", str(tmp_path))
    assert resolve_model(None) == tmp_path / "starry_night-cpu.onnx"


def test_unknown_style_names_the_known_ones():
    with pytest.raises(ModelError, match="unknown style 'van_gogh'.*starry_night"):
        resolve_model("van_gogh")


def test_unknown_style_names_each_style_once_as_style_takes_it_and_points_to_the_models_command():
    with pytest.raises(ModelError) as caught:
        resolve_model("van_gogh")
    message = str(caught.value)
    named = message.split("available: ", 1)[1].split("; or", 1)[0].split(", ")
    styles = {entry.style for entry in list_models()}
    assert sorted(named) == named and set(named) == styles and len(named) == len(styles)
    assert not any(name.endswith(("-cpu", "-lite", "-full")) for name in named)
    assert "'streamart models'" in message and "\n" not in message


def test_new_styles_go_to_the_first_models_folder_else_the_user_data_folder(tmp_path, monkeypatch):
    from streamart.assets.folders import user_models_dir
    from streamart.assets.models import search_folders, shipped_dir

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    if sys.platform.startswith("linux"):
        assert user_models_dir() == tmp_path / "data" / "streamart" / "models"
    assert search_folders() == [user_models_dir(), shipped_dir()]
    monkeypatch.setenv("STREAMART_MODELS", os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "b")]))
    assert user_models_dir() == tmp_path / "a"
    assert search_folders() == [tmp_path / "a", tmp_path / "b", shipped_dir()]


def test_a_users_model_is_found_by_name_and_is_not_shipped(tmp_path, monkeypatch):
    from model_factory import make_style_model
    from streamart.assets.folders import user_models_dir
    from streamart.assets.models import list_models

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    user_models_dir().mkdir(parents=True)
    make_style_model(user_models_dir() / "my_painting.onnx")
    assert resolve_model("my_painting") == user_models_dir() / "my_painting.onnx"
    shipped = {entry.name: entry.shipped for entry in list_models()}
    assert shipped["my_painting"] is False and shipped[f"{DEFAULT_STYLE}-cpu"] is True


def test_a_style_name_is_free_text_in_lower_case_words():
    assert style_name("Water Lilies (1906)") == "water_lilies_1906"
    assert style_name("睡蓮 Monet") == "睡蓮_monet"
    with pytest.raises(InputError, match="'\\?!' gives no style name; choose a name with letters or digits"):
        style_name("?!")


def test_a_style_name_is_limited_in_bytes_not_characters():
    assert style_name("梵" * (MAX_STYLE_NAME_BYTES // 3)) == "梵" * 66  # 198 bytes
    with pytest.raises(StyleNameTooLong) as error:
        style_name("梵" * 100)  # 100 characters, 300 bytes
    assert str(error.value).startswith("the style name '" + "梵" * 24 + "…' takes 300 bytes")
    assert error.value.exit_code == 2 and "\n" not in str(error.value)


def test_the_longest_style_name_gives_file_names_the_file_system_takes(tmp_path):
    longest = "梵" * (MAX_STYLE_NAME_BYTES // 3) + "a" * (MAX_STYLE_NAME_BYTES % 3)
    model = tmp_path / f"{style_name(longest)}.onnx"
    output = OutputFile(model, overwrite=False)  # its claim and its temporary name beside it
    output.temporary.write_bytes(b"model")
    assert output.commit() == model and model.read_bytes() == b"model"


def test_a_new_style_may_not_take_a_shipped_styles_name():
    assert new_style_name("My Own") == "my_own"
    with pytest.raises(OutputError, match="'starry_night' is the name of a style that comes with streamart"):
        new_style_name("Starry Night")


def test_every_count_of_shipped_models_in_the_docs_is_the_real_one():
    # The README once said 24 paintings ship when 21 did; now it names no number, and the
    # places that do must agree with the zoo.
    import re
    from pathlib import Path

    from streamart.assets.models import shipped_dir

    shipped = len(list(shipped_dir().glob("*.onnx")))
    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(r"\b(\d+) (?:of them shipped|shipped (?:models|styles)|of the \d+ paintings are shipped)")
    counts = {
        path.name: [int(n) for n in pattern.findall((root / path).read_text())]
        for path in (Path("README.md"), Path("streamart/assets/zoo/README.md"), Path("docs/QUALITY.md"))
    }
    assert sum(counts.values(), []), "no document states the count"
    assert all(n == shipped for found in counts.values() for n in found), (shipped, counts)
    assert not re.search(r"one for each of \d+ public-domain", (root / "README.md").read_text())


def test_a_new_users_model_goes_to_the_model_folder_with_its_checkpoints_in_the_cache(tmp_path, monkeypatch):
    from streamart.assets.models import new_user_model

    monkeypatch.setenv("STREAMART_MODELS", str(tmp_path / "models"))
    monkeypatch.setenv("STREAMART_CACHE", str(tmp_path / "cache"))
    model = new_user_model("Water Lilies")
    assert model.name == "water_lilies" and (tmp_path / "models").is_dir()
    assert model.path == tmp_path / "models" / "water_lilies.onnx"
    assert model.checkpoints == tmp_path / "cache" / "training" / "water_lilies"
    with pytest.raises(OutputError, match="'the_scream' is the name of a style that comes with streamart"):
        new_user_model("The Scream")


def test_resolve_model_takes_style_as_model_for_one_release():
    with pytest.warns(DeprecationWarning, match=r"^resolve_model\(style=\) is deprecated; use model=$"):
        assert resolve_model(style="the_scream") == resolve_model("the_scream")
