"""Deciding what a message asks and whether to answer it, from the word search and its stages.

The stages: the reading of long messages, a second opinion from another ranker, the household
type that decides between two answers, subjects outside the programme, the kind of question."""

from __future__ import annotations

import datetime as dt
import re
import weakref
from dataclasses import dataclass, field, replace

from content.normalize import fold, nfc
from content.opinion import SecondOpinion
from content.reading import Reader, Reading
from content.schema import NATIONAL
from content.search import Match, SearchIndex, SearchResult

# Below these the best entry shares too little with the message for it to be about the
# programme (tuned on the out-of-scope questions of tests/data/devset_out_of_scope.yaml).
OUTSIDE_SCORE = 0.36
OUTSIDE_COVER = 0.12
OUTSIDE_BOTH = 0.2
# The stages that can be switched off to measure what each adds (bench/understanding_bench.py).
YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")  # a year named in a message
STAGES = ("reading", "second_opinion", "household", "foreign", "ask_kind")


@dataclass(frozen=True)
class Agreement:
    """When the word search declines but both rankers name the same entry, that entry is
    answered if the query says enough of what it asks. Tuned on tests/data/devset_*.yaml."""

    score: float = 0.54
    coverage: float = 0.15  # of the entry's closest question
    query_cover: float = 0.2  # of the query, by the entry's questions
    long_score: float = 0.45  # a long message's score, with two votes
    long_one_score: float = 0.55  # ... with one vote, and this much of the entry covered
    long_one_coverage: float = 0.5  # (tuned on tests/data/devset_long.yaml)
    fusion: float = 0.4  # weight of the character ranker's similarity in the order
    # added to the order of a candidate whose questions ask the same kind of thing as the
    # message (when, where, how much...): the largest that changes nothing on the devset
    # (0.03 answers one more wrongly there)
    ask_kind: float = 0.02


@dataclass(frozen=True)
class Understanding:
    reading: Reading
    result: SearchResult  # the search that decided
    answer: Match | None
    suggestions: tuple[Match, ...]
    # Entries for each household kind when the kind decides the answer and was not said:
    # (kind, entry id) pairs, asked as "Nhà bác là hộ nghèo hay hộ cận nghèo?".
    household_choice: tuple[tuple[str, str], ...] = ()
    also_asked: tuple[Match, ...] = ()  # other questions found in a long message
    decided_by: str = "search"
    stages: frozenset[str] = field(default=frozenset(STAGES), repr=False)
    # Out-of-domain subjects the question asks about that no answer speaks of ("xổ số").
    foreign: tuple[str, ...] = ()

    @property
    def best(self) -> Match | None:
        return self.result.best

    @property
    def outside_scope(self) -> bool:
        """Declined, and sharing almost nothing with any entry: not about the programme at
        all (weather, lottery, football), so not a question for officers either."""
        if self.answer is not None or self.suggestions:
            return False
        if self.foreign:
            return True
        best = self.best
        if best is None or best.score < OUTSIDE_SCORE or best.query_cover < OUTSIDE_COVER:
            return True
        # Only a word or two in common, with neither side covering much of the other.
        return best.coverage < OUTSIDE_BOTH and best.query_cover < OUTSIDE_BOTH


HOUSEHOLD_KINDS = ("poor", "near_poor", "left_poverty")


class Understander:
    """One per content version: the index, the reader and the second opinion, all pure."""

    def __init__(
        self,
        index: SearchIndex,
        opinion: SecondOpinion | None = None,
        agreement: Agreement | None = None,
    ):
        self.index = index
        self.reader = Reader(index.normalizer)
        self.opinion = opinion or SecondOpinion(index.content, index.normalizer)
        self.agreement = agreement or Agreement()
        self._groups = {doc.entry.id: doc.groups for doc in index._docs}
        self._spoken: dict[str, tuple[str, str]] = {}  # entry id -> its words, folded and typed
        kinds = index.normalizer.ask_kinds
        self._kinds = {
            entry.id: frozenset().union(*(kinds(q) for q in entry.questions))
            for entry in index.content.entries.values()
        }

    def understand(
        self,
        text: str,
        locality: str | None = None,
        stages: frozenset[str] = frozenset(STAGES),
        today: dt.date | None = None,
    ) -> Understanding:
        reading = self.reader.read(text)
        reads = "reading" in stages and reading.long and bool(reading.asks)
        groups = reading.profile.groups if "reading" in stages else frozenset()
        result = self.index.search(text, locality=locality, groups=groups)
        today = today or dt.date.today()
        result = self._without_ended_plans(result, locality, today)
        result, replaced = self._one_per_rule(result, text, today)
        similar: dict[str, float] = {}
        if "second_opinion" in stages and result.candidates:
            ids = [m.entry_id for m in result.candidates]
            similar = self.opinion.similarities_of(text, ids)
            kinds = self.index.normalizer.ask_kinds(reading.main_ask)
            result = self._fused(result, similar, kinds if "ask_kind" in stages else frozenset())
        answer, decided_by = result.answer, "search"
        ask, asked = None, None
        if reads and result.candidates:
            # The question asked, searched alone and answered with confidence, wins over the
            # story around it when the whole message also ranks it among the first three.
            ask = self._ask_query(reading)
            asked, _ = self._one_per_rule(
                self.index.search(ask, locality=locality, groups=groups), text, today
            )
            sure = asked.answer is not None and asked.answer.score >= self.index.thresholds.sure
            if sure and (answer is None or answer.entry_id != asked.answer.entry_id):
                near = [m for m in result.candidates[:3] if m.entry_id == asked.answer.entry_id]
                if near:
                    answer, decided_by = near[0], "reading"
        if answer is None and result.best is not None and (reads or similar):
            answer = self._voted(reading, result, similar, ask, asked)
            decided_by = "votes" if answer else decided_by
        superseded: Match | None = None
        if answer is not None:
            answer, superseded = self._current_for(answer, text, today)
            superseded = superseded or replaced.get(answer.entry_id)
            decided_by = "current" if superseded else decided_by
        also: tuple[Match, ...] = ()
        if reads and len(reading.asks) > 1:
            also = self._other_asks(reading, locality, groups)
        if superseded is not None:  # the ended period's entry, one tap away
            also = (superseded, *also)
        suggestions = () if answer else result.suggestions
        choice: tuple[tuple[str, str], ...] = ()
        if answer is not None and "household" in stages:
            choice = self._household_choice(answer, result, groups)
        also = tuple(m for m in also if answer is None or m.entry_id != answer.entry_id)
        foreign: tuple[str, ...] = ()
        if "foreign" in stages:
            foreign = self.index.normalizer.foreign(reading.main_ask)
        if foreign and (answer is not None or suggestions):
            # Asked about a subject outside the programme: only an entry that speaks of it
            # may answer or be suggested.
            if answer is not None and not self.speaks_of(answer.entry_id, foreign):
                answer, choice, decided_by = self._speaking_of(result, foreign), (), "foreign"
                suggestions = () if answer else result.suggestions
            suggestions = tuple(m for m in suggestions if self.speaks_of(m.entry_id, foreign))
            if answer is not None or suggestions:
                foreign = ()
        return Understanding(
            reading, result, answer, suggestions, choice, also, decided_by, stages, foreign
        )

    def _current_for(self, answer: Match, text: str, today: dt.date) -> tuple[Match, Match | None]:
        """An entry whose period has ended gives way to the current entry that superseded it
        (its `superseded_by`), unless the message names a year of that period: nothing expired
        is the first answer to a general question. Returns the answer and the one it replaced."""
        entry = self.index.content.entries[answer.entry_id]
        current = self._successor(entry, today)
        if current is None or _names_period(entry, [int(y) for y in YEAR.findall(text)]):
            return answer, None
        later = self.index.content.entries[current]
        return replace(answer, entry_id=current, question=later.questions[0]), answer

    def _one_per_rule(
        self, result: SearchResult, text: str, today: dt.date
    ) -> tuple[SearchResult, dict[str, Match]]:
        """An ended entry and the current one that superseded it are one answer, not rivals:
        only the better ranked of the two stays a candidate, so that neither's closeness
        declines the other. Returns the result and, for a current entry that stayed, the
        ended one it stands for (offered a tap away)."""
        named = [int(year) for year in YEAR.findall(text)]
        family: dict[str, str] = {}
        for match in result.candidates:
            entry = self.index.content.entries[match.entry_id]
            current = self._successor(entry, today)
            if current and not _names_period(entry, named):
                family[match.entry_id] = current
        if not family:
            return result, {}
        kept: dict[str, Match] = {}
        replaced: dict[str, Match] = {}
        for match in result.candidates:  # best first
            key = family.get(match.entry_id, match.entry_id)
            if key not in kept:
                kept[key] = match
            elif kept[key].entry_id == key and match.entry_id != key:
                replaced[key] = match  # the ended entry ranked below its successor
        if len(kept) == len(result.candidates):
            return result, {}
        return self.index.decide(result.query, list(kept.values())), replaced

    def _successor(self, entry, today: dt.date) -> str | None:  # type: ignore[no-untyped-def]
        """The first current entry that superseded `entry`, if its period has ended."""
        if not entry.superseded_by or entry.valid_to is None or entry.valid_to >= today:
            return None
        for other in entry.superseded_by:
            later = self.index.content.entries.get(other)  # content built in code may omit it
            if later is not None and (later.valid_to is None or later.valid_to >= today):
                return other
        return None

    def _speaking_of(self, result: SearchResult, foreign: tuple[str, ...]) -> Match | None:
        """Among the first candidates, one good enough to answer that speaks of the subject
        named: the subject decides between entries about the same thing."""
        th = self.index.thresholds
        for match in result.candidates[1:3]:
            if (
                match.score >= th.answer
                and match.coverage >= th.answer_coverage
                and self.speaks_of(match.entry_id, foreign)
            ):
                return match
        return None

    def speaks_of(self, entry_id: str, phrases: tuple[str, ...]) -> bool:
        """Whether the entry's questions, keywords or answer hold every one of `phrases`."""
        spoken = self._spoken.get(entry_id)
        if spoken is None:
            entry = self.index.content.entries[entry_id]
            texts = (*entry.questions, *entry.keywords, entry.answer)
            normalizer = self.index.normalizer
            folded = " ".join(" ".join(normalizer.words(t)) for t in texts)
            typed = " ".join(nfc(t).lower() for t in texts)
            spoken = self._spoken[entry_id] = (f" {folded} ", f" {_words(typed)} ")
        folded, typed = spoken
        return all(f" {p} " in (folded if p == fold(p) else typed) for p in phrases)

    # ---- the stages -----------------------------------------------------------------------
    def _ask_query(self, reading: Reading) -> str:
        """The main question, with the clause before it when the question alone says little
        ("Có được không ạ?" after "Con tôi học lớp 8, nhà cận nghèo.")."""
        ask = reading.main_ask
        words = [w for w in self.index.normalizer.words(ask) if w not in self.index.stopwords]
        if len(words) >= 5:
            return ask
        at = reading.clauses.index(ask)
        return " ".join(reading.clauses[max(0, at - 1) : at + 1])

    def _other_asks(
        self, reading: Reading, locality: str | None, groups: frozenset[str]
    ) -> tuple[Match, ...]:
        found: list[Match] = []
        for ask in reading.asks[:-1][-2:]:
            other = self.index.search(ask, locality=locality, groups=groups)
            if other.answer and all(m.entry_id != other.answer.entry_id for m in found):
                found.append(other.answer)
        return tuple(found)

    def _without_ended_plans(
        self, result: SearchResult, locality: str | None, today: dt.date
    ) -> SearchResult:
        """A local plan whose period has ended stays out of general questions: it is found
        only when the message names its place or the citizen lives there."""
        tokens = tuple(self.index._correct(t) for t in result.query.tokens)
        named = self.index.mentioned_localities(tokens) | {locality}
        kept = [m for m in result.candidates if not self._ended_elsewhere(m.entry_id, named, today)]
        if len(kept) == len(result.candidates):
            return result
        return (
            self.index.decide(result.query, kept) if kept else SearchResult(result.query, None, ())
        )

    def _ended_elsewhere(self, entry_id: str, named: set[str | None], today: dt.date) -> bool:
        entry = self.index.content.entries[entry_id]
        if entry.valid_to is None or entry.valid_to >= today or NATIONAL in entry.localities:
            return False
        return not set(entry.localities) & named

    def _fused(
        self, result: SearchResult, similar: dict[str, float], kinds: frozenset[str]
    ) -> SearchResult:
        """The word search's candidates ordered by their score plus the character ranker's
        similarity, and a bonus to those whose questions ask the same kind of thing as the
        message (when, where, how much...), then decided again with the word search's own
        scores and thresholds."""
        weight, bonus = self.agreement.fusion, self.agreement.ask_kind
        fused = sorted(
            result.candidates,
            key=lambda m: (
                m.score
                + weight * similar.get(m.entry_id, 0.0)
                + (bonus if kinds & self._kinds.get(m.entry_id, frozenset()) else 0.0)
            ),
            reverse=True,
        )
        return self.index.decide(result.query, fused)

    def _voted(
        self,
        reading: Reading,
        result: SearchResult,
        similar: dict[str, float],
        ask: str | None,
        asked: SearchResult | None,
    ) -> Match | None:
        """When the search declines, other rankings vote on its first candidate: the
        character ranker on the whole message, and for a long message the word search and
        the character ranker on its question alone. Enough votes with enough of the entry
        in the query answer it."""
        best = result.best
        assert best is not None
        rule = self.agreement
        votes = 0
        if similar and self.opinion.is_top(reading.text, best.entry_id):
            votes += 1
        if ask is not None and asked is not None:  # a long message, its question searched alone
            if asked.best is not None and asked.best.entry_id == best.entry_id:
                votes += 1
            if similar:
                votes += self.opinion.is_top(ask, best.entry_id)
            if votes >= 2 and best.score >= rule.long_score:
                return best
            # One vote is enough where the entry is close and covers much of itself.
            sure = best.score >= rule.long_one_score and best.coverage >= rule.long_one_coverage
            return best if votes == 1 and sure else None
        if votes < 1 or best.score < rule.score or best.coverage < rule.coverage:
            return None
        return best if best.query_cover >= rule.query_cover else None

    def _household_choice(
        self, answer: Match, result: SearchResult, groups: frozenset[str]
    ) -> tuple[tuple[str, str], ...]:
        """When the answer is about one kind of household, the message names none, and an
        entry about another kind ranks close behind, the kind decides: ask it."""
        kinds = self._groups.get(answer.entry_id, frozenset()) & set(HOUSEHOLD_KINDS)
        if len(kinds) != 1 or groups & set(HOUSEHOLD_KINDS):
            return ()
        choice = {next(iter(kinds)): answer.entry_id}
        for match in result.candidates[1:6]:
            other = self._groups.get(match.entry_id, frozenset()) & set(HOUSEHOLD_KINDS)
            if len(other) != 1 or match.score < answer.score - 0.2:
                continue
            kind = next(iter(other))
            if kind not in choice and _same_subject(answer.entry_id, match.entry_id):
                choice[kind] = match.entry_id
        if len(choice) < 2:
            return ()
        return tuple((kind, choice[kind]) for kind in HOUSEHOLD_KINDS if kind in choice)


def _names_period(entry, years: list[int]) -> bool:  # type: ignore[no-untyped-def]
    """Whether a year named in the message falls in the entry's period."""
    return any(entry.valid_from.year <= year <= entry.valid_to.year for year in years)


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text))


def _same_subject(first: str, second: str) -> bool:
    """Entries about the same benefit for different households share their id's first word
    ("bhyt-ho-ngheo", "bhyt-ho-can-ngheo")."""
    return first.split("-", 1)[0] == second.split("-", 1)[0]


_UNDERSTANDERS: weakref.WeakKeyDictionary[SearchIndex, Understander] = weakref.WeakKeyDictionary()


def understander_for(index: SearchIndex) -> Understander:
    """The understander of an index, built on first use and kept as long as the index."""
    found = _UNDERSTANDERS.get(index)
    if found is None:
        found = _UNDERSTANDERS[index] = Understander(index)
    return found
