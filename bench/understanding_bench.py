"""Understanding benchmark: each question set scored separately (answered right, suggested
right, wrong, declined; out of scope declined), per writing style, and an ablation table of
what each stage of content/understanding.py adds. `python bench/understanding_bench.py
[--misses SET]` prints the section bench/run.py writes into RESULTS.md."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from content.understanding import STAGES, Understander  # noqa: E402

SHARED = ROOT.parent / "shared"
GOAL = {"right": 0.90, "wrong": 0.03, "declined": 0.95}


@dataclass(frozen=True)
class Case:
    text: str
    expect: frozenset[str]  # empty: out of scope
    style: str
    locality: str | None = None


@dataclass
class Tally:
    in_scope: int = 0
    right: int = 0  # answered with an expected entry (or asked the household type among them)
    asked_household: int = 0  # of `right`: asked "hộ nghèo hay cận nghèo?" with it a choice
    suggested: int = 0  # not answered, an expected entry among the suggestions
    wrong: int = 0  # answered with another entry
    declined: int = 0  # in scope, neither answered nor suggested right
    out_scope: int = 0
    out_declined: int = 0
    misses: list[str] = field(default_factory=list)

    def rate(self, name: str) -> float:
        if name == "declined_oos":
            return self.out_declined / self.out_scope if self.out_scope else 1.0
        return getattr(self, name) / self.in_scope if self.in_scope else 0.0

    def meets_goal(self) -> bool:
        return (
            self.rate("right") >= GOAL["right"]
            and self.rate("wrong") <= GOAL["wrong"]
            and self.rate("declined_oos") >= GOAL["declined"]
        )


def _style(text: str) -> str:
    """For sets without a style: long (elderly style), unaccented, or accented."""
    if len(text) >= 160:
        return "long"
    return "accented" if any(ord(ch) > 127 for ch in text) else "unaccented"


def _expect(value: object) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str):
        return frozenset({value})
    return frozenset(str(v) for v in value)  # type: ignore[union-attr]


def load_yaml_set(path: Path) -> list[Case]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Case(
            str(r["q"]),
            _expect(r.get("expect")),
            r.get("style") or _style(str(r["q"])),
            r.get("locality"),
        )
        for r in data["questions"]
    ]


def load_devset() -> list[Case]:
    out: list[Case] = []
    for path in sorted((ROOT / "tests" / "data").glob("devset_*.yaml")):
        out.extend(load_yaml_set(path))
    return out


def load_real() -> list[Case]:
    """The real citizens' questions with our labels of which entry answers each today."""
    labels = yaml.safe_load((ROOT / "bench" / "real_questions_labels.yaml").read_text("utf-8"))
    out = []
    path = SHARED / "data" / "real-questions-dev.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        label = labels["labels"].get(row["id"], {})
        out.append(Case(row["question"], _expect(label.get("expect")), "real"))
    return out


def sets() -> dict[str, list[Case]]:
    found = {
        "devset (tests/data)": load_devset(),
        "held-out (bench/heldout.yaml)": load_yaml_set(ROOT / "bench" / "heldout.yaml"),
    }
    if (ROOT / "bench" / "real_questions_labels.yaml").exists():
        found["real questions (shared/data)"] = load_real()
    if (ROOT / "bench" / "villagers.yaml").exists():
        found["villagers (bench/villagers.yaml)"] = load_yaml_set(ROOT / "bench" / "villagers.yaml")
    return found


def evaluate(
    understander: Understander, cases: list[Case], stages: frozenset[str] = frozenset(STAGES)
) -> tuple[Tally, dict[str, Tally]]:
    total, by_style = Tally(), defaultdict(Tally)
    entries = understander.index.content.entries
    for case in cases:
        case = replace(case, expect=case.expect | _successors(entries, case.expect))
        u = understander.understand(case.text, locality=case.locality, stages=stages)
        answered = {u.answer.entry_id} if u.answer else set()
        if u.decided_by == "current":  # today's entry first, the ended one it replaced a tap away
            answered.add(u.also_asked[0].entry_id)
        choices = {entry for _, entry in u.household_choice}
        for tally in (total, by_style[case.style]):
            _count(tally, case, u, answered, choices)
    return total, dict(by_style)


def _successors(entries, expect: frozenset[str]) -> frozenset[str]:
    """The current entries that superseded an expected entry whose period has ended: where
    the rule has changed, today's entry is the right answer."""
    today = dt.date.today()
    found: set[str] = set()
    for entry_id in expect:
        entry = entries.get(entry_id)
        if entry is not None and entry.valid_to is not None and entry.valid_to < today:
            found.update(entry.superseded_by)
    return frozenset(found)


def _count(tally: Tally, case: Case, u, answered: set[str], choices: set[str]) -> None:
    if not case.expect:
        tally.out_scope += 1
        if not answered:
            tally.out_declined += 1
        else:
            tally.misses.append(f"OUT answered {sorted(answered)}: {case.text}")
        return
    tally.in_scope += 1
    if choices and case.expect & choices:
        tally.right += 1
        tally.asked_household += 1
    elif answered and not choices and answered & case.expect:
        tally.right += 1
    elif answered:
        tally.wrong += 1
        tally.misses.append(f"WRONG {sorted(answered)} want {sorted(case.expect)}: {case.text}")
    elif {m.entry_id for m in u.suggestions} & case.expect:
        tally.suggested += 1
        tally.misses.append(f"SUGGESTED want {sorted(case.expect)}: {case.text}")
    else:
        tally.declined += 1
        best = u.best.entry_id if u.best else None
        tally.misses.append(f"DECLINED (best {best}) want {sorted(case.expect)}: {case.text}")


def _row(name: str, t: Tally) -> str:
    return (
        f"| {name} | {t.in_scope} | {t.rate('right'):.3f} | {t.asked_household} | "
        f"{t.rate('suggested'):.3f} | {t.rate('wrong'):.3f} | {t.rate('declined'):.3f} | "
        f"{t.out_declined}/{t.out_scope} ({t.rate('declined_oos'):.2f}) |"
    )


HEADER = (
    "| set / style | in scope | answered right | of which asked the household type | "
    "suggested right | answered wrong | declined | out of scope declined |\n"
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
)


def report(understander: Understander) -> str:
    lines = [
        "## Understanding: answered right, wrong and declined on each set",
        "",
        f"Goal on each set: answered right ≥ {GOAL['right']}, answered wrong ≤ {GOAL['wrong']}, "
        f'out of scope declined ≥ {GOAL["declined"]}. "Answered right" counts an answer with '
        'an expected entry, and a reply that asks "hộ nghèo hay hộ cận nghèo?" with the expected '
        "entry one tap away (counted apart in the next column). An expected entry whose period "
        "has ended counts as answered when a current entry that superseded it answers (content's "
        "`superseded_by`): where the rule has changed, today's entry is the right answer.",
        "",
        HEADER,
    ]
    all_sets = sets()
    verdicts = []
    for name, cases in all_sets.items():
        total, by_style = evaluate(understander, cases)
        lines.append(_row(f"**{name}**", total))
        for style, tally in sorted(by_style.items()):
            lines.append(_row(f"  {style}", tally))
        verdicts.append(f"- {name}: goal {'met' if total.meets_goal() else 'NOT met'}")
    lines += ["", *verdicts, "", "### Ablation: what each stage adds", ""]
    lines.append(
        "Answered right / wrong / out of scope declined, with every stage, and with one stage "
        "switched off (the word search alone is the baseline)."
    )
    lines.append("")
    names = list(all_sets)
    lines.append("| stages | " + " | ".join(names) + " |")
    lines.append("| --- |" + " ---: |" * len(names))
    variants = [("word search alone", frozenset())]
    variants += [(f"all but {s}", frozenset(STAGES) - {s}) for s in STAGES]
    variants.append(("all stages", frozenset(STAGES)))
    for label, stages in variants:
        cells = []
        for name in names:
            t, _ = evaluate(understander, all_sets[name], stages)
            cells.append(
                f"{t.rate('right'):.3f} / {t.rate('wrong'):.3f} / {t.rate('declined_oos'):.2f}"
            )
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def build() -> Understander:
    from app.knowledge import load_knowledge
    from app.settings import Settings

    return Understander(load_knowledge(Settings()).index)


if __name__ == "__main__":
    understander = build()
    if "--misses" in sys.argv:
        wanted = sys.argv[sys.argv.index("--misses") + 1 :]
        for name, cases in sets().items():
            if wanted and not any(w in name for w in wanted):
                continue
            total, _ = evaluate(understander, cases)
            print(f"# {name}")
            print("\n".join(total.misses))
    else:
        print(report(understander))


def latency(understander: Understander) -> str:
    """`understand` latency over every set's questions, split by what decided: the word
    search with the second opinion's ordering (every message) or, when those decline, the
    votes of the other rankings."""
    import time

    from bench.run import percentile

    by: dict[str, list[float]] = defaultdict(list)
    cases = [c for cs in sets().values() for c in cs]
    for case in cases[:50]:  # warm caches as a running server would be
        understander.understand(case.text)
    for case in cases:
        start = time.perf_counter()
        u = understander.understand(case.text, locality=case.locality)
        ms = (time.perf_counter() - start) * 1000
        by["all messages"].append(ms)
        by["long messages (read clause by clause)" if u.reading.long else "short messages"].append(
            ms
        )
    lines = [
        "### `understand` latency (in process)",
        "",
        "| messages | count | p50 ms | p99 ms | max ms | target p99 |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, values in by.items():
        target = {
            "all messages": "–",
            "short messages": "≤ 10 ms",
        }.get(name, "≤ 300 ms (a slower stage runs)")
        lines.append(
            f"| {name} | {len(values)} | {percentile(values, 50):.2f} | "
            f"{percentile(values, 99):.2f} | {max(values):.2f} | {target} |"
        )
    return "\n".join(lines) + "\n"
