"""The terms (用户协议) and privacy policy (隐私政策): append-only versions, numbered inside the write.

A new text is the previous version + 1 and is in force at once; the
versions before it stay unchanged; the same text again publishes nothing;
only administrators publish, audited; two publishes at once never share a
number.
"""

import hashlib

import pytest
from django.db import IntegrityError, transaction

from jishi.core.errors import DomainError
from jishi.core.models import AuditEntry
from jishi.policies import selectors
from jishi.policies import services as policies
from jishi.policies.models import LegalDocument
from tests import factories
from tests.races import race

pytestmark = pytest.mark.django_db


def _versions(kind: str) -> list[tuple[int, str]]:
    return list(LegalDocument.objects.filter(kind=kind).order_by("version").values_list("version", "body"))


def test_versions_count_up_per_kind_and_the_latest_is_in_force(admin_operator):
    # given nothing published
    assert selectors.legal_in_force("terms") is None
    # when the terms are published twice and the privacy policy once
    first = policies.legal_publish(actor=admin_operator, kind="terms", body="  第一条 …\r\n第二条 …  ")
    second = policies.legal_publish(actor=admin_operator, kind="terms", body="第一条（修订）")
    privacy = policies.legal_publish(actor=admin_operator, kind="privacy", body="我们收集的信息")
    # then each kind numbers its own versions, the text kept trimmed and with plain line ends
    assert (first.version, second.version, privacy.version) == (1, 2, 1)
    assert _versions("terms") == [(1, "第一条 …\n第二条 …"), (2, "第一条（修订）")]
    in_force = selectors.legal_in_force("terms")
    assert (in_force.pk, in_force.published_by_id) == (second.pk, admin_operator.pk)
    assert selectors.legal_in_force("privacy").pk == privacy.pk
    assert [d.version for d in selectors.legal_versions_for(admin_operator, "terms")] == [2, 1]


def test_publishing_the_text_in_force_again_publishes_nothing(admin_operator):
    first = policies.legal_publish(actor=admin_operator, kind="privacy", body="隐私政策全文")
    again = policies.legal_publish(actor=admin_operator, kind="privacy", body="隐私政策全文\n")
    assert again.pk == first.pk
    assert LegalDocument.objects.count() == 1
    assert AuditEntry.objects.filter(action="policies.legal_publish").count() == 1


def test_each_publish_is_audited_with_the_versions_and_the_texts_digest(admin_operator):
    policies.legal_publish(actor=admin_operator, kind="terms", body="v1")
    document = policies.legal_publish(actor=admin_operator, kind="terms", body="v2 正文")
    entry = AuditEntry.objects.filter(action="policies.legal_publish").order_by("pk").last()
    assert (entry.actor_id, entry.target_type, entry.target_id) == (
        admin_operator.pk,
        "policies.legaldocument",
        str(document.pk),
    )
    assert entry.before == {"kind": "terms", "version": 1}
    assert entry.after == {
        "kind": "terms",
        "version": 2,
        "length": 5,
        "sha256": hashlib.sha256("v2 正文".encode()).hexdigest(),
    }


@pytest.mark.parametrize(
    ("kind", "body", "code", "status", "field"),
    [
        ("terms", "", "policies.legal_body_invalid", 422, "body"),
        ("terms", "   \n ", "policies.legal_body_invalid", 422, "body"),
        ("terms", "字" * 50_001, "policies.legal_body_invalid", 422, "body"),
        ("terms", "a\x00b", "policies.legal_body_invalid", 422, "body"),
        ("cookies", "text", "policies.legal_kind_unknown", 404, "kind"),
    ],
)
def test_a_bad_text_or_kind_is_refused_and_nothing_is_written(admin_operator, kind, body, code, status, field):
    with pytest.raises(DomainError) as refused:
        policies.legal_publish(actor=admin_operator, kind=kind, body=body)
    assert (refused.value.code, refused.value.status, refused.value.field) == (code, status, field)
    assert (LegalDocument.objects.count(), AuditEntry.objects.count()) == (0, 0)


def test_the_longest_text_is_allowed(admin_operator):
    document = policies.legal_publish(actor=admin_operator, kind="terms", body="字" * 50_000)
    assert len(LegalDocument.objects.get(pk=document.pk).body) == 50_000


@pytest.mark.parametrize("role", ["anonymous", "buyer", "reviewer", "finance", "support"])
def test_only_an_administrator_publishes_or_lists_versions(role, buyer):
    actor = None if role == "anonymous" else buyer if role == "buyer" else factories.user(operator_role=role)
    with pytest.raises(DomainError) as refused:
        policies.legal_publish(actor=actor, kind="terms", body="条款")
    assert refused.value.status == (401 if role == "anonymous" else 403)
    with pytest.raises(DomainError):
        selectors.legal_versions_for(actor, "terms")
    assert LegalDocument.objects.count() == 0


def test_the_database_refuses_a_second_row_with_the_same_number(admin_operator):
    policies.legal_publish(actor=admin_operator, kind="terms", body="v1")
    with pytest.raises(IntegrityError), transaction.atomic():
        LegalDocument.objects.create(kind="terms", version=1, body="other")
    LegalDocument.objects.create(kind="privacy", version=1, body="a different kind")  # numbered on its own


def test_a_number_taken_between_the_read_and_the_insert_is_read_again(admin_operator, monkeypatch):
    # given versions 1 and 2, and a first read of the number that comes before another publisher's commit (stale)
    policies.legal_publish(actor=admin_operator, kind="terms", body="v1")
    policies.legal_publish(actor=admin_operator, kind="terms", body="the other publisher's")
    real = policies._next_version
    calls = []

    def stale_once(kind: str) -> int:
        calls.append(real(kind) - (0 if calls else 1))
        return calls[-1]

    monkeypatch.setattr(policies, "_next_version", stale_once)
    # when this one inserts
    document = policies.legal_publish(actor=admin_operator, kind="terms", body="mine")
    # then the constraint refuses number 2, the number is read again and it becomes version 3
    assert (calls, document.version) == ([2, 3], 3)
    assert _versions("terms") == [(1, "v1"), (2, "the other publisher's"), (3, "mine")]


def test_a_number_taken_every_time_is_a_conflict_and_nothing_is_written(admin_operator, monkeypatch):
    policies.legal_publish(actor=admin_operator, kind="terms", body="v1")
    monkeypatch.setattr(policies, "_next_version", lambda kind: 1)
    with pytest.raises(DomainError) as refused:
        policies.legal_publish(actor=admin_operator, kind="terms", body="mine")
    assert (refused.value.code, refused.value.status) == ("policies.legal_publish_conflict", 409)
    assert _versions("terms") == [(1, "v1")]


@pytest.mark.django_db(transaction=True)
def test_publishes_at_once_get_distinct_numbers(admin_operator):
    outcomes = race(
        ["甲", "乙", "丙"], lambda text: policies.legal_publish(actor=admin_operator, kind="terms", body=text)
    )
    published = [o for o in outcomes if isinstance(o, LegalDocument)]
    assert all(isinstance(o, LegalDocument) or getattr(o, "status", 0) in (409, 503) for o in outcomes), outcomes
    versions = sorted(v for v, _ in _versions("terms"))
    assert versions == list(range(1, len(published) + 1))
    assert len(published) >= 1
