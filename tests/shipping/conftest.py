"""Tasks are recorded, not run, in this folder; the tracking tests' fixtures."""

from tests.shipping.tracking_support import callbacks_through_client, shipped  # noqa: F401
from tests.tasks import _tasks_recorded  # noqa: F401
