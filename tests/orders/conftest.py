"""Tasks are recorded, not run, in this folder."""

from tests.tasks import _tasks_recorded  # noqa: F401
