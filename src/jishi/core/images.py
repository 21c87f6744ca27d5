"""Image uploads: sniff the content (never trust the name), re-encode, make a thumbnail.

Re-encoding drops EXIF and other metadata (phone photos carry GPS
positions) and whatever bytes were appended after the image.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

from jishi.core.errors import InvalidInput


class InvalidImage(InvalidInput):
    # The code predates the move from catalog; clients match on it.
    default_code = "catalog.invalid_image"
    default_message = gettext_lazy("Upload a JPEG, PNG or WebP image.")


ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MAX_SIDE = 1600
THUMB_SIDE = 400


@dataclass(frozen=True)
class ProcessedImage:
    original: ContentFile[bytes]
    thumbnail: ContentFile[bytes]


def _open(data: bytes) -> Image.Image:
    Image.MAX_IMAGE_PIXELS = settings.JISHI_IMAGE_MAX_PIXELS
    try:
        probe = Image.open(io.BytesIO(data))
        if probe.format not in ALLOWED_FORMATS:
            raise InvalidImage(field="image")
        probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except InvalidImage:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise InvalidImage(field="image") from exc
    return image


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = _flatten(image)
        image.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    elif fmt == "WEBP":
        image.save(out, "WEBP", quality=85)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _too_large() -> InvalidImage:
    return InvalidImage(
        _("The image is larger than %(mb)d MB.") % {"mb": settings.JISHI_IMAGE_MAX_BYTES // (1024 * 1024)},
        code="catalog.image_too_large",
        field="image",
    )


def read_upload(upload: Any) -> bytes:
    """The bytes of an uploaded file, refusing an oversized one before reading it."""
    if (upload.size or 0) > settings.JISHI_IMAGE_MAX_BYTES:
        raise _too_large()
    return bytes(upload.read())


def process_upload(data: bytes, *, name_stem: str) -> ProcessedImage:
    """Validate and re-encode an uploaded image. Raises InvalidImage (format, size, corrupt)."""
    if len(data) > settings.JISHI_IMAGE_MAX_BYTES:
        raise _too_large()
    image = _open(data)
    fmt = str(image.format)
    image = ImageOps.exif_transpose(image) or image
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    thumb = image.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    extension = ALLOWED_FORMATS[fmt]
    return ProcessedImage(
        original=ContentFile(_encode(image, fmt), name=f"{name_stem}.{extension}"),
        thumbnail=ContentFile(_encode(thumb, "JPEG"), name=f"{name_stem}-thumb.jpg"),
    )


CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def document_upload(data: bytes, *, name_stem: str) -> tuple[ContentFile[bytes], str]:
    """A certificate, a report or evidence as stored, and its content type: a PDF as sent (it must end like one),
    a photo re-encoded (nothing but its pixels survives: no location). Raises InvalidImage otherwise."""
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-1024:]:
            raise InvalidImage(field="file")
        return ContentFile(data, name=f"{name_stem}.pdf"), "application/pdf"
    processed = process_upload(data, name_stem=name_stem)
    return processed.original, CONTENT_TYPES[str(processed.original.name).rsplit(".", 1)[1]]
