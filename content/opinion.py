"""A second opinion on which entry a message asks about: character n-grams of the folded text
(TF-IDF, scikit-learn), which see through typos, missing letters and words run together where
the word index sees different words."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy
from sklearn.feature_extraction.text import TfidfVectorizer

from content.loader import Content
from content.normalize import Normalizer


@dataclass(frozen=True)
class Opinion:
    entry_id: str
    similarity: float  # cosine of the query with the entry's closest question, in [0, 1]
    margin: float  # how far ahead of the next entry


class SecondOpinion:
    """Built once from the content's questions and keywords; `rank` is pure."""

    def __init__(self, content: Content, normalizer: Normalizer):
        self.normalizer = normalizer
        self._ids = list(content.entries)
        texts: list[str] = []
        owners: list[int] = []
        for number, entry in enumerate(content.entries.values()):
            for text in (*entry.questions, *entry.keywords):
                folded = normalizer.normalize(text).folded
                if folded:
                    texts.append(folded)
                    owners.append(number)
        self._vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, dtype=numpy.float32
        )
        self._rows = self._vectorizer.fit_transform(texts).T.tocsr()
        # The query side without scikit-learn's per-call checks, which cost more than the
        # product: the same analyser, sublinear tf, idf and l2 norm (tested against it).
        self._analyze = self._vectorizer.build_analyzer()
        self._vocabulary = self._vectorizer.vocabulary_
        self._idf = self._vectorizer.idf_.astype(numpy.float32)
        # An entry's rows are consecutive: where each entry's first row is, for reduceat.
        owners_array = numpy.array(owners, dtype=numpy.intp)
        self._starts = numpy.searchsorted(owners_array, numpy.arange(len(self._ids)))
        self._has_rows = numpy.bincount(owners_array, minlength=len(self._ids)) > 0

    def rank(self, text: str, limit: int = 5) -> list[Opinion]:
        """The entries closest to `text`, best first."""
        folded = self.normalizer.normalize(text).folded
        if not folded:
            return []
        best = self._per_entry(folded)
        order = numpy.argsort(-best)[: limit + 1]
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

    def _per_entry(self, folded: str) -> numpy.ndarray:
        """Each entry's best cosine over its questions and keywords."""
        counts = Counter(self._analyze(folded))
        known = [(self._vocabulary[g], n) for g, n in counts.items() if g in self._vocabulary]
        if not known:
            return numpy.zeros(len(self._ids), dtype=numpy.float32)
        columns = numpy.fromiter((c for c, _ in known), dtype=numpy.intp, count=len(known))
        tf = numpy.fromiter((n for _, n in known), dtype=numpy.float32, count=len(known))
        weights = (1.0 + numpy.log(tf)) * self._idf[columns]
        weights /= numpy.sqrt(numpy.dot(weights, weights))
        similarity = self._rows[columns].T.dot(weights)
        padded = numpy.append(similarity, numpy.float32(0.0))
        best = numpy.maximum.reduceat(padded, numpy.minimum(self._starts, len(similarity)))
        return numpy.where(self._has_rows, best, 0.0)

    def _owner_of(self, row: int) -> int:
        """The entry number a question row belongs to."""
        return int(numpy.searchsorted(self._starts, row, side="right")) - 1

    def top(self, text: str) -> Opinion | None:
        ranked = self.rank(text, limit=1)
        return ranked[0] if ranked else None
