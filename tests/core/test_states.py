"""The transition kernel: one rule for every status in the platform."""

import pytest
from django.db.models import Q

from jishi.catalog.errors import InvalidTransition
from jishi.catalog.models import Product
from jishi.catalog.states import TRANSITIONS, ProductStatus
from jishi.core.errors import Conflict
from jishi.core.states import Machine, Move, move
from tests import factories

pytestmark = pytest.mark.django_db


class Held(Conflict):
    default_code = "test.held"


def _machine(written: list[Move]) -> Machine:
    return Machine(
        status=ProductStatus,
        transitions=TRANSITIONS,
        invalid=InvalidTransition,
        record=written.append,
        changes=lambda to: {"rejection_reason": ""} if to == ProductStatus.PUBLISHED else {},
    )


@pytest.fixture
def draft():
    owner = factories.merchant_owner()
    return factories.product(owner, factories.category_path("宠物", "猫粮"), publish=False)


def test_a_move_in_the_table_sets_the_status_and_fields_and_leaves_one_record(draft):
    # given
    written: list[Move] = []
    # when
    moved = move(_machine(written), draft, ProductStatus.PENDING_REVIEW, reason="ready", fields={"title": "新标题"})
    # then
    assert moved is True
    stored = Product.objects.get(pk=draft.pk)
    assert (stored.status, stored.title) == (ProductStatus.PENDING_REVIEW, "新标题")
    assert (draft.status, draft.title) == (ProductStatus.PENDING_REVIEW, "新标题")
    assert [(m.source, m.target, m.reason) for m in written] == [
        (ProductStatus.DRAFT, ProductStatus.PENDING_REVIEW, "ready")
    ]


def test_the_machines_own_changes_come_with_a_move_to_their_status(draft):
    # given
    written: list[Move] = []
    Product.objects.filter(pk=draft.pk).update(status=ProductStatus.PENDING_REVIEW, rejection_reason="old")
    draft.refresh_from_db()
    # when
    move(_machine(written), draft, ProductStatus.PUBLISHED)
    # then
    assert Product.objects.get(pk=draft.pk).rejection_reason == ""


def test_a_repeat_of_the_same_move_is_a_no_op_that_writes_nothing(draft):
    # given
    written: list[Move] = []
    machine = _machine(written)
    move(machine, draft, ProductStatus.PENDING_REVIEW)
    # when
    again = move(machine, draft, ProductStatus.PENDING_REVIEW, fields={"title": "changed"})
    # then
    assert again is False
    assert len(written) == 1
    assert Product.objects.get(pk=draft.pk).title != "changed"


def test_a_move_the_table_refuses_raises_the_apps_error_and_writes_nothing(draft):
    # given
    written: list[Move] = []
    # when
    with pytest.raises(InvalidTransition) as refused:
        move(_machine(written), draft, ProductStatus.PUBLISHED)
    # then
    assert refused.value.code == "catalog.invalid_transition"
    assert refused.value.status == 409
    assert Product.objects.get(pk=draft.pk).status == ProductStatus.DRAFT
    assert written == []


def test_a_writer_that_moved_the_row_first_to_the_same_status_makes_this_move_a_repeat(draft):
    # given: another writer already submitted the product our copy still sees as a draft
    written: list[Move] = []
    Product.objects.filter(pk=draft.pk).update(status=ProductStatus.PENDING_REVIEW)
    # when
    moved = move(_machine(written), draft, ProductStatus.PENDING_REVIEW)
    # then
    assert moved is False
    assert draft.status == ProductStatus.PENDING_REVIEW
    assert written == []


def test_a_writer_that_moved_the_row_elsewhere_first_wins_and_this_move_is_refused(draft):
    # given: the product went to review and was published while our copy still says draft
    written: list[Move] = []
    Product.objects.filter(pk=draft.pk).update(status=ProductStatus.PUBLISHED)
    # when
    with pytest.raises(InvalidTransition) as refused:
        move(_machine(written), draft, ProductStatus.PENDING_REVIEW)
    # then
    assert refused.value.params == {"from": ProductStatus.PUBLISHED, "to": ProductStatus.PENDING_REVIEW}
    assert Product.objects.get(pk=draft.pk).status == ProductStatus.PUBLISHED
    assert written == []


def test_a_guard_that_stops_the_move_raises_the_callers_error(draft):
    # given
    written: list[Move] = []
    # when
    with pytest.raises(Held):
        move(_machine(written), draft, ProductStatus.PENDING_REVIEW, guard=Q(title="no such title"), blocked=Held)
    # then
    assert Product.objects.get(pk=draft.pk).status == ProductStatus.DRAFT
    assert written == []
