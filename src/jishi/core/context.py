"""Per-request context (request id) readable from services and the audit log."""

import contextvars

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("jishi_request_id", default="")
