"""Whether db/sqlite_inline.py and db/rows.py earn their keep (issue #19): the Telegram
benchmark's fraction of the bare bot with them and without them (SQLITE_PLAIN=1: plain aiosqlite,
rows through the ORM), in alternating runs of bench/telegram_bench.py in fresh processes."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FRACTION = re.compile(r"fraction of the bare bot, each in one process: ([0-9.]+)")
OURS = re.compile(r"\| Cầu Nối \(SQLite, search, outbox\) \| (\d+) \|")
KEEP_BELOW = 0.5  # the rule: keep them only if the fraction without drops below this
ROUNDS = 2  # pairs of runs: with, without, with, without


def run(plain: bool) -> tuple[float, int]:
    """One run of the Telegram benchmark; its fraction and our updates/s."""
    env = {**os.environ, "SQLITE_PLAIN": "1" if plain else "0"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "telegram_bench.py")],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=900,
        check=True,
    )
    fraction, ours = FRACTION.search(done.stdout), OURS.search(done.stdout)
    if fraction is None or ours is None:
        raise RuntimeError(f"telegram_bench printed no figures:\n{done.stdout}\n{done.stderr}")
    return float(fraction.group(1)), int(ours.group(1))


def main() -> dict[str, list[tuple[float, int]]]:
    runs: dict[str, list[tuple[float, int]]] = {"with": [], "without": []}
    for _ in range(ROUNDS):
        runs["with"].append(run(plain=False))
        runs["without"].append(run(plain=True))
    return runs


def table(runs: dict[str, list[tuple[float, int]]]) -> list[str]:
    """The section's lines: each run's fraction, the medians, and the decision they give."""
    median = {k: statistics.median(f for f, _ in v) for k, v in runs.items()}
    keep = median["without"] < KEEP_BELOW
    lines = [
        "| variant | fraction of the bare bot, each run | median | ours, updates/s each run |",
        "| --- | --- | ---: | --- |",
    ]
    labels = {"with": "with them (as shipped)", "without": "without (SQLITE_PLAIN=1)"}
    for name, label in labels.items():
        fractions = ", ".join(f"{f:.2f}" for f, _ in runs[name])
        speeds = ", ".join(str(u) for _, u in runs[name])
        lines.append(f"| {label} | {fractions} | {median[name]:.2f} | {speeds} |")
    lines += [
        "",
        f"Runs alternate (with, without, …), each a fresh `bench/telegram_bench.py`. Rule of issue "
        f"#19: keep the two modules only if the fraction without them drops below {KEEP_BELOW}. "
        + (
            f"Without them it is {median['without']:.2f}: they are kept."
            if keep
            else f"Without them it is {median['without']:.2f} (with them "
            f"{median['with']:.2f}): by the rule they are not needed."
        ),
    ]
    return lines


if __name__ == "__main__":
    print("\n".join(table(main())))
