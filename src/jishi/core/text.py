"""Turning text into search words — the same function at index time and at query time.

Why word segmentation and not trigrams: Chinese queries are mostly two or
three characters (猫粮, 狗粮, 冻干), and a trigram index cannot serve a
two-character query at all (PostgreSQL's pg_trgm gives no index help below
three characters). Neither database ships a Chinese parser we can rely on
(no zhparser / pg_jieba in Debian, no ICU tokenizer by default in SQLite),
so Jishi segments in Python with rjieba (jieba's dictionary) plus a domain
dictionary, and stores the words, space separated, in
``Product.search_text``. Each database then indexes plain space-separated
words with its own full-text engine: SQLite FTS5 (``unicode61``) ranked by
bm25, PostgreSQL ``to_tsvector('simple', …)`` under a GIN index ranked by
``ts_rank``. Queries are segmented by the same function, so a word found at
index time is found at query time.

The index side uses the search-mode cut (long words also yield their
sub-words: 布偶猫 → 布偶, 布偶猫), so a shorter query still matches. Latin
text is lower-cased and split on non-word characters (``Grain-free`` →
``grain``, ``free``); the last Latin word of a query is matched as a prefix,
which covers plurals and typing in progress.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

import rjieba

DICTIONARY = Path(__file__).with_name("dictionary.txt")
_WORD = re.compile(r"[0-9a-z]+|[\u3400-\u9fff\uf900-\ufaff]+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
MAX_QUERY_WORDS = 8


@cache
def _load_dictionary() -> bool:
    for line in DICTIONARY.read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            rjieba.add_word(word, None, None)
    return True


def _normalise(text: str) -> str:
    # NFKC folds full-width letters and digits (ＡＢＣ１２) into ASCII.
    return unicodedata.normalize("NFKC", text or "").lower()


def _words(pieces: list[str]) -> list[str]:
    words: list[str] = []
    for piece in pieces:
        words.extend(_WORD.findall(piece))
    return words


def index_words(*texts: str) -> str:
    """The search text stored for a document: every word and sub-word, space separated, deduplicated."""
    _load_dictionary()
    seen: dict[str, None] = {}
    for text in texts:
        for word in _words(rjieba.cut_for_search(_normalise(text))):
            seen.setdefault(word, None)
            if _HAN.match(word) and len(word) > 1:
                # Single characters too: a buyer who types 鱼 should find 六种鱼.
                for char in word:
                    seen.setdefault(char, None)
    return " ".join(seen)


def query_words(query: str) -> list[str]:
    """The words a query must all match (at most MAX_QUERY_WORDS, in order, deduplicated)."""
    _load_dictionary()
    seen: dict[str, None] = {}
    for word in _words(rjieba.cut(_normalise(query))):
        seen.setdefault(word, None)
    return list(seen)[:MAX_QUERY_WORDS]


def is_latin(word: str) -> bool:
    return word.isascii()
