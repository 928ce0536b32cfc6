"""The shape of the package: what the layers promise, checked so that it cannot drift."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import shutil
import subprocess
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "streamart"
#: What a CLI module may not import directly: it parses arguments into a config and calls the API.
BELOW_THE_API = ("core.runner", "sources", "sinks", "stages", "runtimes", "nets")


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, relative imports resolved to ``streamart.…`` names."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize(
    "path",
    sorted([*(PACKAGE / "cli").glob("*.py"), *(PACKAGE / "web").glob("*.py")]),
    ids=lambda path: f"{path.parent.name}/{path.name}",
)
def test_the_cli_and_the_web_app_stay_above_the_api(path):
    below = [
        name
        for name in imported_modules(path)
        if any(name == f"streamart.{layer}" or name.startswith(f"streamart.{layer}.") for layer in BELOW_THE_API)
    ]
    assert below == [], f"{path.name} imports {below}: go through streamart.api"


#: What stands on the API and so may import it: the CLI, the web app, the benchmark (which
#: times what the API builds) and the package's own ``__init__`` (its public names).
ON_THE_API = ("cli", "web", "offline/bench.py", "__init__.py")
#: What the API stands on: every other subpackage and module (bar ``__main__.py``, which only
#: runs the CLI). Listed in full, so that a new one is placed on purpose.
UNDER_THE_API = (
    "art",
    "assets",
    "config.py",
    "core",
    "distributed",
    "errors.py",
    "nets",
    "offline",
    "ops",
    "runtimes",
    "sinks",
    "sources",
    "stages",
)


def _part(path: Path) -> str:
    """The entry of ON_THE_API or UNDER_THE_API that ``path`` belongs to."""
    relative = path.relative_to(PACKAGE).as_posix()
    return relative if relative in ON_THE_API else relative.split("/")[0]


def _imports_the_api(path: Path) -> bool:
    return any(name == "streamart.api" or name.startswith("streamart.api.") for name in imported_modules(path))


def test_only_the_cli_the_web_app_the_benchmark_and_the_package_import_the_api():
    importing = {_part(path) for path in PACKAGE.rglob("*.py") if _part(path) != "api" and _imports_the_api(path)}
    assert importing <= set(ON_THE_API), (
        f"{sorted(importing - set(ON_THE_API))} import streamart.api, which stands on them"
    )


def test_everything_else_lies_under_the_api_and_never_imports_it():
    parts = {_part(path) for path in PACKAGE.rglob("*.py")} - {"api", "__main__.py"}
    assert parts - set(ON_THE_API) == set(UNDER_THE_API), "place each new module in ON_THE_API or UNDER_THE_API"
    calling_up = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if _part(path) in UNDER_THE_API and _imports_the_api(path)
    ]
    assert calling_up == []


#: The modules that may start threads, each for its reason: the runner gives each source, stage
#: and sink of a run its own thread; OpenCV's highgui must always be called from one thread, the
#: process's GUI thread.
THREAD_STARTERS = ("core/runner.py", "core/gui_thread.py")


def test_only_the_runner_and_the_gui_thread_start_threads():
    """streamart's threads are the runner's and the GUI thread; the web app uses asyncio and its
    framework's pool."""
    starting = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).as_posix() not in THREAD_STARTERS
        and re.search(r"\bThread\(|ThreadPoolExecutor|_thread\.start", path.read_text())
    ]
    assert starting == []


def test_few_modules_sit_directly_in_the_package():
    flat = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(flat) <= 8, flat


def test_every_module_has_its_test_file():
    tests = Path(__file__).resolve().parent
    missing = []
    for module in PACKAGE.rglob("*.py"):
        if module.name in ("__init__.py", "__main__.py"):
            continue
        relative = module.relative_to(PACKAGE)
        if not (tests / relative.parent / f"test_{module.name}").is_file():
            missing.append(str(relative))
    assert missing == []


def test_no_feature_newer_than_requires_python():
    pyproject = (PACKAGE.parent / "pyproject.toml").read_text()
    version = re.search(r'^requires-python = ">=([0-9.]+)"', pyproject, re.M).group(1)
    vermin = shutil.which("vermin")
    assert vermin is not None, "vermin (the test extra) is not installed"
    result = subprocess.run(
        [vermin, "--no-tips", "--violations", f"--target={version}-", str(PACKAGE)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:2])


def test_the_python_floor_is_what_the_pyav_floor_needs_and_the_readme_says_it():
    # requires-python once said 3.10 beside av>=12: on 3.10 pip resolved PyAV 17, where
    # ops/video.py fails at import. PyAV's own Requires-Python says what its floor needs.
    pyproject = (PACKAGE.parent / "pyproject.toml").read_text()
    python_floor = re.search(r'^requires-python = ">=([0-9.]+)"', pyproject, re.M).group(1)
    av_floor = re.search(r'"av>=([0-9.]+)"', pyproject).group(1)
    installed = importlib.metadata.metadata("av")
    # The floor is a release series the tests run on (av 12 was never tried), so its
    # Requires-Python is at hand.
    assert _version(installed["Version"])[0] == _version(av_floor)[0], (
        f"the tests run PyAV {installed['Version']} but the floor is av>={av_floor}: test the floor's series or raise it"
    )
    needs = re.search(r">=\s*([0-9.]+)", installed["Requires-Python"]).group(1)
    assert _version(python_floor) >= _version(needs), f"PyAV {av_floor} needs Python {needs}"
    readme = (PACKAGE.parent / "README.md").read_text()
    assert f"Python {python_floor}+" in readme
    assert set(re.findall(r"Python (3\.\d+)\+", readme)) == {python_floor}


def test_public_names_are_exported():
    import streamart

    for name in streamart.__all__:
        assert hasattr(streamart, name)


#: What ``streamart.api`` offered as one module (bar the standard library's names it imported):
#: users import them from there, so the facade over the topic modules keeps every one.
API_NAMES_OF_0_2 = (
    "BatchProgress",
    "BatchReport",
    "ClosingContext",
    "ClusterConfig",
    "DEFAULT_FLOW_PRESET",
    "DEFAULT_STYLE",
    "DEFAULT_TEMPORAL",
    "DreamVideoConfig",
    "EncodeConfig",
    "EncoderSink",
    "FileOutcome",
    "FileSource",
    "FinishStage",
    "Frame",
    "ImageSink",
    "ImageSource",
    "InputError",
    "InputNotFoundError",
    "LiveConfig",
    "LiveControls",
    "MAX_PIXELS",
    "OutputError",
    "PipelineStats",
    "Progress",
    "RECORD_ENCODE",
    "Sink",
    "Source",
    "Stage",
    "StreamartError",
    "StyleConfig",
    "StyleStage",
    "Stylizer",
    "TemporalBlendStage",
    "Terminated",
    "TrainingConfig",
    "VIDEO_DREAM_PRESET",
    "VIDEO_DREAM_SETTINGS",
    "VIDEO_EXTENSIONS",
    "WebcamSource",
    "build_dream_stages",
    "build_style_stages",
    "cache_dir",
    "check_image",
    "check_output_path",
    "describe",
    "dream_image",
    "find_videos",
    "gatys_image",
    "is_batch",
    "limit_short_side",
    "list_cameras",
    "list_models",
    "live",
    "live_styles",
    "load_image",
    "new_style_name",
    "process_image",
    "process_video",
    "resize",
    "resize_long_side",
    "resolve_model",
    "run",
    "run_pipeline",
    "style_metadata",
    "stylize_folder",
    "stylize_image",
    "stylize_video",
    "train_style",
    "user_models_dir",
    "video_dream_config",
    "virtual_camera_backends",
)


def test_every_name_the_api_module_had_is_still_importable_from_it():
    import streamart.api

    assert [name for name in API_NAMES_OF_0_2 if not hasattr(streamart.api, name)] == []
