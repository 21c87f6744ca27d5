"""What a typed query may mean: suggestions by start, pinyin and pinyin initials; hot and recent searches; a
correction for a query that found nothing.

Chinese terms are found by their characters (``猫粮``), their pinyin (``mao``, ``maoliang``) and their pinyin
initials (``ml``); English ones by their start, ignoring case and spaces. A correction is the best-selling term
that sounds the same (``猫良`` → ``猫粮``) or whose pinyin is one or two letters away (``maolaing`` → 猫粮).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import cast

from django.core.cache import cache
from django.db.models import Count, Q
from django.db.models.functions import Length
from django.utils import timezone
from pypinyin import Style, lazy_pinyin

from jishi.search.models import SearchLog, Suggestion

MOST = 10
HOT_DAYS = 7
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_CJK = re.compile(r"[\u3400-\u9fff]")


def fold(text: str) -> str:
    """Lower case, full-width folded, without spaces or punctuation: what English and pinyin are compared by."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).lower())


def pinyin_of(text: str) -> tuple[str, str]:
    """The folded pinyin and pinyin initials of ``text`` (other characters kept as they are, folded)."""
    full = lazy_pinyin(text, style=Style.NORMAL, errors="default")
    first = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")
    return fold("".join(full)), fold("".join(first))


@dataclass(frozen=True)
class Offered:
    text: str
    kind: str


def suggestions(query: str, *, most: int = MOST) -> list[Offered]:
    """Terms starting like ``query`` — in characters, pinyin or initials — best-selling first. One query."""
    text = " ".join(query.split())[:100]
    folded = fold(text)
    if not text or (not folded and not _CJK.search(text)):
        return []
    if _CJK.search(text):
        match = Q(text__startswith=text) | Q(text__contains=text) if len(text) > 1 else Q(text__startswith=text)
    else:
        match = Q(folded__startswith=folded) | Q(pinyin__startswith=folded) | Q(initials__startswith=folded)
    rows = Suggestion.objects.filter(match).order_by("-weight", "text").values_list("text", "kind")[: most * 2]
    seen: set[str] = set()
    offered = []
    for term, kind in rows:
        if term not in seen:
            seen.add(term)
            offered.append(Offered(term, kind))
    return offered[:most]


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up (limit + 1) once it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


CORRECTION_SECONDS = 600


def did_you_mean(query: str) -> str:
    """The term a query that found nothing most likely meant; "" when none is close.

    Kept in the shared cache for ten minutes (the index changes hourly), so a repeated empty search reads nothing.
    """
    text = " ".join(query.split())[:100]
    key = "search:correction:" + hashlib.sha256(text.encode()).hexdigest()[:32]
    return cast(str, cache.get_or_set(key, lambda: _correction(text), CORRECTION_SECONDS))


def _correction(text: str) -> str:
    """At most two queries: the same pinyin, then pinyin one or two letters away."""
    if not fold(text) and not _CJK.search(text):
        return ""
    full = pinyin_of(text)[0]
    same_sound = Suggestion.objects.filter(pinyin=full).exclude(text=text).order_by("-weight").first()
    if same_sound is not None:
        return same_sound.text
    if len(full) < 3:
        return ""
    limit = 1 if len(full) < 6 else 2
    near = Suggestion.objects.annotate(length=Length("pinyin")).filter(
        pinyin__startswith=full[0], length__gte=len(full) - limit, length__lte=len(full) + limit
    )
    best = min(
        ((_distance(full, s.pinyin, limit), -s.weight, s.text) for s in near.order_by("-weight")[:500]),
        default=None,
    )
    return best[2] if best is not None and best[0] <= limit and best[2] != text else ""


def hot_searches(*, now: dt.datetime | None = None, most: int = MOST) -> list[str]:
    """The keywords searched most in the last week that found something, as they were typed most often."""
    since = (now or timezone.now()) - dt.timedelta(days=HOT_DAYS)
    rows = (
        SearchLog.objects.filter(at__gte=since, found__gt=0)
        .values("folded", "query")
        .annotate(n=Count("pk"))
        .order_by("-n", "query")[: most * 4]
    )
    seen: set[str] = set()
    hot = []
    for row in rows:
        if row["folded"] not in seen:
            seen.add(row["folded"])
            hot.append(row["query"])
    return hot[:most]


def recent_searches(user_id: int | None, *, most: int = MOST) -> list[str]:
    """A signed-in shopper's own latest keywords, newest first, each once (none for nobody)."""
    if user_id is None:
        return []
    seen: set[str] = set()
    recent = []
    for query in SearchLog.objects.filter(user_id=user_id).order_by("-at").values_list("query", flat=True)[: most * 4]:
        if query not in seen:
            seen.add(query)
            recent.append(query)
    return recent[:most]
