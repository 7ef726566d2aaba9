"""One question in, the bot's answer as data out: used by `bot.py ask` and the benchmarks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from content.loader import Content
from content.search import SearchIndex
from content.understanding import understander_for


def ask_result(
    content: Content,
    index: SearchIndex,
    question: str,
    locality: str | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    result = understander_for(index).understand(question, locality=locality, today=today)
    best = result.best
    msgs = content.messages
    if result.household_choice:
        answer = msgs.ask_household
        sources = []
    elif result.answer:
        entry = content.entries[result.answer.entry_id]
        answer = content.render_answer(entry, today)
        sources = [{"id": s, "citation": content.sources[s].citation()} for s in entry.sources]
    elif result.suggestions:
        answer = msgs.did_you_mean
        sources = []
    elif result.outside_scope:
        answer = msgs.out_of_scope
        sources = []
    else:
        answer = f"{msgs.decline}\n\n{msgs.decline_logged}"
        sources = []
    return {
        "question": question,
        "answer": answer,
        "faq_id": result.answer.entry_id if result.answer and not result.household_choice else None,
        "household_choice": [
            {"household": kind, "faq_id": entry_id} for kind, entry_id in result.household_choice
        ],
        "score": round(best.score, 4) if best else 0.0,
        "sources": sources,
        "suggestions": [
            {
                "faq_id": m.entry_id,
                "question": content.entries[m.entry_id].questions[0],
                "score": round(m.score, 4),
            }
            for m in result.suggestions
        ],
    }
