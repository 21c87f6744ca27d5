"""The sandbox flow prices the buying fixtures' shops, not the gateway tests' own."""

from tests.shopping import other_shop, shop  # noqa: F401
