"""Tasks recorded, not run: a folder's conftest imports this autouse fixture, and a test runs the task it means to."""

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _tasks_recorded(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
