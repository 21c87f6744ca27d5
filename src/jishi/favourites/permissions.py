"""Permissions of the favourites domain: a member's own favourites, follows and history, nobody else's (their
rows are scoped to the member by the selectors)."""

from jishi.core.permissions import Permission

# Keeping favourites (收藏), following shops (关注) and a browsing history (足迹): any signed-in member.
FAVOURITES_KEEP = Permission("favourites.keep", lambda actor: True)
