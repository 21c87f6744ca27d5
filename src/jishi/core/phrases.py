"""Words written now and read later, in the reader's language.

A timeline note or an inbox message is written while one person's language
is active and read by others in theirs. :func:`phrase` makes the text in
the current language (a ``str``, so it goes wherever text goes) and
remembers the message it came from and its values; :func:`stored` turns
that into JSON kept beside the text, and :func:`shown` translates it again
for whoever reads it. Text a person typed is kept as typed.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext


class Phrase(str):
    """Text in the current language that remembers its message id and values."""

    msgid: str
    params: dict[str, Any]


def _source(message: Promise) -> str:
    with translation.override(None):  # no language: the message id itself
        return str(message)


def _render(msgid: str, params: dict[str, Any]) -> str:
    text = gettext(msgid)
    return text % {key: _value(value) for key, value in params.items()} if params else text


def _value(value: Any) -> Any:
    if isinstance(value, dict) and "t" in value:  # a translatable word inside the message (a status, a kind)
        return gettext(value["t"])
    return value


def _kept(value: Any) -> Any:
    if isinstance(value, Promise):
        return {"t": _source(value)}
    return value if value is None or isinstance(value, int | float | str) else str(value)  # Money: as written


def phrase(message: Promise, **params: Any) -> Phrase:
    """``phrase(gettext_lazy("Order %(number)s has shipped"), number=number)``; lazy values are kept translatable."""
    kept = {key: _kept(value) for key, value in params.items()}
    msgid = _source(message)
    text = Phrase(_render(msgid, kept))
    text.msgid, text.params = msgid, kept
    return text


def stored(text: str) -> dict[str, Any] | None:
    """What to keep beside ``text`` so that it can be shown in another language; None for typed text."""
    return {"msgid": text.msgid, "params": text.params} if isinstance(text, Phrase) else None


def shown(text: str, kept: dict[str, Any] | None) -> str:
    """``text`` in the reader's language when it was a phrase; as written otherwise."""
    if not kept:
        return text
    try:
        return _render(kept["msgid"], kept.get("params") or {})
    except (KeyError, TypeError, ValueError):  # a message whose placeholders changed since: the text as written
        return text


def reader_name(name: str, name_en: str) -> str:
    """``name_en`` for a reader of English (any language but Chinese), where there is one; else ``name``."""
    return name_en if name_en and not (translation.get_language() or "zh").startswith("zh") else name
