"""Periodic work of the catalog domain."""

from crontask import cron
from django.tasks import task

from jishi.catalog import services


@cron("15 0 * * *")
@task
def listings_enforce_qualifications() -> int:
    """Every night: unlist products whose merchant's required qualification has expired."""
    return services.listings_enforce_qualifications()


@task
def products_reindex(product_ids: list[int]) -> int:
    """Recompute the search text of products whose category was renamed or moved."""
    for product_id in product_ids:
        services.product_reindex(product_id=product_id)
    return len(product_ids)
