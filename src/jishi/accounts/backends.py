"""Authentication by e-mail address or mainland mobile number."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from jishi.accounts import selectors
from jishi.accounts.models import User
from jishi.core.errors import InvalidInput


class IdentifierBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if not username or password is None:
            return None
        try:
            user = selectors.user_find_by_identifier(username)
        except InvalidInput:
            user = None
        if user is None:
            # Hash anyway so an unknown account takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id: int) -> User | None:
        # A disabled user's sessions end with the next request.
        user = selectors.user_get_with_roles(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
