"""Fixtures shared by the whole suite. The same tests run on SQLite and, with DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from PIL import Image

from jishi.accounts import services as accounts
from jishi.accounts.models import User
from tests import factories, fuzzing  # noqa: F401 - fuzzing loads the Hypothesis profile first
from tests.at_rest import pytest_collection_modifyitems, pytest_configure, pytest_runtest_setup  # noqa: F401 - hooks
from tests.shopping import (  # noqa: F401 (fixtures for every folder)
    delivered,
    delivered_line,
    home,
    notify_through_client,
    other_shop,
    shop,
)


@pytest.fixture(autouse=True)
def _isolated(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.JISHI_PRIVATE_ROOT = tmp_path / "private"
    settings.JISHI_PET_LOG_EXPORT = tmp_path / "pet-log" / "checkpoints.jsonl"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()


@pytest.fixture
def api(client: Client) -> Callable[..., Any]:
    """Call the API as ``user`` (bearer token) or anonymously: ``api("get", "/products", user=u)``."""

    def call(method: str, path: str, *, user: User | None = None, json: Any = None, **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {})
        if user is not None:
            _, secret = accounts.token_create(user=user)
            headers["Authorization"] = f"Bearer {secret}"
        if json is not None:
            kwargs["data"] = json
            kwargs["content_type"] = "application/json"
        return getattr(client, method)(f"/api/v1{path}", headers=headers, **kwargs)

    return call


@pytest.fixture
def buyer(db: Any) -> User:
    return factories.user(email="buyer-a@example.com")


@pytest.fixture
def other_buyer(db: Any) -> User:
    return factories.user(email="buyer-b@example.com")


@pytest.fixture
def merchant_staff(db: Any) -> User:
    return factories.merchant_owner(name="一号店")


@pytest.fixture
def other_merchant_staff(db: Any) -> User:
    return factories.merchant_owner(name="二号店")


@pytest.fixture
def reviewer(db: Any) -> User:
    return factories.user(email="reviewer@example.com", operator_role="reviewer")


@pytest.fixture
def leaf_category(db: Any) -> Any:
    return factories.category_path("宠物", "宠物食品", "猫粮")


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48), color: str = "orange") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return out.getvalue()


@pytest.fixture
def admin_operator(db: Any) -> User:
    return factories.user(email="admin@example.com", operator_role="admin")


@pytest.fixture
def finance(db: Any) -> User:
    return factories.user(email="finance@example.com", operator_role="finance")


@pytest.fixture
def support(db: Any) -> User:
    return factories.user(email="support@example.com", operator_role="support")
