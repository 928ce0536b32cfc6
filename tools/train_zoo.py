"""Train the shipped base network and the shipped style models (the zoo), reproducibly.

    python3 tools/train_zoo.py base  --paintings ../shared/styles --hold-out NAME,... [--steps 1000]
    python3 tools/train_zoo.py zoo   --paintings ../shared/styles --out streamart/assets/zoo [--jobs 2]
    python3 tools/train_zoo.py long  --paintings ../shared/styles --only NAME,... --out DIR
    python3 tools/train_zoo.py dreams [PRESET ...] --out streamart/assets/zoo [--iterations N] [--jobs 2]
    python3 tools/train_zoo.py table --models streamart/assets/zoo

``base``: meta-learns the starting point that quick training fine-tunes from
(:mod:`streamart.offline.meta`) on every painting but the ``--hold-out`` ones, which stay
unseen so that the quick-training gate (docs/QUALITY.md) measures pictures new to the base.
Written to ``streamart/assets/base/VARIANT.pt`` (package data). Resumes where it stopped.

``zoo``: one ``streamart train`` per painting, fine-tuned from that base with the training
defaults and ``--iterations``, written as ``NAME-VARIANT.onnx``; ``--jobs`` runs that many at
once, one thread each (on two cores, two one-thread runs finish sooner than one two-thread run
after another). ``--stop-after S`` ends the runs still going after S seconds with SIGTERM (each
keeps its checkpoint once it has begun training; ``--resume`` goes on from it) and starts none
after that, for a GPU call's time limit (tools/gpu_train.sh). ``long``: the same pictures
trained from scratch for ``--iterations`` (the "full-length" reference of the gate).

Each run's command line and its log go beside its output, under ``logs/`` (so that
the model README can state exactly how every file was made).

``dreams``: one ``streamart train --dream PRESET`` per preset (default: the shipped ones,
:data:`SHIPPED_DREAMS`), with the training defaults (the recipe of docs/DREAM.md, "Dream
networks"), written as ``dream_PRESET-cpu.onnx``; ``--jobs``, ``--stop-after`` and ``--resume``
as for ``zoo``, more ``streamart train`` options in ``--train-options``. The teacher's dreams are cached (``streamart.offline.dream_distill``), so a
second run, or a resumed one, dreams only what is missing.

``table`` prints the model README's table of files: style, painting (or dream preset), steps,
sha256 and size.
"""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: Exit status of a `streamart train` ended by SIGTERM (128 + 15; a checkpoint is saved first), and
#: the status recorded for a painting that --stop-after left unstarted.
STOPPED = 128 + signal.SIGTERM
NOT_STARTED = -1
#: Model names for paintings whose file name is not the name the style has shipped under.
NAMES = {"woman-with-hat-matisse": "matisse_woman_with_hat"}
#: The presets whose dream networks ship, Lite0's: a VGG16 teacher costs ten times as much.
SHIPPED_DREAMS = ("creatures", "blobs", "swirls")


def style_name(painting: Path) -> str:
    return NAMES.get(painting.stem, painting.stem)


def paintings(folder: Path, only: str | None, exclude: str | None = None) -> list[Path]:
    from streamart.offline.meta import paintings_in

    found = list(paintings_in(folder))
    if only:
        wanted = set(only.split(","))
        found = [p for p in found if style_name(p) in wanted or p.stem in wanted]
        missing = wanted - {style_name(p) for p in found} - {p.stem for p in found}
        if missing:
            raise SystemExit(f"no painting for {', '.join(sorted(missing))} in {folder}")
    if exclude:
        unwanted = set(exclude.split(","))
        found = [p for p in found if style_name(p) not in unwanted and p.stem not in unwanted]
    return found


def train_base(args: argparse.Namespace) -> int:
    from streamart.config import TrainingConfig
    from streamart.offline.meta import MetaConfig, train_base

    chosen = paintings(args.paintings, None, args.hold_out)
    out = args.out or ROOT / "streamart" / "assets" / "base" / f"{args.variant}.pt"
    out.parent.mkdir(parents=True, exist_ok=True)
    training = TrainingConfig(painting=chosen[0], variant=args.variant, threads=args.threads, seed=args.seed)
    config = MetaConfig(
        paintings=tuple(chosen),
        out=out,
        training=training,
        steps=args.steps,
        inner_steps=args.inner_steps,
        checkpoint_every=25,
    )
    print(
        f"base from {len(chosen)} paintings (held out: {args.hold_out or 'none'}); "
        f"training settings: {dataclasses.asdict(training)}",
        flush=True,
    )
    started = time.monotonic()

    def progress(done: int, total: int, painting: str) -> None:
        if done % 25 == 0 or done == total:
            elapsed = time.monotonic() - started
            print(f"{done}/{total} ({painting}) {elapsed / 60:.1f} min", flush=True)

    print(f"wrote {train_base(config, progress=progress)}")
    return 0


def train_each(args: argparse.Namespace, *, from_scratch: bool) -> int:
    chosen = {style_name(painting): painting for painting in paintings(args.paintings, args.only, args.exclude)}

    def options(name: str) -> list[str]:
        return [
            "--style",
            str(chosen[name]),
            "--out",
            str(args.out / f"{name}-{args.variant}.onnx"),
            "--name",
            name,
            "--variant",
            args.variant,
            "--iterations",
            str(args.iterations),
            "--licence",
            "CC0-1.0",
            *(["--from-scratch"] if from_scratch else []),
            *args.extra,
        ]

    return train_all(args, list(chosen), options)


def train_dreams(args: argparse.Namespace) -> int:
    def options(name: str) -> list[str]:
        return [
            "--dream",
            name.removeprefix("dream_"),
            "--out",
            str(args.out / f"{name}-cpu.onnx"),
            *(["--iterations", str(args.iterations)] if args.iterations else []),
            *args.train_options,
        ]

    return train_all(args, [f"dream_{preset}" for preset in args.presets], options)


def train_all(args: argparse.Namespace, names: list[str], options: Callable[[str], list[str]]) -> int:
    """One `streamart train` per name, ``args.jobs`` at once, each on one thread (unless its
    options say otherwise) with its own checkpoint folder (resumed with ``--resume``) and its
    ``options(name)``; a table at the end."""
    args.out.mkdir(parents=True, exist_ok=True)
    logs = args.out / "logs"
    logs.mkdir(exist_ok=True)
    started_all = time.monotonic()

    def run(name: str) -> tuple[str, int, float]:
        checkpoint = args.checkpoints / name / "last.pt"
        command = [
            sys.executable,
            "-m",
            "streamart",
            "train",
            "--threads",
            "1",
            "--seed",
            str(args.seed),
            "-y",
            "-q",
            "--checkpoint-dir",
            str(args.checkpoints / name),
            *(["--resume", str(checkpoint)] if args.resume and checkpoint.is_file() else []),
            *options(name),  # last, so that options given to the tool win over those above
        ]
        return run_logged(name, command, logs, args.stop_after, started_all)

    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(run, names))
    return report(results, args)


def run_logged(
    name: str, command: list[str], logs: Path, stop_after: float | None, started_all: float
) -> tuple[str, int, float]:
    """Run one `streamart train` with its command line and its log under ``logs``; end it with
    SIGTERM once ``stop_after`` seconds from ``started_all`` are spent (start none after that).
    Returns the name, the exit status and the minutes it ran."""
    if stop_after is not None and time.monotonic() - started_all >= stop_after:
        print(f"{name}: not started, --stop-after {stop_after:g} s is spent", flush=True)
        return name, NOT_STARTED, 0.0
    (logs / f"{name}.cmd").write_text(shlex.join(command) + "\n")
    started = time.monotonic()
    with open(logs / f"{name}.log", "w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        left = None if stop_after is None else max(stop_after - (started - started_all), 0)
        try:
            code = process.wait(timeout=left)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGTERM)  # streamart train saves a checkpoint and exits
            code = process.wait()
    minutes = (time.monotonic() - started) / 60
    outcome = "ok" if code == 0 else "stopped at --stop-after" if code == STOPPED else f"FAILED ({code})"
    print(f"{name}: {outcome} in {minutes:.1f} min", flush=True)
    return name, code, minutes


def report(results: list[tuple[str, int, float]], args: argparse.Namespace) -> int:
    """Print what was trained, unfinished and failed (and the table of a timed run); the
    exit status: 1 if any run failed."""
    failed = [name for name, code, _ in results if code not in (0, STOPPED, NOT_STARTED)]
    unfinished = [name for name, code, _ in results if code in (STOPPED, NOT_STARTED)]
    print(
        f"{len(results) - len(failed) - len(unfinished)} of {len(results)} trained"
        + (f"; unfinished (out of time): {', '.join(unfinished)}" if unfinished else "")
        + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    if args.stop_after is not None:
        print_runs(results, args.checkpoints)
    return 1 if failed else 0


def print_runs(results: list[tuple[str, int, float]], checkpoints: Path) -> None:
    """The Markdown table of a timed zoo run: style, outcome, steps done, seconds."""
    from streamart.offline.export import load_checkpoint

    print("| style | outcome | steps | seconds |")
    print("|---|---|---|---|")
    for name, code, minutes in results:
        checkpoint = checkpoints / name / "last.pt"
        steps = int(load_checkpoint(checkpoint)["iteration"]) if checkpoint.is_file() else 0
        outcome = {0: "done", STOPPED: "stopped", NOT_STARTED: "not started"}.get(code, f"failed ({code})")
        print(f"| {name} | {outcome} | {steps} | {minutes * 60:.0f} |")


def print_table(args: argparse.Namespace) -> int:
    import hashlib

    import onnx

    print("| file | painting or dream | steps | sha256 | size |")
    print("|---|---|---|---|---|")
    for path in sorted(args.models.glob("*.onnx")):
        data = path.read_bytes()
        props = {p.key: p.value for p in onnx.load_from_string(data).metadata_props}
        source = props.get("streamart.painting_file") or props.get("streamart.dream_preset", "?")
        print(
            f"| `{path.name}` | {source} | {props.get('streamart.iterations', '?')} "
            f"| `{hashlib.sha256(data).hexdigest()}` | {len(data) / 1e3:.0f} kB |"
        )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("base", "zoo", "long"):
        sub = commands.add_parser(name)
        sub.add_argument("--paintings", type=Path, default=ROOT.parent / "shared" / "styles")
        sub.add_argument("--variant", default="cpu")
        sub.add_argument("--seed", type=int, default=0)
    base = commands.choices["base"]
    base.add_argument("--hold-out", help="comma-separated paintings the base must not see")
    base.add_argument("--out", type=Path)
    base.add_argument("--steps", type=int, default=1000)
    base.add_argument("--inner-steps", type=int, default=4)
    base.add_argument("--threads", type=int, default=1)
    for name in ("zoo", "long"):
        sub = commands.choices[name]
        sub.add_argument("--out", type=Path, required=True)
        sub.add_argument("--only", help="comma-separated names (default: every painting)")
        sub.add_argument("--exclude", help="comma-separated names to leave out")
        sub.add_argument("--iterations", type=int, default=300 if name == "zoo" else 1000)
        sub.add_argument("--jobs", type=int, default=2)
        sub.add_argument("--checkpoints", type=Path, default=Path.home() / ".cache" / "streamart" / f"zoo-{name}")
        sub.add_argument("--stop-after", type=float, help="seconds: stop the runs then (each keeps a checkpoint)")
        sub.add_argument("--resume", action="store_true", help="go on from each painting's checkpoint, if it has one")
        sub.add_argument("extra", nargs="*", help="more 'streamart train' options, after --")
    dreams = commands.add_parser("dreams")
    dreams.add_argument("presets", nargs="*", default=SHIPPED_DREAMS, help="default: the shipped dreams")
    dreams.add_argument("--out", type=Path, required=True)
    dreams.add_argument("--iterations", type=int, help="default: streamart train --dream's")
    dreams.add_argument("--seed", type=int, default=0)
    dreams.add_argument("--jobs", type=int, default=2)
    dreams.add_argument("--checkpoints", type=Path, default=Path.home() / ".cache" / "streamart" / "zoo-dreams")
    dreams.add_argument("--stop-after", type=float, help="seconds: stop the runs then (each keeps a checkpoint)")
    dreams.add_argument("--resume", action="store_true", help="go on from each preset's checkpoint, if it has one")
    dreams.add_argument(
        "--train-options", type=shlex.split, default=[], help="more 'streamart train' options, as one quoted string"
    )
    commands.add_parser("table").add_argument("--models", type=Path, required=True)
    args = parser.parse_args()
    if args.command == "table":
        return print_table(args)
    if args.command == "base":
        return train_base(args)
    if args.command == "dreams":
        return train_dreams(args)
    return train_each(args, from_scratch=args.command == "long")


if __name__ == "__main__":
    sys.exit(main())
