"""A sparse TF-IDF index with numpy postings: cosine scores of a query against every document."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int32]


class TfidfIndex:
    """Cosine similarity over sublinear-tf, smoothed-idf, L2-normalised term vectors."""

    def __init__(
        self,
        documents: Sequence[Mapping[str, float]],
        max_df: float = 1.0,
        weighting: Sequence[bool] | None = None,
    ) -> None:
        """Index documents given as ``{term: weighted term frequency}``.

        ``weighting`` marks the documents whose term counts set the IDF weights (all when None); the others are
        indexed with those weights, a term only they use counting as the rarest.
        Terms in more than ``max_df`` of the documents keep their weight in the vector norms but get no
        postings: they barely move a cosine score and their long postings dominate query time.
        """
        self.size = len(documents)
        counted = [doc for i, doc in enumerate(documents) if weighting is None or weighting[i]] or list(documents)
        df = Counter(term for doc in counted for term, tf in doc.items() if tf > 0)
        terms = {term for doc in documents for term, tf in doc.items() if tf > 0}
        base = len(counted) + 1
        self.idf = {term: math.log(base / (df[term] + 1)) + 1.0 for term in terms}
        postings: dict[str, tuple[list[int], list[float]]] = {}
        for doc_id, doc in enumerate(documents):
            vector = {t: (1.0 + math.log(tf) if tf >= 1 else tf) * self.idf[t] for t, tf in doc.items() if tf > 0}
            norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
            for term, weight in vector.items():
                ids, weights = postings.setdefault(term, ([], []))
                ids.append(doc_id)
                weights.append(weight / norm)
        limit = max(2.0, max_df * self.size)
        self._postings: dict[str, tuple[IntArray, FloatArray]] = {
            term: (np.asarray(ids, dtype=np.int32), np.asarray(ws, dtype=np.float32))
            for term, (ids, ws) in postings.items()
            if len(ids) <= limit
        }

    def query_vector(self, terms: Iterable[str]) -> dict[str, float]:
        """Unit-length weights of the query terms the index knows."""
        counts = Counter(t for t in terms if t in self.idf)
        vector = {t: (1.0 + math.log(c)) * self.idf[t] for t, c in counts.items()}
        norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
        return {t: w / norm for t, w in vector.items()}

    def scores(self, terms: Iterable[str]) -> FloatArray:
        """Cosine score of the query against every document (zeros when nothing matches)."""
        total = np.zeros(self.size, dtype=np.float32)
        self.accumulate(terms, total)
        return total

    def accumulate(self, terms: Iterable[str], out: FloatArray, scale: float = 1.0) -> None:
        """Add ``scale`` times the cosine scores of the query to ``out`` (fuses channels without copies)."""
        for term, weight in self.query_vector(terms).items():
            posting = self._postings.get(term)
            if posting is not None:
                out[posting[0]] += posting[1] * np.float32(weight * scale)


def top_indices(scores: FloatArray, k: int) -> list[int]:
    """Indices of the ``k`` highest positive scores, best first (ties by index)."""
    if scores.size == 0:
        return []
    k = min(k, scores.size)
    cut = scores.size - k
    part = np.argpartition(scores, cut)[cut:] if k < scores.size else np.arange(scores.size)
    ranked = sorted(part.tolist(), key=lambda i: (-float(scores[i]), i))
    return [i for i in ranked if scores[i] > 0]


def weighted_counts(fields: Iterable[tuple[Iterable[str], float]]) -> dict[str, float]:
    """Merge term lists of several fields into ``{term: sum of field weights}``."""
    merged: dict[str, float] = {}
    for terms, weight in fields:
        for term in terms:
            merged[term] = merged.get(term, 0.0) + weight
    return merged
