"""Private uploads: licences, permits, ID scans, after-sales evidence, health documents.

They live under ``JISHI_PRIVATE_ROOT``, which no static or media route
serves, under names nobody can guess, and reach a browser only through a
view that checks who is asking (and answers ``Cache-Control: private,
no-store``). Public media (product images) stay in the default storage.
"""

from __future__ import annotations

import os
import secrets
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils import timezone
from django.utils.deconstruct import deconstructible


@deconstructible
class PrivateStorage(FileSystemStorage):
    """Files with no URL: their only way out is a permission-checked view."""

    @property
    def base_location(self) -> Any:  # read on every use, so a test's settings apply
        return settings.JISHI_PRIVATE_ROOT

    @property
    def location(self) -> str:
        return os.path.abspath(settings.JISHI_PRIVATE_ROOT)

    def url(self, name: str | None) -> str:
        raise ValueError("A private file has no URL; serve it through a view that checks who is asking.")


@deconstructible
class UnguessableName:
    """``upload_to`` for private files: ``<folder>/<year>/<192 random bits><extension>``."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def __call__(self, instance: Any, filename: str) -> str:
        extension = PurePosixPath(filename).suffix.lower()[:8]
        return f"{self.folder}/{timezone.now():%Y}/{secrets.token_urlsafe(24)}{extension}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UnguessableName) and other.folder == self.folder

    def __hash__(self) -> int:
        return hash(self.folder)


private_storage = PrivateStorage()


def move_public_files(model: Any, field: str, folder: str) -> int:
    """A migration step: move ``field``'s files out of public media into private storage, under new names.

    Files already moved (or never there) are left alone, so the step can run
    again. Returns how many moved.
    """
    public, name_for, moved = FileSystemStorage(location=settings.MEDIA_ROOT), UnguessableName(folder), 0
    for pk, old in model._default_manager.exclude(**{field: ""}).values_list("pk", field).iterator():
        if not public.exists(old):
            continue
        with public.open(old) as content:
            new = private_storage.save(name_for(None, old), content)
        model._default_manager.filter(pk=pk).update(**{field: new})
        public.delete(old)
        moved += 1
    return moved
