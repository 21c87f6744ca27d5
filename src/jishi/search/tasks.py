"""Background work of search: recounting a stale summary."""

from typing import Any

from crontask import cron
from django.tasks import task

from jishi.search import services


@task
def search_summary_refresh(filters: dict[str, Any]) -> None:
    """Recount one filter set's count and facets after a search found them stale."""
    services.summary_refresh(filters)


@cron("40 * * * *")
@task
def suggestions_rebuild() -> int:
    """Every hour: rebuild what shoppers are offered as they type from the catalog as it is now."""
    return services.suggestions_rebuild()
