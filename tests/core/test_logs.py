import logging

import pytest

from jishi.core.logs import TaskOncePerRun


def _record(name, level, *args):
    return logging.LogRecord(name, level, __file__, 1, "Task id=%s path=%s state=%s", args, None)


@pytest.mark.parametrize(
    ("record", "kept"),
    [
        (_record("django.tasks", logging.INFO, "1", "jishi.x", "RUNNING"), False),
        (_record("django.tasks", logging.INFO, "1", "jishi.x", "SUCCESSFUL"), True),
        (_record("django.tasks", logging.ERROR, "1", "jishi.x", "FAILED"), True),
        (_record("jishi", logging.INFO, "1", "jishi.x", "RUNNING"), True),
    ],
)
def test_the_worker_logs_each_task_once_when_it_ends(record, kept):
    assert TaskOncePerRun().filter(record) is kept
