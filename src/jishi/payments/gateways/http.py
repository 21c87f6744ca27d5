"""How adapters reach a gateway's servers: one small function, replaced in the tests.

No test talks to a network: they put a fake gateway behind :data:`send`
that answers in the gateway's own wire format, signed with throwaway keys.
"""

import logging
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from jishi.payments.errors import GatewayUnavailable

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


def _urllib_send(method: str, url: str, body: bytes, headers: Mapping[str, str]) -> Answer:
    if not url.startswith("https://"):
        raise GatewayUnavailable
    request = urllib.request.Request(url, data=body or None, headers=dict(headers), method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - https only
            return Answer(response.status, response.read(1_000_000), dict(response.headers.items()))
    except urllib.error.HTTPError as error:  # 4xx/5xx still carry the gateway's (signed) explanation
        return Answer(error.code, error.read(1_000_000), dict(error.headers.items()))
    except OSError as error:
        logger.warning("gateway %s unreachable: %s", url.split("?", maxsplit=1)[0], type(error).__name__)
        raise GatewayUnavailable from None


# (method, url, body, headers) -> Answer; raises GatewayUnavailable when the gateway cannot be reached.
send: Callable[[str, str, bytes, Mapping[str, str]], Answer] = _urllib_send
