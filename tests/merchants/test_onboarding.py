"""Applying to open a merchant, the operator's decision, permits that expire, staff invitations, suspension."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from PIL import Image

from jishi.accounts import services as accounts
from jishi.catalog import services as catalog
from jishi.catalog.errors import QualificationRequired
from jishi.catalog.states import ProductStatus
from jishi.core.errors import InvalidInput, PermissionDenied
from jishi.core.models import AuditEntry
from jishi.merchants import services as merchants
from jishi.merchants.errors import (
    AlreadyStaff,
    ApplicationDecided,
    ApplicationPending,
    KycRequired,
    QualificationMissing,
)
from jishi.merchants.models import CategoryRequirement, Membership, Qualification, QualificationKind
from jishi.merchants.roles import StaffRole
from jishi.merchants.services import ApplicationInput, QualificationInput
from jishi.merchants.states import ApplicationStatus, MerchantStatus
from jishi.merchants.validators import normalize_credit_code, normalize_permit_number
from jishi.notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db

CREDIT_CODE = "91350100M000100Y43"  # a published example whose check character is right


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def _permit(**fields):
    values = {
        "kind": QualificationKind.ANIMAL_BUSINESS_PERMIT,
        "number": "(粤)动防合字第440106123号",
        "authority": "广州市天河区农业农村局",
        "expires_on": timezone.localdate() + dt.timedelta(days=365),
    }
    return QualificationInput(**(values | fields))


def _company(**fields):
    values = {
        "shop_name": "喵星人繁育舍",
        "kind": "breeder",
        "subject_type": "company",
        "company_name": "广州喵星人宠物有限公司",
        "credit_code": CREDIT_CODE,
        "legal_representative": "王小明",
        "licence_image": _png(),
        "qualifications": [_permit()],
    }
    return ApplicationInput(**(values | fields))


def test_credit_codes_are_checked_by_their_check_character():
    assert normalize_credit_code(" 91350100m000100y43 ") == CREDIT_CODE
    for bad in ["91350100M000100Y44", "91350100M000100Y4", "9135010OM000100Y43", "", "A" * 18, "01350100M000100Y43"]:
        with pytest.raises(InvalidInput) as error:
            normalize_credit_code(bad)
        assert error.value.code == "merchants.invalid_credit_code"


@pytest.mark.parametrize("number", ["", "12345", "第号字号", "x" * 41, "<script>123456", "12 34"])
def test_malformed_permit_numbers_are_refused(number):
    with pytest.raises(InvalidInput):
        normalize_permit_number(number)


def test_an_application_approved_twice_opens_one_shop_and_is_audited_once(buyer, reviewer):
    # given an approved application
    application = merchants.application_submit(actor=buyer, data=_company())
    merchants.application_approve(actor=reviewer, application_id=application.pk)
    # when the reviewer approves it again (a second tab)
    again = merchants.application_approve(actor=reviewer, application_id=application.pk)
    # then it is a repeat: the same shop, one audit entry, one message
    assert again.status == ApplicationStatus.APPROVED
    assert Membership.objects.filter(user=buyer).count() == 1
    assert AuditEntry.objects.filter(action="merchant_application.approved").count() == 1
    assert Notification.objects.filter(user=buyer, kind="application_decided").count() == 1


def test_a_breeder_applies_an_operator_approves_and_the_shop_opens(buyer, reviewer):
    application = merchants.application_submit(actor=buyer, data=_company())
    assert application.status == ApplicationStatus.PENDING
    assert application.licence_image.name.startswith("licences/")
    with pytest.raises(ApplicationPending):
        merchants.application_submit(actor=buyer, data=_company(shop_name="另一家"))
    merchants.application_approve(actor=reviewer, application_id=application.pk)
    with pytest.raises(ApplicationDecided):
        merchants.application_reject(actor=reviewer, application_id=application.pk, reason="x")
    buyer.refresh_from_db()
    assert buyer.membership.role == StaffRole.OWNER
    assert buyer.membership.merchant.name == "喵星人繁育舍"
    assert Qualification.objects.get().merchant == buyer.membership.merchant
    assert Notification.objects.get(user=buyer, kind="application_decided")
    assert AuditEntry.objects.filter(action="merchant_application.approved", actor=reviewer).exists()
    with pytest.raises(AlreadyStaff):
        merchants.application_submit(actor=buyer, data=_company(shop_name="第二家"))


def test_a_rejection_carries_its_reason_and_the_applicant_may_apply_again(buyer, reviewer):
    application = merchants.application_submit(actor=buyer, data=_company())
    with pytest.raises(InvalidInput):
        merchants.application_reject(actor=reviewer, application_id=application.pk, reason=" ")
    merchants.application_reject(actor=reviewer, application_id=application.pk, reason="营业执照照片不清晰")
    application.refresh_from_db()
    assert (application.status, application.rejection_reason) == (ApplicationStatus.REJECTED, "营业执照照片不清晰")
    assert merchants.application_submit(actor=buyer, data=_company()).status == ApplicationStatus.PENDING


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"credit_code": "91350100M000100Y44"}, InvalidInput),
        ({"licence_image": b""}, InvalidInput),
        ({"licence_image": b"GIF89a not really"}, InvalidInput),
        ({"qualifications": []}, QualificationMissing),
        ({"qualifications": [_permit(expires_on=dt.date(2020, 1, 1))]}, InvalidInput),
        ({"qualifications": [_permit(number="abc")]}, InvalidInput),
        ({"kind": "bank"}, InvalidInput),
        ({"shop_name": ""}, InvalidInput),
        ({"subject_type": "individual"}, KycRequired),
    ],
)
def test_a_bad_application_is_refused_and_nothing_is_written(buyer, change, error):
    with pytest.raises(error):
        merchants.application_submit(actor=buyer, data=_company(**change))
    assert not buyer.applications.exists()
    assert not Qualification.objects.exists()


def test_an_individual_needs_an_approved_real_name_verification(buyer, reviewer):
    data = _company(subject_type="individual", kind="shop", qualifications=[], shop_name="小明杂货")
    verification = accounts.kyc_submit(actor=buyer, real_name="王小明", id_number="11010519491231002X")
    with pytest.raises(KycRequired):
        merchants.application_submit(actor=buyer, data=data)
    accounts.kyc_approve(actor=reviewer, verification_id=verification.pk)
    application = merchants.application_submit(actor=buyer, data=data)
    assert application.credit_code == ""


def test_only_reviewers_decide_applications(buyer, other_buyer, merchant_staff, support):
    application = merchants.application_submit(actor=buyer, data=_company())
    for actor in (buyer, other_buyer, merchant_staff, support):
        with pytest.raises(PermissionDenied):
            merchants.application_approve(actor=actor, application_id=application.pk)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING


def test_an_expired_permit_takes_the_listings_in_its_categories_off_sale(merchant_staff, leaf_category, admin_operator):
    product = factories.product(merchant_staff, leaf_category, title="布偶猫幼猫", price="3000.00", stock=1)
    merchants.category_requirement_set(
        actor=admin_operator, category=leaf_category, kind=QualificationKind.ANIMAL_BUSINESS_PERMIT, required=True
    )
    assert catalog.listings_enforce_qualifications() == 1
    product.refresh_from_db()
    assert product.status == ProductStatus.UNLISTED
    assert Notification.objects.filter(user=merchant_staff, kind="listing_decided").exists()
    with pytest.raises(QualificationRequired):
        catalog.product_submit(actor=merchant_staff, product_id=product.pk)

    merchants.qualification_add(actor=merchant_staff, data=_permit())
    catalog.product_submit(actor=merchant_staff, product_id=product.pk)
    product.refresh_from_db()
    assert product.status == ProductStatus.PENDING_REVIEW
    assert CategoryRequirement.objects.count() == 1


def test_an_owner_invites_staff_by_phone_and_they_join_with_the_role(merchant_staff):
    invitee = factories.user(phone="13912345678")
    invitation = merchants.invitation_create(actor=merchant_staff, contact="+86 139 1234 5678", role=StaffRole.STAFF)
    assert invitation.contact_masked == "139****5678"
    assert [i.pk for i in merchants.invitations_for(invitee)] == [invitation.pk]
    assert merchants.invitations_for(factories.user(phone="13900000000")) == []
    membership = merchants.invitation_accept(actor=invitee, invitation_id=invitation.pk)
    assert (membership.merchant, membership.role) == (merchant_staff.membership.merchant, StaffRole.STAFF)
    with pytest.raises(PermissionDenied):  # staff have no team capability
        merchants.invitation_create(actor=invitee, contact="a@example.com", role=StaffRole.STAFF)


@pytest.mark.parametrize(("contact", "role"), [("13912345678", "owner"), ("not a contact", "staff"), ("@x", "staff")])
def test_bad_invitations_are_refused(merchant_staff, contact, role):
    with pytest.raises(InvalidInput):
        merchants.invitation_create(actor=merchant_staff, contact=contact, role=role)


def test_a_suspension_needs_a_reason_is_audited_and_tells_the_owner(merchant_staff, support, buyer):
    merchant = merchant_staff.membership.merchant
    with pytest.raises(PermissionDenied):
        merchants.merchant_set_status(actor=buyer, merchant_id=merchant.pk, status="suspended", reason="x")
    merchants.merchant_set_status(actor=support, merchant_id=merchant.pk, status="suspended", reason="售假投诉")
    merchant.refresh_from_db()
    assert merchant.status == MerchantStatus.SUSPENDED
    assert AuditEntry.objects.get(action="merchant.suspend").reason == "售假投诉"
    assert Notification.objects.filter(user=merchant_staff, kind="merchant_status").exists()
