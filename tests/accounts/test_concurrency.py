"""Real threads, separate connections: the database constraints hold when requests race."""

import threading

import pytest
from django.db import connection

from jishi.accounts import services
from jishi.accounts.models import RealNameVerification, User
from jishi.core.errors import DomainError
from tests import factories
from tests.accounts.test_validators import valid_id
from tests.factories import PASSWORD

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def race(workers, action):
    barrier = threading.Barrier(len(workers))
    outcomes = []

    def run(worker):
        try:
            barrier.wait()
            outcomes.append(("ok", action(worker)))
        except DomainError as error:
            outcomes.append(("error", error.code))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_eight_simultaneous_sign_ups_with_one_number_make_one_account():
    outcomes = race(range(8), lambda _: services.user_sign_up(identifier="13812341234", password=PASSWORD))
    assert [kind for kind, _ in outcomes].count("ok") == 1
    assert {code for kind, code in outcomes if kind == "error"} == {"accounts.identifier_taken"}
    assert User.objects.count() == 1


def test_one_id_number_submitted_by_eight_users_at_once_is_accepted_once():
    users = [factories.user() for _ in range(8)]
    number = valid_id("11010119900307123")
    outcomes = race(users, lambda user: services.kyc_submit(actor=user, real_name="张三", id_number=number))
    assert [kind for kind, _ in outcomes].count("ok") == 1
    assert {code for kind, code in outcomes if kind == "error"} == {"accounts.id_number_in_use"}
    assert RealNameVerification.objects.count() == 1
