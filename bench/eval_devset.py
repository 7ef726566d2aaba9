"""Prints the search's scores on the development set, and every miss with `--misses`."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.knowledge import load_knowledge
from app.settings import Settings
from tests.devset import evaluate, load_devset


def main() -> None:
    knowledge = load_knowledge(Settings())
    report = evaluate(knowledge.index, load_devset())
    print(report.summary())
    if "--misses" in sys.argv:
        print("\n".join(report.misses))


if __name__ == "__main__":
    main()
