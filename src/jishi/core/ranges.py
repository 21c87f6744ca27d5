"""Answering HTTP range requests for a stored file (RFC 9110 §14), so a phone plays a video from any point without
downloading all of it first: one range per request, which is what browsers ask for when they seek."""

from __future__ import annotations

import re
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024


def _chunks(file: Any, start: int, length: int) -> Any:
    file.seek(start)
    while length > 0:
        data = file.read(min(CHUNK, length))
        if not data:
            break
        length -= len(data)
        yield data
    file.close()


def ranged_response(request: HttpRequest, file: Any, size: int, content_type: str) -> HttpResponseBase:
    """The whole file (200), the one range asked for (206), or 416 when the range is outside it. A header this
    does not understand (several ranges, other units) gets the whole file, as the RFC allows."""
    match = _RANGE.match(request.headers.get("Range", "").strip())
    if not match or (not match.group(1) and not match.group(2)):
        response: HttpResponseBase = FileResponse(file, content_type=content_type)
        response["Content-Length"] = str(size)
    else:
        first, last = match.groups()
        if first:
            start, end = int(first), min(int(last) if last else size - 1, size - 1)
        else:  # the last N bytes
            start, end = max(size - int(last), 0), size - 1
        if start >= size or start > end:
            file.close()
            refused = HttpResponse(status=416)
            refused["Content-Range"] = f"bytes */{size}"
            return refused
        response = StreamingHttpResponse(_chunks(file, start, end - start + 1), status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["X-Content-Type-Options"] = "nosniff"
    return response
