"""Writes of the merchants domain: applications and their review, qualifications, staff, suspension.

Operators decide through these services only; each decision is audited and
the applicant or owner is told.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jishi.accounts.selectors import kyc_current_for, phone_index
from jishi.accounts.states import KycStatus
from jishi.accounts.validators import normalize_mobile
from jishi.core import audit, crypto
from jishi.core.actors import Actor, user_of
from jishi.core.errors import InvalidInput
from jishi.core.images import process_upload
from jishi.core.masking import mask_email, mask_personal_data, mask_phone
from jishi.core.permissions import AUTHENTICATED, check
from jishi.core.phrases import phrase
from jishi.core.states import Machine, Move, audited, move
from jishi.merchants import selectors
from jishi.merchants.errors import (
    AlreadyStaff,
    ApplicationDecided,
    ApplicationPending,
    InvalidTransition,
    InvitationPending,
    InvitationUsed,
    KycRequired,
    QualificationMissing,
    ShopNameTaken,
)
from jishi.merchants.models import (
    KIND_QUALIFICATIONS,
    CategoryRequirement,
    Invitation,
    Membership,
    Merchant,
    MerchantApplication,
    MerchantKind,
    Qualification,
    QualificationKind,
    SubjectType,
)
from jishi.merchants.permissions import (
    APPLICATION_REVIEW,
    MERCHANT_ADMINISTER,
    MERCHANT_AFTERSALES,
    MERCHANT_APPLY,
    MERCHANT_TEAM,
    QUALIFICATION_RULES,
)
from jishi.merchants.roles import StaffRole
from jishi.merchants.states import (
    APPLICATION_TRANSITIONS,
    INVITATION_TRANSITIONS,
    MERCHANT_TRANSITIONS,
    ApplicationStatus,
    InvitationStatus,
    MerchantStatus,
)
from jishi.merchants.validators import (
    check_not_expired,
    normalize_credit_code,
    normalize_permit_number,
)
from jishi.notifications.services import notify

EMAIL_CONTEXT = "merchants.invitation_email"


@transaction.atomic
def merchant_create(
    *, actor: Actor, name: str, kind: str, owner: Any, description: str = "", city: str = ""
) -> Merchant:
    """Create an active merchant with ``owner`` as its owner (approval, operators and the demo loader)."""
    if Merchant.objects.filter(name=name).exists():
        raise ShopNameTaken(field="shop_name")
    merchant = Merchant.objects.create(name=name, kind=kind, description=description, city=city)
    membership_add(actor=actor, merchant=merchant, user=owner, role=StaffRole.OWNER)
    audit.record(actor=actor, action="merchant.create", target=merchant, after={"name": name, "kind": kind})
    return merchant


@transaction.atomic
def membership_add(*, actor: Actor, merchant: Merchant, user: Any, role: str) -> Membership:
    """Make ``user`` staff of ``merchant``. Raises AlreadyStaff if they work for any merchant."""
    try:
        with transaction.atomic():
            membership = Membership.objects.create(merchant=merchant, user=user, role=role)
    except IntegrityError as exc:
        raise AlreadyStaff from exc
    audit.record(actor=actor, action="merchant.staff_add", target=merchant, after={"user": user.pk, "role": role})
    return membership


# Applications --------------------------------------------------------------------------------


@dataclass(frozen=True)
class QualificationInput:
    kind: str
    number: str
    authority: str
    expires_on: dt.date
    image: bytes = b""


@dataclass(frozen=True)
class ApplicationInput:
    shop_name: str
    kind: str
    subject_type: str
    description: str = ""
    city: str = ""
    company_name: str = ""
    credit_code: str = ""
    legal_representative: str = ""
    licence_image: bytes = b""
    qualifications: list[QualificationInput] = field(default_factory=list)


def _text(value: str, name: str, *, limit: int, required: bool = True) -> str:
    text = (value or "").strip()
    if (required and not text) or len(text) > limit:
        raise InvalidInput(
            _("Fill this in (at most %(limit)d characters).") % {"limit": limit},
            code="merchants.invalid_application",
            field=name,
        )
    return text


def _clean_qualification(data: QualificationInput, prefix: str) -> dict[str, Any]:
    if data.kind not in QualificationKind.values:
        raise InvalidInput(code="merchants.invalid_qualification", field=f"{prefix}.kind")
    return {
        "kind": data.kind,
        "number": normalize_permit_number(data.number, field=f"{prefix}.number"),
        "authority": _text(data.authority, f"{prefix}.authority", limit=100),
        "expires_on": check_not_expired(data.expires_on, field=f"{prefix}.expires_on"),
    }


def _save_image(instance: Any, field_name: str, data: bytes, stem: str, error_field: str) -> None:
    try:
        processed = process_upload(data, name_stem=stem)
    except InvalidInput as error:
        error.field = error_field
        raise
    getattr(instance, field_name).save(processed.original.name, processed.original, save=False)


def _clean_subject(actor: Actor, data: ApplicationInput) -> dict[str, str]:
    """A company's name, credit code and representative (its licence is required); an individual's KYC check."""
    if data.subject_type != SubjectType.COMPANY:
        verification = kyc_current_for(user_of(actor))
        if verification is None or verification.status != KycStatus.APPROVED:
            raise KycRequired(field="subject_type")
        return {}
    if not data.licence_image:
        raise InvalidInput(
            _("Upload a photo or scan of the business licence."),
            code="merchants.licence_required",
            field="licence_image",
        )
    return {
        "company_name": _text(data.company_name, "company_name", limit=100),
        "credit_code": normalize_credit_code(data.credit_code),
        "legal_representative": _text(data.legal_representative, "legal_representative", limit=40),
    }


def _check_free(actor: Actor, shop_name: str) -> None:
    if Merchant.objects.filter(name=shop_name).exists():
        raise ShopNameTaken(field="shop_name")
    if MerchantApplication.objects.filter(applicant=user_of(actor), status=ApplicationStatus.PENDING).exists():
        raise ApplicationPending


@transaction.atomic
def application_submit(*, actor: Actor, data: ApplicationInput) -> MerchantApplication:
    """Apply to open a merchant. Validated in full before anything is written.

    Companies need a name, a valid credit code, a legal representative and a
    licence image; individuals an approved real-name verification. Pet shops
    and breeders must hand in a valid animal business permit. Raises
    InvalidInput, KycRequired, QualificationMissing, ApplicationPending,
    AlreadyStaff, ShopNameTaken.
    """
    check(actor, MERCHANT_APPLY)
    if Membership.objects.filter(user=user_of(actor)).exists():
        raise AlreadyStaff
    shop_name = _text(data.shop_name, "shop_name", limit=60)
    for name, choices in (("kind", MerchantKind.values), ("subject_type", SubjectType.values)):
        if getattr(data, name) not in choices:
            raise InvalidInput(code=f"merchants.invalid_{name}", field=name)
    company = _clean_subject(actor, data)
    qualifications = [_clean_qualification(q, f"qualifications.{i}") for i, q in enumerate(data.qualifications)]
    missing = KIND_QUALIFICATIONS.get(data.kind, frozenset()) - {q["kind"] for q in qualifications}
    if missing:
        raise QualificationMissing(field="qualifications")
    _check_free(actor, shop_name)
    application = MerchantApplication(
        applicant=user_of(actor),
        shop_name=shop_name,
        kind=data.kind,
        subject_type=data.subject_type,
        description=_text(data.description, "description", limit=2000, required=False),
        city=_text(data.city, "city", limit=30, required=False),
        **company,
    )
    if company:
        _save_image(application, "licence_image", data.licence_image, "licence", "licence_image")
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as exc:  # a concurrent submission by the same user
        raise ApplicationPending from exc
    for index, (raw, clean) in enumerate(zip(data.qualifications, qualifications, strict=True)):
        qualification = Qualification(application=application, **clean)
        if raw.image:
            _save_image(qualification, "image", raw.image, "permit", f"qualifications.{index}.image")
        qualification.save()
    audit.record(
        actor=actor,
        action="merchant_application.submit",
        target=application,
        after={"shop_name": shop_name, "kind": data.kind, "subject_type": data.subject_type},
    )
    return application


APPLICATION: Machine[MerchantApplication, ApplicationStatus] = Machine(
    status=ApplicationStatus,
    transitions=APPLICATION_TRANSITIONS,
    invalid=ApplicationDecided,
    record=audited("merchant_application"),
)


def _decided(application: MerchantApplication, status: ApplicationStatus, actor: Actor, reason: str) -> bool:
    fields = {"rejection_reason": reason, "reviewed_at": timezone.now(), "reviewed_by": actor}
    return move(APPLICATION, application, status, actor=actor, reason=reason, fields=fields)


@transaction.atomic
def application_approve(*, actor: Actor, application_id: int) -> MerchantApplication:
    """Approve an application: the merchant opens with the applicant as owner and keeps the qualifications.

    Idempotent. Raises ApplicationDecided when it was rejected.
    """
    check(actor, APPLICATION_REVIEW)
    application = selectors.application_get_for_review(actor, application_id)
    if not _decided(application, ApplicationStatus.APPROVED, actor, ""):
        return application
    merchant = merchant_create(
        actor=actor,
        name=application.shop_name,
        kind=application.kind,
        owner=application.applicant,
        description=application.description,
        city=application.city,
    )
    MerchantApplication.objects.filter(pk=application.pk).update(merchant=merchant)
    Qualification.objects.filter(application=application).update(merchant=merchant)
    application.merchant = merchant
    notify(
        application.applicant,
        "application_decided",
        phrase(gettext_lazy("Your shop %(name)s is open"), name=application.shop_name),
        phrase(gettext_lazy("You can now list products in the merchant centre.")),
        link="/merchant/",
    )
    return application


@transaction.atomic
def application_reject(*, actor: Actor, application_id: int, reason: str) -> MerchantApplication:
    """Reject an application with a reason the applicant sees; they may apply again.

    Idempotent. Raises ApplicationDecided when it was approved.
    """
    check(actor, APPLICATION_REVIEW)
    reason = _text(reason, "reason", limit=200)
    application = selectors.application_get_for_review(actor, application_id)
    if not _decided(application, ApplicationStatus.REJECTED, actor, reason):
        return application
    notify(
        application.applicant,
        "application_decided",
        phrase(gettext_lazy("Your application for %(name)s was not approved"), name=application.shop_name),
        reason,
        link="/merchant/apply/",
    )
    return application


# Qualifications ------------------------------------------------------------------------------


@transaction.atomic
def qualification_add(*, actor: Actor, data: QualificationInput) -> Qualification:
    """Add or renew a qualification of the actor's merchant (the owner's team capability)."""
    check(actor, MERCHANT_TEAM)
    clean = _clean_qualification(data, "qualification")
    qualification = Qualification(merchant=selectors.merchant_for(actor), **clean)
    if data.image:
        _save_image(qualification, "image", data.image, "permit", "qualification.image")
    qualification.save()
    audit.record(
        actor=actor,
        action="merchant.qualification_add",
        target=qualification,
        after={"kind": clean["kind"], "expires_on": str(clean["expires_on"])},
    )
    return qualification


@transaction.atomic
def category_requirement_set(*, actor: Actor, category: Any, kind: str, required: bool) -> None:
    """Make listing in ``category`` (and below) need a valid qualification of ``kind``, or stop needing it."""
    check(actor, QUALIFICATION_RULES)
    if kind not in QualificationKind.values:
        raise InvalidInput(code="merchants.invalid_qualification", field="kind")
    if required:
        _row, created = CategoryRequirement.objects.get_or_create(category=category, kind=kind)
    else:
        created = bool(CategoryRequirement.objects.filter(category=category, kind=kind).delete()[0])
    if created:
        audit.record(
            actor=actor,
            action="merchant.category_requirement_" + ("add" if required else "remove"),
            target=category,
            after={"kind": kind},
        )


# Staff ----------------------------------------------------------------------------------------


def _contact_index(contact: str) -> tuple[str, str]:
    """The blind index and masked form of a phone number or e-mail address."""
    contact = (contact or "").strip()
    if "@" in contact:
        email = contact.lower()
        if len(email) > 254 or email.startswith("@") or "." not in email.rsplit("@", 1)[1]:
            raise InvalidInput(_("Enter a valid e-mail address."), code="merchants.invalid_contact", field="contact")
        return crypto.blind_index(email, context=EMAIL_CONTEXT), mask_email(email)
    phone = normalize_mobile(contact, field="contact")
    return phone_index(phone), mask_phone(phone)


@transaction.atomic
def invitation_create(*, actor: Actor, contact: str, role: str) -> Invitation:
    """Invite a phone number or e-mail address to join the actor's merchant as manager or staff."""
    check(actor, MERCHANT_TEAM)
    if role not in (StaffRole.MANAGER, StaffRole.STAFF):
        raise InvalidInput(_("Choose manager or staff."), code="merchants.invalid_role", field="role")
    index, masked = _contact_index(contact)
    merchant = selectors.merchant_for(actor)
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                merchant=merchant,
                contact_index=index,
                contact_masked=masked,
                role=role,
                invited_by=user_of(actor),
                expires_at=timezone.now() + dt.timedelta(days=settings.JISHI_INVITATION_DAYS),
            )
    except IntegrityError as exc:
        raise InvitationPending(field="contact") from exc
    audit.record(actor=actor, action="merchant.invite", target=invitation, after={"contact": masked, "role": role})
    return invitation


def _indexes_of(user: Any) -> set[str]:
    indexes = {user.phone_index} if user.phone_index else set()
    if user.email:
        indexes.add(crypto.blind_index(user.email.lower(), context=EMAIL_CONTEXT))
    return indexes


# The membership the acceptance creates is the audited step (merchant.staff_add).
INVITATION: Machine[Invitation, InvitationStatus] = Machine(
    status=InvitationStatus, transitions=INVITATION_TRANSITIONS, invalid=InvitationUsed
)


@transaction.atomic
def invitation_accept(*, actor: Actor, invitation_id: int) -> Membership:
    """Accept an invitation addressed to the actor's phone number or e-mail address.

    Accepting it twice at once makes one membership: the second call returns it.
    Raises InvitationNotFound, InvitationUsed (revoked meanwhile), AlreadyStaff.
    """
    check(actor, AUTHENTICATED)
    invitation = selectors.invitation_for(actor, invitation_id, _indexes_of(actor))
    if not move(INVITATION, invitation, InvitationStatus.ACCEPTED, actor=actor):  # accepted a moment ago
        return Membership.objects.get(user=user_of(actor), merchant_id=invitation.merchant_id)
    return membership_add(actor=actor, merchant=invitation.merchant, user=actor, role=invitation.role)


def invitations_for(actor: Actor) -> list[Invitation]:
    """Pending, unexpired invitations addressed to the actor."""
    return list(selectors.invitations_open(_indexes_of(actor)))


# Operators ------------------------------------------------------------------------------------


def _record_status(step: Move[Merchant, MerchantStatus]) -> None:
    audit.record(
        actor=step.actor,
        action=f"merchant.{'suspend' if step.target == MerchantStatus.SUSPENDED else 'reinstate'}",
        target=step.obj,
        before={"status": step.source},
        after={"status": step.target},
        reason=step.reason,
    )


MERCHANT = Machine(
    status=MerchantStatus, transitions=MERCHANT_TRANSITIONS, invalid=InvalidTransition, record=_record_status
)


@transaction.atomic
def merchant_set_status(*, actor: Actor, merchant_id: int, status: str, reason: str) -> Merchant:
    """Suspend or reinstate a merchant, with a reason (its listings leave search while suspended)."""
    check(actor, MERCHANT_ADMINISTER)
    if status not in MerchantStatus.values:
        raise InvalidInput(code="merchants.invalid_status", field="status")
    reason = _text(reason, "reason", limit=200)
    merchant = selectors.merchant_get_for_operator(actor, merchant_id)
    if not move(
        MERCHANT, merchant, MerchantStatus(status), actor=actor, reason=reason, fields={"status_reason": reason}
    ):
        return merchant
    owner = selectors.merchant_owner(merchant)
    if owner is not None:
        title = (
            phrase(gettext_lazy("Your shop was suspended"))
            if status == MerchantStatus.SUSPENDED
            else phrase(gettext_lazy("Your shop is open again"))
        )
        notify(owner, "merchant_status", title, reason, link="/merchant/")
    return merchant


@transaction.atomic
def merchant_return_address_set(*, actor: Actor, address: str) -> Merchant:
    """Set the shop's default return address (店铺退货地址), used whenever it agrees to take goods back. Audited."""
    check(actor, MERCHANT_AFTERSALES)
    address = " ".join((address or "").split())
    if not 8 <= len(address) <= 200:
        raise InvalidInput(
            _("Give the full return address: recipient, phone and street (8 to 200 characters)."),
            code="merchants.invalid_return_address",
            field="return_address",
        )
    merchant = selectors.merchant_for(actor)
    before = merchant.return_address
    if address != before:
        merchant.return_address = address
        Merchant.objects.filter(pk=merchant.pk).update(return_address_sealed=merchant.return_address_sealed)
        audit.record(
            actor=actor,
            action="merchant.return_address",
            target=merchant,
            before={"return_address": mask_personal_data(before)},
            after={"return_address": mask_personal_data(address)},
        )
    return merchant


# The team after joining (roles, removal, leaving, ownership) lives in its own module.
from jishi.merchants.team import member_leave, member_remove, member_role_set, ownership_transfer  # noqa: E402, F401
