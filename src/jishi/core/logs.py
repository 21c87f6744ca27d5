"""Logging filters of the process set (web, worker, scheduler)."""

import logging


class TaskOncePerRun(logging.Filter):
    """Let the task worker log each task once, when it ends, not also when it starts.

    Django logs ``state=RUNNING`` at INFO when a task starts and the final
    state when it finishes (ERROR for a failure); the second line says all.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        starting = record.name == "django.tasks" and record.levelno == logging.INFO and bool(record.args)
        return not (starting and isinstance(record.args, tuple) and str(record.args[-1]) == "RUNNING")
