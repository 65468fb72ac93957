"""Knowledge base of SiteDesk: FAQ articles, a Chinese question matcher and its evaluation.

How a question is matched (``Matcher.match``), one module per step:

1. ``normalize``: NFKC, lower case, traditional → simplified, QQ codes, mentions, mail quotes, fillers removed.
2. ``spelling`` (via ``Retriever.rewrite``): English IT words glossed in place, the asker's setting read away
   (学院网站 → 网站), homophone typos fixed from the KB's own bigrams.
3. ``retrieval``: character 1–2-gram, word (private jieba + ``lexicon`` synonym groups) and pinyin TF-IDF channels
   fused (``tfidf``; term weights from the desk's own articles), articles about other campus systems penalised,
   rapidfuzz re-scoring of the top few, then ``rerank``'s field-aware bonus.
4. ``scope`` and ``coverage``: is the question about something the KB talks about at all (its vocabulary, another
   named system, unknown product names), and does the best article cover the question's rare words.
5. ``decide``: answer, ask back with the top titles, or no match, with a reason in Chinese for staff.

Weights and thresholds are fitted on the benchmark's dev split only (``bench/kb_tune.py``).
"""

from knowledge_base.article import Article, ArticleStatus
from knowledge_base.decide import Decision, DecisionPolicy
from knowledge_base.draft import article_draft_from_text, dump_article_yaml
from knowledge_base.errors import ArticleFormatError, KnowledgeBaseError
from knowledge_base.holder import KnowledgeBase
from knowledge_base.loader import load_articles
from knowledge_base.matcher import Candidate, Matcher, MatchResult
from knowledge_base.normalize import normalize_text

__all__ = [
    "Article",
    "ArticleFormatError",
    "ArticleStatus",
    "Candidate",
    "Decision",
    "DecisionPolicy",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "MatchResult",
    "Matcher",
    "article_draft_from_text",
    "dump_article_yaml",
    "load_articles",
    "normalize_text",
]
