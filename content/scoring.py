"""The per-candidate signals of the FAQ search, from each entry's questions and keywords."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING

import numpy
from rapidfuzz import fuzz, process

if TYPE_CHECKING:
    from content.schema import Entry

# Weights of the features (see SearchIndex.search), tuned on the development set.
WEIGHTS = (0.30, 0.10, 0.10, 0.20, 0.10, 0.20)
# Scores are rounded to 4 places: a candidate this far below cannot tie with one above it.
PRUNE_MARGIN = 1e-3


@dataclass
class EntryDoc:
    """One entry as the search sees it: its weighted terms, question rows and places."""

    entry: Entry
    terms: dict[str, float]  # weighted term frequencies over all fields
    length: float
    ask_terms: frozenset[str]  # terms of questions, keywords and topic (what it is "about")
    answer_terms: frozenset[str]
    questions: list[tuple[str, tuple[str, ...], frozenset[str]]]  # (original, tokens, terms)
    localities: frozenset[str]
    groups: frozenset[str]


class QuestionRows:
    """What every query compares with, computed once: each question and keyword of every
    entry is a row (an entry's rows are consecutive), with the total idf of its terms,
    whether it is one of the entry's questions, and, per term, the rows that hold it."""

    def __init__(self, docs: Sequence[EntryDoc], idf: Callable[[str], float]):
        totals: list[float] = []
        asked_rows: list[bool] = []
        holders: dict[str, list[int]] = defaultdict(list)
        self.joined: list[str] = []  # a row's content words, for the fuzzy similarity
        self.originals: list[str] = []  # the question or keyword as written
        self.doc_rows: list[range] = []  # each entry's rows
        for doc in docs:
            asked = set(doc.entry.questions)
            first = len(totals)
            for original, tokens, terms in doc.questions:
                total = sum(idf(t) for t in terms)
                if not total:
                    continue
                for t in terms:
                    holders[t].append(len(totals))
                totals.append(total)
                asked_rows.append(original in asked)
                self.joined.append(" ".join(tokens))
                self.originals.append(original)
            self.doc_rows.append(range(first, len(totals)))
        self.totals = numpy.array(totals, dtype=numpy.float64)
        self.asked = numpy.array(asked_rows, dtype=bool)
        self.term_rows = {t: numpy.array(rows, dtype=numpy.intp) for t, rows in holders.items()}

    def shared(self, q_idf: dict[str, float]) -> numpy.ndarray:
        """Per question or keyword row, the idf of the query's terms it holds."""
        shared = numpy.zeros(len(self.totals))
        for t, v in q_idf.items():
            rows = self.term_rows.get(t)
            if rows is not None:
                shared[rows] += v
        return shared

    def rows_of(self, top: list[int], shared: numpy.ndarray, q_idf_total: float) -> Rows:
        """The question and keyword rows of the candidates, with how much of each the query
        covers (ecov) and the geometric mean of that and how much of the query it covers."""
        spans = [self.doc_rows[index] for index in top]
        ids = numpy.fromiter(chain.from_iterable(spans), dtype=numpy.intp)
        lengths = numpy.array([len(span) for span in spans])
        ecov = shared[ids] / self.totals[ids]
        pair = numpy.sqrt(ecov * (shared[ids] / q_idf_total))
        return Rows(spans, ids, lengths, numpy.cumsum(lengths) - lengths, ecov, pair)

    def worth_scoring(
        self,
        top: list[int],
        shared: numpy.ndarray,
        q_idf_total: float,
        about: numpy.ndarray,
        in_answer: numpy.ndarray,
        bm25: numpy.ndarray,
        factor: numpy.ndarray,
        needed: int,
    ) -> list[int] | None:
        """The candidates that can still rank among the first `needed` (all that the decision
        reads) whatever their fuzzy similarity turns out to be; None: all of them. The fuzzy
        similarity is the costliest signal and lies in [0, 1]: a candidate whose score with a
        perfect similarity stays below what `needed` others reach with none cannot rank there.
        The margin exceeds the rounding of scores to 4 places, so the first ones, their order
        and their scores are exactly those of scoring every candidate."""
        if len(top) <= needed:
            return None
        rows = self.rows_of(top, shared, q_idf_total)
        best_pair, best_ecov = (rows.best(values) for values in (rows.pair, rows.ecov))
        w = WEIGHTS
        without = factor * (
            w[0] * about
            + w[1] * best_pair
            + w[2] * best_ecov
            + w[4] * in_answer
            + w[5] * bm25 / bm25[0]
        )
        bar = numpy.partition(without, -needed)[-needed] - PRUNE_MARGIN
        keep = numpy.flatnonzero(without + factor * w[3] >= bar)
        return None if len(keep) == len(top) else keep.tolist()

    def signals(
        self, top: list[int], shared: numpy.ndarray, q_idf_total: float, q_text: str
    ) -> tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray, numpy.ndarray, list[int]]:
        """Per candidate entry, signals in [0, 1] from its questions and keywords, over all of
        them at once: the best geometric mean of how much of a question the query covers and
        how much of the query that question covers; the best share of a question covered; the
        best fuzzy similarity (rapidfuzz, in one call); how much of its closest question (keywords
        aside) the query covers. Also which row is that closest question (-1: none)."""
        rows = self.rows_of(top, shared, q_idf_total)
        similarity = (
            process.cdist(
                [q_text],
                [self.joined[row] for row in rows.ids.tolist()],
                scorer=fuzz.token_set_ratio,
                dtype=numpy.float64,
            )[0]
            / 100
        )
        asked = self.asked[rows.ids]
        rank = numpy.where(asked, rows.pair + similarity, -1.0)
        ecov_asked = numpy.where(asked, rows.ecov, 0.0)
        best = [rows.best(values) for values in (rows.pair, rows.ecov, similarity, ecov_asked)]
        closest: list[int] = []
        for span, start, length in zip(
            rows.spans, rows.starts.tolist(), rows.lengths.tolist(), strict=True
        ):
            if not length:
                closest.append(-1)
                continue
            at = start + int(rank[start : start + length].argmax())
            closest.append(span.start + at - start if rank[at] > -1.0 else -1)
        return best[0], best[1], best[2], best[3], closest


@dataclass
class Rows:
    """The candidates' rows, consecutive: candidate i has `lengths[i]` of them from
    `starts[i]`; `ids` are their indexes in the index's row arrays."""

    spans: list[range]
    ids: numpy.ndarray
    lengths: numpy.ndarray
    starts: numpy.ndarray
    ecov: numpy.ndarray
    pair: numpy.ndarray

    def best(self, values: numpy.ndarray) -> numpy.ndarray:
        """The largest of `values` (one per row) for each candidate, 0 for a candidate without
        rows. A -inf after the last row keeps every start inside the array."""
        best = numpy.maximum.reduceat(numpy.append(values, -numpy.inf), self.starts)
        return numpy.where(self.lengths == 0, 0.0, best)
