"""FAQ search: BM25 over folded syllables and pairs, re-ranked, then answer, suggest or decline."""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from typing import Any

import numpy
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from content.loader import Content
from content.normalize import Normalized, Normalizer, fold, untelex
from content.reading import POOR_HEADS, household_groups
from content.schema import NATIONAL, Entry
from content.scoring import WEIGHTS, EntryDoc, QuestionRows

# Field weights in the lexical index: what citizens ask is written in the questions.
_W_QUESTION = 1.0
_W_KEYWORD = 0.8
_W_TOPIC = 0.4
_W_ANSWER = 0.3
_BM25_K1 = 1.2
_BM25_B = 0.4
_CANDIDATES = 40
_OTHER_GROUP_FACTOR = 0.85
_NATIONAL_WHEN_PLACE_NAMED = 0.9
# A word in more than this share of entries is "common" for picking candidates.
_COMMON_SHARE = 0.15


@dataclass(frozen=True)
class Thresholds:
    """Score bands; tuned on tests/data/devset_*.yaml (see bench/RESULTS.md)."""

    answer: float = 0.58  # at or above: answer, if clearly ahead of the next entry
    sure: float = 0.82  # at or above: answer even when another entry is close
    margin: float = 0.06  # how far ahead the best entry must be between answer and sure
    answer_coverage: float = 0.2  # the query must cover this much of the entry's closest question
    suggest: float = 0.36  # at or above: offer as "Có phải bạn muốn hỏi…"
    suggest_window: float = 0.15  # suggestions within this of the best one
    suggest_query_cover: float = 0.25  # a suggestion's questions must cover this much of the query


@dataclass(frozen=True)
class Match:
    entry_id: str
    score: float
    question: str  # the entry's question closest to what was asked
    coverage: float = 0.0  # how much of that question the query covers, by idf
    query_cover: float = 0.0  # how much of the query the entry's questions cover, by idf


@dataclass(frozen=True)
class SearchResult:
    query: Normalized
    answer: Match | None  # set only when confident
    suggestions: tuple[Match, ...]
    candidates: tuple[Match, ...] = field(repr=False, default=())

    @property
    def best(self) -> Match | None:
        return self.candidates[0] if self.candidates else None


class SearchIndex:
    """Built once from the content; `search` is pure and safe to share between tasks."""

    def __init__(
        self, content: Content, normalizer: Normalizer, thresholds: Thresholds | None = None
    ):
        self.content = content
        self.normalizer = normalizer
        self.thresholds = thresholds or Thresholds()
        self.stopwords = normalizer.stopwords
        self._docs: list[EntryDoc] = []
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self._df: Counter[str] = Counter()
        self._locality_aliases: list[tuple[tuple[str, ...], str]] = []
        for loc in content.localities.values():
            if loc.id == NATIONAL:
                continue
            for alias in {fold(loc.name), *(fold(a) for a in loc.aliases)}:
                words = tuple(normalizer.words(alias))
                if words:
                    self._locality_aliases.append((words, loc.id))
        self._locality_aliases.sort(key=lambda item: -len(item[0]))
        # By first word, longest first: only these can match where that word stands.
        self._aliases_by_head: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for words, loc_id in self._locality_aliases:
            self._aliases_by_head.setdefault(words[0], []).append((words, loc_id))
        self._place_heads = frozenset(self._aliases_by_head)
        for entry in content.entries.values():
            self._add(entry)
        n = max(len(self._docs), 1)
        self._avg_len = sum(d.length for d in self._docs) / n
        self._idf = {t: math.log(1 + (n - df + 0.5) / (df + 0.5)) for t, df in self._df.items()}
        self._max_idf = math.log(1 + (n + 0.5) / 0.5)
        # Each posting carries its BM25 term weight, computed once here rather than per query.
        for postings in self._postings.values():
            for i, (index, tf) in enumerate(postings):
                norm = _BM25_K1 * (1 - _BM25_B + _BM25_B * self._docs[index].length / self._avg_len)
                postings[i] = (index, tf * (_BM25_K1 + 1) / (tf + norm))
        self._common_df = max(50, int(n * _COMMON_SHARE))
        self._rows = QuestionRows(self._docs, self.idf)
        self._index_terms()
        vocab = Counter()
        for doc in self._docs:
            vocab.update(t for t in doc.terms if " " not in t)
        # Frequent words first, so a tie in edit distance picks the common word.
        self._vocab = [w for w, _ in vocab.most_common() if len(w) >= 2]
        self._vocab_set = frozenset(self._vocab)
        self._correct = lru_cache(maxsize=16384)(self._correct_uncached)

    # ---- building -------------------------------------------------------------------------
    def _index_terms(self) -> None:
        """Per term, the entries whose questions, keywords or topic hold it, and those whose
        answer holds it (single words), for the signals of `search`."""
        ask_docs: dict[str, list[int]] = defaultdict(list)
        answer_docs: dict[str, list[int]] = defaultdict(list)
        for index, doc in enumerate(self._docs):
            for t in doc.ask_terms:
                ask_docs[t].append(index)
            for t in doc.answer_terms:
                if " " not in t:
                    answer_docs[t].append(index)
        self._ask_docs = {t: numpy.array(d, dtype=numpy.intp) for t, d in ask_docs.items()}
        self._answer_docs = {t: numpy.array(d, dtype=numpy.intp) for t, d in answer_docs.items()}

    def terms(self, tokens: tuple[str, ...] | list[str]) -> list[str]:
        """Unigrams that are not stopwords, and pairs of neighbours with at least one such."""
        out = [t for t in tokens if t not in self.stopwords]
        for a, b in pairwise(tokens):
            if a not in self.stopwords or b not in self.stopwords:
                out.append(f"{a} {b}")
        return out

    def _add(self, entry: Entry) -> None:
        weights: Counter[str] = Counter()
        ask_terms: set[str] = set()
        questions = []
        for question in entry.questions:
            tokens = self.without_places(self.normalizer.normalize(question).tokens)
            terms = self.terms(tokens)
            for t in set(terms):
                weights[t] += _W_QUESTION
            ask_terms.update(terms)
            content_tokens = tuple(t for t in tokens if t not in self.stopwords)
            questions.append((question, content_tokens, frozenset(terms)))
        for keyword in entry.keywords:
            terms = self.terms(self.without_places(self.normalizer.normalize(keyword).tokens))
            for t in set(terms):
                weights[t] += _W_KEYWORD
            ask_terms.update(terms)
            kw_tokens = tuple(
                t
                for t in self.without_places(self.normalizer.normalize(keyword).tokens)
                if t not in self.stopwords
            )
            questions.append((keyword, kw_tokens, frozenset(terms)))
        topic = self.content.topics.get(entry.topic)
        if topic:
            for t in set(self.terms(self.normalizer.normalize(topic.title).tokens)):
                weights[t] += _W_TOPIC
        answer_terms = set(self.terms(self.normalizer.normalize(entry.answer).tokens))
        for t in answer_terms:
            weights[t] += _W_ANSWER
        index = len(self._docs)
        doc = EntryDoc(
            entry=entry,
            terms=dict(weights),
            length=sum(weights.values()),
            ask_terms=frozenset(ask_terms),
            answer_terms=frozenset(answer_terms),
            questions=questions,
            localities=frozenset(entry.localities),
            groups=self.groups(self.normalizer.normalize(entry.questions[0]).tokens),
        )
        self._docs.append(doc)
        for term, weight in weights.items():
            self._postings[term].append((index, weight))
            self._df[term] += 1

    # ---- query side -----------------------------------------------------------------------
    def _correct_uncached(self, token: str) -> str:
        if token in self._vocab_set or token in self.stopwords or not token.isalpha():
            return token
        if len(token) < 3:
            return token
        plain = untelex(token)
        if plain in self._vocab_set:
            return plain
        cutoff = 1 if len(token) <= 5 else 2
        found = process.extractOne(
            token, self._vocab, scorer=Levenshtein.distance, score_cutoff=cutoff
        )
        return found[0] if found else token

    def idf(self, term: str) -> float:
        return self._idf.get(term, self._max_idf)

    def without_places(self, tokens: tuple[str, ...]) -> tuple[str, ...]:
        """Drops place names: the locality adjustment weighs them, not the term overlap, so a
        rare place name does not outweigh what is asked about that place."""
        if not self._place_heads.intersection(tokens):
            return tokens
        out: list[str] = []
        i = 0
        while i < len(tokens):
            for words, _ in self._aliases_by_head.get(tokens[i], ()):
                if tokens[i : i + len(words)] == words:
                    i += len(words)
                    break
            else:
                out.append(tokens[i])
                i += 1
        return tuple(out)

    @staticmethod
    def groups(tokens: tuple[str, ...]) -> frozenset[str]:
        """Which kinds of household an entry's question or a query's words are about."""
        return household_groups(tokens, POOR_HEADS)

    def mentioned_localities(self, tokens: tuple[str, ...]) -> set[str]:
        found: set[str] = set()
        for i, token in enumerate(tokens):
            for words, loc_id in self._aliases_by_head.get(token, ()):
                if tokens[i : i + len(words)] == words:
                    found.add(loc_id)
        return found

    def search(
        self,
        text: str,
        locality: str | None = None,
        limit: int = 3,
        groups: frozenset[str] = frozenset(),
    ) -> SearchResult:
        """Ranks the entries for `text`; `groups` adds household kinds the citizen stated
        elsewhere in the message (see content/reading.py)."""
        query = self.normalizer.normalize(text[:2000])
        corrected = tuple(self._correct(t) for t in query.tokens)
        mentioned = self.mentioned_localities(corrected)
        tokens = self.without_places(corrected)
        qterms = list(dict.fromkeys(self.terms(tokens)))
        content_tokens = tuple(t for t in tokens if t not in self.stopwords)
        if not qterms or not content_tokens:
            return SearchResult(query=query, answer=None, suggestions=())

        scores: dict[int, float] = defaultdict(float)
        rare = [t for t in qterms if 0 < self._df.get(t, 0) <= self._common_df]
        # Words found in a large share of entries ("hộ", "nghèo") only pick candidates when
        # nothing rarer was asked; they still count in the signals below.
        for term in rare or qterms:
            idf = self.idf(term)
            for index, weight in self._postings.get(term, ()):
                scores[index] += idf * weight
        if not scores:
            return SearchResult(query=query, answer=None, suggestions=())
        top = heapq.nlargest(_CANDIDATES, scores, key=scores.__getitem__)
        top_bm25 = scores[top[0]]

        q_idf = {t: self.idf(t) for t in qterms}
        q_idf_total = sum(q_idf.values())
        q_uni_total = sum(v for t, v in q_idf.items() if " " not in t) or 1.0
        q_text = " ".join(content_tokens)
        q_groups = self.groups(tokens) | groups
        # How much of the query each entry is about (its questions, keywords and topic), and
        # how much of it (single words) its answer holds, by idf.
        about = self._per_doc(self._ask_docs, q_idf)[top] / q_idf_total
        in_answer = self._per_doc(self._answer_docs, q_idf)[top] / q_uni_total
        bm25 = numpy.array([scores[index] for index in top])
        docs = [self._docs[index] for index in top]
        place = numpy.array([self._locality_factor(doc, mentioned, locality) for doc in docs])
        # Asked about one kind of household, an entry about another comes lower.
        other = numpy.array(
            [bool(q_groups and doc.groups and not (q_groups & doc.groups)) for doc in docs],
            dtype=bool,
        )
        shared = self._rows.shared(q_idf)
        keep = self._rows.worth_scoring(
            top,
            shared,
            q_idf_total,
            about,
            in_answer,
            bm25,
            numpy.where(other, place * _OTHER_GROUP_FACTOR, place),
            max(limit, 2),
        )
        if keep is not None:
            top, about, in_answer, bm25, place, other, docs = (
                [top[i] for i in keep],
                about[keep],
                in_answer[keep],
                bm25[keep],
                place[keep],
                other[keep],
                [docs[i] for i in keep],
            )
        pair, ecov, fuzzy, question_cover, rows = self._rows.signals(
            top, shared, q_idf_total, q_text
        )
        # The features' weighted sum, all candidates at once, added in the order of WEIGHTS.
        w = WEIGHTS
        score = w[0] * about + w[1] * pair
        score = score + w[2] * ecov
        score = score + w[3] * fuzzy
        score = score + w[4] * in_answer
        score = score + w[5] * bm25 / top_bm25
        score = score * place
        score = numpy.where(other, score * _OTHER_GROUP_FACTOR, score)
        matches = [
            Match(
                doc.entry.id,
                round(value, 4),
                self._rows.originals[row] if row >= 0 else doc.entry.questions[0],
                round(cover, 4),
                round(share, 4),
            )
            for doc, value, row, cover, share in zip(
                docs, score.tolist(), rows, question_cover.tolist(), about.tolist(), strict=True
            )
        ]
        matches.sort(key=lambda m: m.score, reverse=True)
        return self.decide(query, matches, limit)

    def _per_doc(self, docs_of: dict[str, Any], q_idf: dict[str, float]) -> numpy.ndarray:
        """Per entry, the idf of the query's terms that `docs_of` lists for it, summed in the
        query's order."""
        total = numpy.zeros(len(self._docs))
        for t, v in q_idf.items():
            docs = docs_of.get(t)
            if docs is not None:
                total[docs] += v
        return total

    @staticmethod
    def _locality_factor(doc: EntryDoc, mentioned: set[str], locality: str | None) -> float:
        if NATIONAL in doc.localities:
            # Naming a place asks about that place: its own entries come before national ones.
            return _NATIONAL_WHEN_PLACE_NAMED if mentioned else 1.0
        if mentioned:
            return 1.15 if doc.localities & mentioned else 0.75
        if locality and locality in doc.localities:
            return 1.05
        return 0.9

    def decide(self, query: Normalized, matches: list[Match], limit: int = 3) -> SearchResult:
        """Answer, suggest or decline, from matches ranked best first."""
        th = self.thresholds
        best = matches[0]
        second = matches[1].score if len(matches) > 1 else 0.0
        # A short vague query ("hỗ trợ") can match a keyword perfectly; an answer needs the
        # query to say a good part of what one of the entry's questions asks.
        confident = best.coverage >= th.answer_coverage and (
            best.score >= th.sure or (best.score >= th.answer and best.score - second >= th.margin)
        )
        if confident:
            return SearchResult(query, best, (), tuple(matches))
        suggestions = tuple(
            m
            for m in matches[:limit]
            if m.score >= th.suggest
            and m.score >= best.score - th.suggest_window
            and m.query_cover >= th.suggest_query_cover
        )
        return SearchResult(query, None, suggestions, tuple(matches))
