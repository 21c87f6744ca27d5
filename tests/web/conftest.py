"""Fixtures of the page tests: a client reading English, and an approved group leader."""

import pytest
from django.test import Client

from tests.community.conftest import leader


@pytest.fixture
def english(client: Client) -> Client:
    """The pages in English: the strings the pages add are asserted as written, before any translation."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def head(reviewer, admin_operator):
    """An approved leader (团长) with the point 阳光花园自提点."""
    return leader(reviewer, admin_operator)
