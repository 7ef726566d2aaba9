"""Loads the development set and measures the search on it (used by tests and bench)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from content.search import SearchIndex

DEVSET_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class DevQuestion:
    text: str
    expect: str | list[str] | None  # the right entry, or several equally right
    locality: str | None
    file: str


def load_devset(directory: Path = DEVSET_DIR) -> list[DevQuestion]:
    out = []
    for path in sorted(directory.glob("devset_*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for row in data["questions"]:
            out.append(
                DevQuestion(str(row["q"]), row.get("expect"), row.get("locality"), path.name)
            )
    return out


@dataclass
class Report:
    in_scope: int = 0
    top1: int = 0  # the best-ranked entry is the expected one
    answered_right: int = 0  # answered confidently with the expected entry
    answered_wrong: int = 0  # answered confidently with another entry
    suggested_right: int = 0  # not answered, expected entry among the suggestions
    out_scope: int = 0
    declined: int = 0  # out of scope and not answered
    misses: list[str] = field(default_factory=list)

    @property
    def top1_accuracy(self) -> float:
        return self.top1 / self.in_scope if self.in_scope else 0.0

    @property
    def answer_rate(self) -> float:
        return self.answered_right / self.in_scope if self.in_scope else 0.0

    @property
    def wrong_rate(self) -> float:
        return self.answered_wrong / self.in_scope if self.in_scope else 0.0

    @property
    def decline_rate(self) -> float:
        return self.declined / self.out_scope if self.out_scope else 0.0

    def summary(self) -> str:
        return (
            f"in-scope {self.in_scope}: top-1 {self.top1_accuracy:.3f}, answered right "
            f"{self.answer_rate:.3f}, answered wrong {self.wrong_rate:.3f}, suggested right "
            f"{self.suggested_right}; out-of-scope {self.out_scope}: "
            f"declined {self.decline_rate:.3f}"
        )


def evaluate(index: SearchIndex, questions: list[DevQuestion]) -> Report:
    report = Report()
    for q in questions:
        result = index.search(q.text, locality=q.locality)
        answered = result.answer.entry_id if result.answer else None
        if q.expect is None:
            report.out_scope += 1
            if answered is None:
                report.declined += 1
            else:
                report.misses.append(f"OUT answered {answered}: {q.text}")
            continue
        report.in_scope += 1
        best = result.best.entry_id if result.best else None
        # A question may have several right entries (a list in the file).
        wanted = set(q.expect) if isinstance(q.expect, list) else {q.expect}
        if best in wanted:
            report.top1 += 1
        if answered in wanted:
            report.answered_right += 1
        elif answered is not None:
            report.answered_wrong += 1
        elif wanted & {m.entry_id for m in result.suggestions}:
            report.suggested_right += 1
        if best not in wanted or answered not in wanted:
            score = f"{result.best.score:.2f}" if result.best else "-"
            report.misses.append(
                f"{q.file}: want {q.expect}, best {best} ({score}), answered {answered}: {q.text}"
            )
    return report
