"""Whose money: a merchant's or a group leader's accounts, bank account and withdrawals."""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Payee:
    """Whose accounts, bank account and withdrawals: a merchant's or a group leader's."""

    merchant_id: int | None = None
    leader_id: int | None = None
    user_id: int | None = None  # a leader's user, told of changes (a merchant's owner is looked up)

    def __post_init__(self) -> None:
        if (self.merchant_id is None) == (self.leader_id is None):
            raise ValueError("a payee is a merchant or a leader")

    @property
    def owner(self) -> dict[str, Any]:
        """The filter (and the fields) that pick this payee's rows."""
        return {"merchant_id": self.merchant_id} if self.merchant_id else {"leader_id": self.leader_id}

    @property
    def finance_page(self) -> str:
        return "/merchant/finance/" if self.merchant_id else "/leader/earnings/"
