"""The one kernel that moves a status (CONVENTIONS.md §5).

Every stateful app keeps the status enum and its ``TRANSITIONS`` table in
its ``states.py``, and declares one :class:`Machine` per status: the error
for a move the table refuses and what is written beside each move (a
history row or an audit entry). A machine with a record lives beside the
services that write it, since the record needs the app's models; one
without may live in ``states.py``. Services call :func:`move`; nothing else
writes a status.

The rules, the same for every machine:

- a move the table does not allow raises the app's ``invalid_transition`` (409);
- the UPDATE is a compare-and-set on the current status (plus any ``guard``
  the caller adds), so of two racing writers exactly one moves the row;
- asking for the status the object already has is a no-op: :func:`move`
  returns False, writes nothing and leaves the object unchanged, so every
  service built on it is safe to repeat and safe to race;
- the record is written in the same transaction as the move, by the winner only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q

from jishi.core import audit
from jishi.core.actors import Actor
from jishi.core.errors import DomainError


@dataclass(frozen=True)
class Move[M: models.Model, S: models.TextChoices]:
    """One move that happened, handed to the machine's record."""

    obj: M
    source: S
    target: S
    actor: Actor
    reason: str
    context: Mapping[str, Any]


@dataclass(frozen=True)
class Machine[M: models.Model, S: models.TextChoices]:
    """A status field, its table, its refusal and what each move leaves behind.

    ``record`` writes the history row or the audit entry (and may announce
    the move after commit). ``changes`` names the fields a move to a status
    always sets (a closing time, a publication time). ``blocked`` is raised
    when the caller's ``guard`` and not the status stopped the move.
    """

    status: type[S]
    transitions: Mapping[S, frozenset[S]]
    invalid: type[DomainError]
    record: Callable[[Move[M, S]], None] | None = None
    changes: Callable[[S], dict[str, Any]] | None = None
    field: str = "status"

    def refuse(self, source: S | str, target: S | str) -> DomainError:
        return self.invalid(params={"from": str(source), "to": str(target)})


def move[M: models.Model, S: models.TextChoices](
    machine: Machine[M, S],
    obj: M,
    target: S,
    *,
    actor: Actor = None,
    reason: str = "",
    guard: Q | None = None,
    blocked: type[DomainError] | None = None,
    context: Mapping[str, Any] | None = None,
    fields: Mapping[str, Any] | None = None,
) -> bool:
    """Move ``obj`` to ``target``; True when this call moved it, False when it was already there.

    ``fields`` are columns written in the same UPDATE. ``guard`` narrows the
    compare-and-set (an order not on hold); when it alone stops the move,
    ``blocked`` is raised (the machine's refusal when none is given).
    ``context`` reaches the record unchanged (who as a role, a refund number).
    Raises the machine's invalid error when the table refuses the move or a
    concurrent writer moved the object elsewhere first.
    """
    name = machine.field
    source = machine.status(getattr(obj, name))
    target = machine.status(target)
    if source == target:
        return False
    if target not in machine.transitions[source]:
        raise machine.refuse(source, target)
    changes = {**(machine.changes(target) if machine.changes else {}), **(fields or {}), name: target}
    rows = type(obj)._default_manager.filter(pk=obj.pk, **{name: source})
    if guard is not None:
        rows = rows.filter(guard)
    if rows.update(**changes) != 1:
        obj.refresh_from_db()
        now = getattr(obj, name)
        if now == target:
            return False
        if now == source and guard is not None:
            raise (blocked or machine.invalid)()
        raise machine.refuse(now, target)
    for key, value in changes.items():
        setattr(obj, key, value)
    if machine.record is not None:
        machine.record(Move(obj, source, target, actor, reason, context or {}))
    return True


def audited[M: models.Model, S: models.TextChoices](prefix: str) -> Callable[[Move[M, S]], None]:
    """A machine's record that writes the audit entry ``<prefix>.<status>``, the status before and after."""

    def record(step: Move[M, S]) -> None:
        audit.record(
            actor=step.actor,
            action=f"{prefix}.{step.target}",
            target=step.obj,
            before={"status": step.source},
            after={"status": step.target},
            reason=step.reason,
        )

    return record
