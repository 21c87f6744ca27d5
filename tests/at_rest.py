"""What the suite writes to the database and to its logs, watched for personal data and secrets in plain text.

Every INSERT and UPDATE that any test makes, on any connection (live-server
threads too), passes through :func:`_watch`, which looks in its parameters
for mainland mobile numbers, resident ID numbers (format, region, birth
date and check digit), bearer tokens and the suite's password. Every log
line of the suite (the root logger's and the development server's access
log) is watched the same way. ``tests/test_at_rest.py`` runs last and
fails with what was found and which test wrote it. Watching the writes,
not the tables at the end, sees every row, including those a test's
rollback removed.

The gateway notification log is not read: it keeps what anyone posted to
the public notify endpoint as received, and the fuzz tests post generated
and byte-flipped notifications there, whose random runs of digits are
nobody's phone number.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.backends.signals import connection_created

from jishi.accounts.validators import normalize_id_number
from jishi.core.errors import InvalidInput
from tests.factories import PASSWORD

PHONE = re.compile(r"(?<![0-9A-Za-z])(?:86)?1[3-9]\d{9}(?![0-9A-Za-z])")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
# A token stands alone: the same letters inside a longer run are a sealed value's base64, which holds any
# four-letter word somewhere in a suite's worth of ciphertext.
TOKEN = re.compile(r"(?<![A-Za-z0-9_-])jsk_[A-Za-z0-9_-]{20,}")
# Tables that keep a stranger's input verbatim (see above).
VERBATIM = frozenset({"payments_notificationlog"})
_TABLE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    test: str
    table: str
    kind: str
    value: str

    def __str__(self) -> str:
        return f"{self.test}: {self.kind} {self.value[:4]}… in {self.table}"


@dataclass
class Watch:
    """What the watch has seen so far, and which test is running."""

    test: str = ""
    writes: int = 0
    log_lines: int = 0
    found: list[Finding] = field(default_factory=list)


watch = Watch()


def secrets_in(text: str) -> Iterator[tuple[str, str]]:
    """``(kind, value)`` for every phone number, ID number, token or the test password in ``text``."""
    for match in PHONE.finditer(text):
        yield "phone number", match.group()
    for match in ID_NUMBER.finditer(text):
        try:
            normalize_id_number(match.group())
        except InvalidInput:
            continue
        yield "ID number", match.group()
    for match in TOKEN.finditer(text):
        yield "bearer token", match.group()
    if PASSWORD in text:
        yield "password", PASSWORD


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, bytes | memoryview):
        yield bytes(value).decode("utf-8", "replace")
    elif hasattr(value, "obj"):  # psycopg's Jsonb adapter around a JSONField's value
        yield json.dumps(value.obj, ensure_ascii=False, default=str)


def _watch(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
    table = _TABLE.match(sql)
    if table is not None and params and table.group(1) not in VERBATIM:
        watch.writes += 1
        for row in params if many else [params]:
            for value in row.values() if isinstance(row, dict) else row:
                for text in _texts(value):
                    watch.found.extend(Finding(watch.test, table.group(1), kind, hit) for kind, hit in secrets_in(text))
    return execute(sql, params, many, context)


class LogWatch(logging.Handler):
    """Reads every log line as a handler would write it, message and traceback alike."""

    def emit(self, record: logging.LogRecord) -> None:
        watch.log_lines += 1
        text = self.format(record)
        watch.found.extend(Finding(watch.test, f"log {record.name}", kind, hit) for kind, hit in secrets_in(text))


# The root logger, and the loggers that do not pass their lines on to it.
WATCHED_LOGGERS = ("", "django.server")
_log_watch = LogWatch()


def _on_connect(sender: Any, connection: Any, **kwargs: Any) -> None:
    if _watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch)


def pytest_configure(config: Any) -> None:
    connection_created.connect(_on_connect, weak=False)


def pytest_runtest_setup(item: Any) -> None:
    for name in WATCHED_LOGGERS:  # again for every test: configuring logging drops handlers it did not make
        if _log_watch not in logging.getLogger(name).handlers:
            logging.getLogger(name).addHandler(_log_watch)
    watch.test = item.nodeid


def pytest_collection_modifyitems(items: list[Any]) -> None:
    """The scans of the whole suite's writes and logs run after everything else."""
    items.sort(key=lambda item: item.get_closest_marker("after_the_suite") is not None)
