"""Knowledge base of SiteDesk: FAQ articles, a Chinese question matcher and its evaluation."""

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
