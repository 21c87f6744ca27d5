"""Background work of the pet-trading domain."""

from crontask import cron
from django.tasks import task

from jishi.pets.services import checkpoint_sign


@cron("0 * * * *")
@task
def pet_log_checkpoint() -> int:
    """Every hour: sign a checkpoint of the pet-record log (a new one only if it grew) and export it."""
    return checkpoint_sign().tree_size
