"""Side effects only after commit.

Tasks, e-mails, SMS and webhooks are scheduled through :func:`after_commit`,
never sent inside a transaction that may still roll back.
"""

from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction


def after_commit(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run ``fn(*args, **kwargs)`` once the current transaction commits (at once outside one).

    If the transaction rolls back, ``fn`` never runs.
    """
    transaction.on_commit(partial(fn, *args, **kwargs), robust=True)


atomic = transaction.atomic
