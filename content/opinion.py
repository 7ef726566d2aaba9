"""A second opinion on which entry a message asks about: TF-IDF over character n-grams.

Over the folded text, it sees through typos, missing letters and words run together where the
word index sees different words.

The weighting is scikit-learn's TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5),
sublinear_tf=True) computed with NumPy alone: importing scikit-learn took 1.7 s of the 3.5 s a
`bot.py ask` process needed. tests/test_understanding.py checks the scores equal scikit-learn's."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import chain

import numpy

from content.loader import Content
from content.normalize import Normalizer

NGRAMS = (2, 5)
# `is_top` scores every row while the query's n-grams have at most EXACT_POSTINGS holders in
# all; beyond, its rarest n-grams, up to POSTINGS holders, pick the POOL rows scored in full.
EXACT_POSTINGS = 400_000
POSTINGS = 100_000
POOL = 512


@dataclass(frozen=True)
class Opinion:
    entry_id: str
    similarity: float  # cosine of the query with the entry's closest question, in [0, 1]
    margin: float  # how far ahead of the next entry


def char_ngrams(text: str, sizes: tuple[int, int] = NGRAMS) -> list[str]:
    """The n-grams of each word padded with a space on both sides (scikit-learn's char_wb)."""
    grams: list[str] = []
    low, high = sizes
    for word in text.split():
        padded = f" {word} "
        for n in range(low, high + 1):
            if n > len(padded):
                break
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


class SecondOpinion:
    """Built once from the content's questions and keywords; `rank` is pure."""

    def __init__(
        self,
        content: Content,
        normalizer: Normalizer,
        *,
        exact_postings: int = EXACT_POSTINGS,
        postings: int = POSTINGS,
    ):
        self.normalizer = normalizer
        self.exact_postings = exact_postings  # see EXACT_POSTINGS and POSTINGS above
        self.postings = postings
        self._ids = list(content.entries)
        self._number = {entry_id: n for n, entry_id in enumerate(self._ids)}
        # Each row's n-grams, counted by column; a word's n-grams are cut once, as words
        # repeat across questions. Columns are numbered in the order n-grams are first seen.
        self._vocabulary: dict[str, int] = {}
        columns_of: dict[str, list[int]] = {}
        counts: list[Counter[int]] = []
        owners: list[int] = []
        for number, entry in enumerate(content.entries.values()):
            for text in (*entry.questions, *entry.keywords):
                folded = normalizer.normalize(text).folded
                if not folded:
                    continue
                row: list[int] = []
                for word in folded.split():
                    found = columns_of.get(word)
                    if found is None:
                        found = columns_of[word] = [
                            self._vocabulary.setdefault(g, len(self._vocabulary))
                            for g in char_ngrams(word)
                        ]
                    row.extend(found)
                counts.append(Counter(row))
                owners.append(number)
        cols = numpy.fromiter(chain.from_iterable(counts), dtype=numpy.intp)
        df = numpy.bincount(cols, minlength=len(self._vocabulary)).astype(numpy.float64)
        rows = len(counts)
        self._idf = (numpy.log((1 + rows) / (1 + df)) + 1).astype(numpy.float32)
        self._rows = len(counts)
        self._columns = self._by_column(counts)
        self._by_row = self._row_major(counts)
        # An entry's rows are consecutive: where each entry's first row is, for reduceat.
        owners_array = numpy.array(owners, dtype=numpy.intp)
        self._starts = numpy.searchsorted(owners_array, numpy.arange(len(self._ids)))
        self._has_rows = numpy.bincount(owners_array, minlength=len(self._ids)) > 0
        self._owners = owners_array
        # The largest weight in each n-gram's column: what that n-gram can add to any row.
        start, _, values = self._columns
        self._column_max = numpy.maximum.reduceat(values, start[:-1]) if len(values) else values

    def _by_column(self, counts: list[Counter[int]]) -> tuple[numpy.ndarray, ...]:
        """The rows' l2-normalised weights, stored by column: for n-gram c, rows
        `holders[start[c]:start[c + 1]]` with weights `values[...]`."""
        vocabulary = self._vocabulary
        cols = numpy.fromiter(chain.from_iterable(counts), dtype=numpy.intp)
        tf = numpy.fromiter(
            chain.from_iterable(row.values() for row in counts), dtype=numpy.float64
        )
        holders = numpy.repeat(numpy.arange(len(counts)), [len(row) for row in counts])
        weights = (1.0 + numpy.log(tf)) * self._idf[cols]
        norms = numpy.sqrt(numpy.bincount(holders, weights=weights * weights))
        values = weights / norms[holders]
        order = numpy.argsort(cols, kind="stable")
        start = numpy.searchsorted(cols[order], numpy.arange(len(vocabulary) + 1))
        return start, holders[order], values[order].astype(numpy.float32)

    def _row_major(self, counts: list[Counter[int]]) -> tuple[numpy.ndarray, ...]:
        """The same weights stored row by row: row r holds `cols[start[r]:start[r + 1]]`."""
        start, holders, values = self._columns
        cols = numpy.repeat(numpy.arange(len(start) - 1), numpy.diff(start))
        order = numpy.argsort(holders, kind="stable")
        row_start = numpy.searchsorted(holders[order], numpy.arange(len(counts) + 1))
        return row_start, cols[order], values[order]

    def is_top(self, text: str, entry_id: str) -> bool:
        """Whether `entry_id` is what `top(text)` names. Exactly so while the query's n-grams
        are held by at most EXACT_POSTINGS rows in all (any content of ordinary size); beyond,
        only the rows that share the most of the query's rarest n-grams are taken to be able
        to outrank it: the POOL best by those n-grams alone, scored in full."""
        folded = self.normalizer.normalize(text).folded
        query = self._query_vector(folded) if folded else None
        if query is None:
            return bool(folded) and self._number[entry_id] == 0  # all tie at 0: the first
        columns, weights = query
        start, holders, values = self._columns
        lengths = start[columns + 1] - start[columns]
        if int(lengths.sum()) <= self.exact_postings:
            top = self.top(text)
            return top is not None and top.entry_id == entry_id
        number = self._number[entry_id]
        dense = numpy.zeros(len(self._vocabulary) + 1)
        dense[columns] = weights
        own = self._entry_best(number, dense)
        # The rarest n-grams first, as many as POSTINGS holders allow (at least one).
        order = numpy.argsort(lengths, kind="stable")
        rare = order[: max(1, int(numpy.searchsorted(numpy.cumsum(lengths[order]), self.postings)))]
        picked, counts = columns[rare], lengths[rare]
        picks = numpy.repeat(start[picked] - numpy.cumsum(counts) + counts, counts)
        picks += numpy.arange(int(counts.sum()))
        partial = numpy.bincount(
            holders[picks], weights=values[picks] * numpy.repeat(weights[rare], counts)
        )
        rows = numpy.flatnonzero(partial)
        if len(rows) > POOL:
            rows = rows[numpy.argpartition(partial[rows], -POOL)[-POOL:]]
        rows = rows[self._owners[rows] != number]
        if not len(rows):
            return own > 0 or number == 0
        scores = self._row_scores(rows, dense)
        others = self._owners[rows]
        return not bool(numpy.any((scores > own) | ((scores == own) & (others < number))))

    def _row_scores(self, rows: numpy.ndarray, dense: numpy.ndarray) -> numpy.ndarray:
        """The cosine of the query (`dense`, by column) with each of `rows`."""
        row_start, cols, values = self._by_row
        lengths = row_start[rows + 1] - row_start[rows]
        picks = numpy.repeat(row_start[rows] - numpy.cumsum(lengths) + lengths, lengths)
        picks += numpy.arange(int(lengths.sum()))
        products = values[picks] * dense[cols[picks]]
        owner = numpy.repeat(numpy.arange(len(rows)), lengths)
        return numpy.bincount(owner, weights=products, minlength=len(rows))

    def _entry_best(self, number: int, dense: numpy.ndarray) -> float:
        first = int(self._starts[number])
        last = int(self._starts[number + 1]) if number + 1 < len(self._starts) else self._rows
        if first >= last:
            return 0.0
        return float(self._row_scores(numpy.arange(first, last), dense).max())

    def similarities_of(self, text: str, entry_ids: list[str]) -> dict[str, float]:
        """The similarity of the named entries only: what ordering a few candidates needs,
        at a fraction of the cost of every entry's."""
        folded = self.normalizer.normalize(text).folded
        query = self._query_vector(folded)
        out: dict[str, float] = {}
        if query is None:
            return dict.fromkeys(entry_ids, 0.0)
        dense = numpy.zeros(len(self._vocabulary) + 1)
        dense[query[0]] = query[1]
        row_start, cols, values = self._by_row
        for entry_id in entry_ids:
            number = self._number[entry_id]
            first = int(self._starts[number])
            last = int(self._starts[number + 1]) if number + 1 < len(self._starts) else self._rows
            if first >= last:
                out[entry_id] = 0.0
                continue
            span = slice(int(row_start[first]), int(row_start[last]))
            products = values[span] * dense[cols[span]]
            bounds = row_start[first:last] - row_start[first]
            out[entry_id] = float(numpy.add.reduceat(products, bounds).max())
        return out

    def _query_vector(self, folded: str) -> tuple[numpy.ndarray, numpy.ndarray] | None:
        counts = Counter(char_ngrams(folded))
        known = [(self._vocabulary[g], n) for g, n in counts.items() if g in self._vocabulary]
        if not known:
            return None
        columns = numpy.fromiter((c for c, _ in known), dtype=numpy.intp, count=len(known))
        tf = numpy.fromiter((n for _, n in known), dtype=numpy.float32, count=len(known))
        weights = (1.0 + numpy.log(tf)) * self._idf[columns]
        # The query's norm counts only the n-grams the content knows, as scikit-learn's
        # transform does (unknown ones have no column).
        return columns, weights / numpy.sqrt(numpy.dot(weights, weights))

    def rank(self, text: str, limit: int = 5) -> list[Opinion]:
        """The entries closest to `text`, best first."""
        folded = self.normalizer.normalize(text).folded
        if not folded:
            return []
        best = self._per_entry(folded)
        order = numpy.argsort(-best, kind="stable")[: limit + 1]
        values = best[order].tolist()
        return [
            Opinion(
                self._ids[index],
                round(values[i], 4),
                round(values[i] - (values[i + 1] if i + 1 < len(values) else 0.0), 4),
            )
            for i, index in enumerate(order[:limit].tolist())
        ]

    def similarities(self, text: str) -> dict[str, float]:
        """Every entry's similarity to `text` (its closest question)."""
        folded = self.normalizer.normalize(text).folded
        if not folded:
            return {}
        return dict(zip(self._ids, self._per_entry(folded).tolist(), strict=True))

    def row_similarities(self, folded: str) -> numpy.ndarray:
        """The cosine of the folded query with every question and keyword row."""
        query = self._query_vector(folded)
        if query is None:
            return numpy.zeros(self._rows, dtype=numpy.float32)
        columns, weights = query
        start, holders, values = self._columns
        lengths = start[columns + 1] - start[columns]
        picks = numpy.repeat(start[columns] - numpy.cumsum(lengths) + lengths, lengths)
        picks += numpy.arange(int(lengths.sum()))
        scores = values[picks] * numpy.repeat(weights, lengths)
        return numpy.bincount(holders[picks], weights=scores, minlength=self._rows)

    def _per_entry(self, folded: str) -> numpy.ndarray:
        """Each entry's best cosine over its questions and keywords."""
        similarity = self.row_similarities(folded)
        padded = numpy.append(similarity, 0.0)
        best = numpy.maximum.reduceat(padded, numpy.minimum(self._starts, len(similarity)))
        return numpy.where(self._has_rows, best, 0.0)

    def top(self, text: str) -> Opinion | None:
        ranked = self.rank(text, limit=1)
        return ranked[0] if ranked else None
