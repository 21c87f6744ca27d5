from tests.tasks import _tasks_recorded  # noqa: F401
