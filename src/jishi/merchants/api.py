"""Merchants API: public shop pages, applying to open a shop, the operator's merchant console, staff."""

import datetime as dt
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Field, File, Form, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from jishi.accounts.auth import SIGNED_IN, actor_of
from jishi.accounts.permissions import OPERATOR
from jishi.core.api import ExpiryDate, Id, PageNumber, Router, StrictIn, errors
from jishi.core.errors import InvalidInput
from jishi.core.images import read_upload
from jishi.core.pagination import paginate
from jishi.core.permissions import AUTHENTICATED, PUBLIC, requires
from jishi.merchants import selectors, services
from jishi.merchants.models import Invitation, Membership, MerchantApplication
from jishi.merchants.permissions import (
    APPLICATION_REVIEW,
    MERCHANT_ADMINISTER,
    MERCHANT_AFTERSALES,
    MERCHANT_APPLY,
    MERCHANT_MEMBER,
    MERCHANT_TEAM,
)

router = Router(tags=["merchants"])


class MerchantOut(Schema):
    id: int
    name: str
    kind: str
    city: str
    description: str


@router.get("", response={200: list[MerchantOut], **errors()})
@requires(PUBLIC)
def merchant_list(request: HttpRequest) -> list[MerchantOut]:
    return [MerchantOut.model_validate(m, from_attributes=True) for m in selectors.merchant_public_list()[:200]]


@router.get("/{merchant_id}", response={200: MerchantOut, **errors(404)})
@requires(PUBLIC)
def merchant_detail(request: HttpRequest, merchant_id: int) -> MerchantOut:
    return MerchantOut.model_validate(selectors.merchant_public_get(merchant_id), from_attributes=True)


# Applying to open a merchant ------------------------------------------------------------------


class QualificationOut(Schema):
    kind: str
    number: str
    authority: str
    expires_on: dt.date


class ApplicationOut(Schema):
    id: int
    shop_name: str
    kind: str
    subject_type: str
    company_name: str
    credit_code: str
    legal_representative: str
    status: str
    rejection_reason: str
    merchant_id: int | None
    submitted_at: dt.datetime
    qualifications: list[QualificationOut]


def application_out(application: MerchantApplication) -> ApplicationOut:
    return ApplicationOut(
        id=application.pk,
        shop_name=application.shop_name,
        kind=application.kind,
        subject_type=application.subject_type,
        company_name=application.company_name,
        credit_code=application.credit_code,
        legal_representative=application.legal_representative,
        status=application.status,
        rejection_reason=application.rejection_reason,
        merchant_id=application.merchant_id,
        submitted_at=application.submitted_at,
        qualifications=[
            QualificationOut.model_validate(q, from_attributes=True) for q in application.qualifications.all()
        ],
    )


applications_router = Router(tags=["merchant applications"], auth=SIGNED_IN)


class ApplicationForm(StrictIn):
    shop_name: str
    kind: str
    subject_type: str
    description: str = ""
    city: str = ""
    company_name: str = ""
    credit_code: str = ""
    legal_representative: str = ""
    permit_kind: str = ""
    permit_number: str = ""
    permit_authority: str = ""
    permit_expires_on: ExpiryDate | None = None


@applications_router.post("", response={201: ApplicationOut, **errors(401, 403, 409)})
@requires(MERCHANT_APPLY)
def application_submit(
    request: HttpRequest,
    form: Form[ApplicationForm],
    licence_image: UploadedFile | None = File(None),  # noqa: B008 (ninja's parameter marker)
    permit_image: UploadedFile | None = File(None),  # noqa: B008
) -> Status:
    """Apply to open a shop (multipart form). Companies send the licence image; pet shops and breeders a permit."""
    fields = form.dict()
    permit = {name.removeprefix("permit_"): fields.pop(name) for name in list(fields) if name.startswith("permit_")}
    qualifications = []
    if permit["kind"]:
        if permit["expires_on"] is None:
            raise InvalidInput(code="merchants.permit_expired", field="permit_expires_on")
        qualifications.append(
            services.QualificationInput(**permit, image=read_upload(permit_image) if permit_image else b"")
        )
    application = services.application_submit(
        actor=actor_of(request),
        data=services.ApplicationInput(
            **fields,
            licence_image=read_upload(licence_image) if licence_image else b"",
            qualifications=qualifications,
        ),
    )
    return Status(201, application_out(application))


@applications_router.get("", response={200: list[ApplicationOut], **errors(401)})
@requires(MERCHANT_APPLY)
def application_list(request: HttpRequest) -> list[ApplicationOut]:
    """The signed-in user's applications and their decisions."""
    return [application_out(a) for a in selectors.applications_of(actor_of(request))[:20]]


# The operator console -------------------------------------------------------------------------

operator_router = Router(tags=["operator merchants"], auth=SIGNED_IN)


class ReasonIn(StrictIn):
    reason: Annotated[str, Field(max_length=200)]


class StatusIn(StrictIn):
    status: Literal["active", "suspended"]
    reason: Annotated[str, Field(max_length=200)]


class OperatorMerchantOut(MerchantOut):
    status: str
    status_reason: str


@operator_router.get("/merchant-applications", response={200: list[ApplicationOut], **errors(401, 403)})
@requires(APPLICATION_REVIEW)
def application_queue(
    request: HttpRequest, status: Literal["pending", "approved", "rejected"] = "pending", page: PageNumber = 1
) -> list[ApplicationOut]:
    """Applications, oldest first."""
    queryset = selectors.application_queue(actor_of(request), status=status)
    return [application_out(a) for a in paginate(queryset, page=page, page_size=50).items]


@operator_router.post(
    "/merchant-applications/{application_id}/approve", response={200: ApplicationOut, **errors(401, 403, 404, 409)}
)
@requires(APPLICATION_REVIEW)
def application_approve(request: HttpRequest, application_id: Id) -> ApplicationOut:
    return application_out(services.application_approve(actor=actor_of(request), application_id=application_id))


@operator_router.post(
    "/merchant-applications/{application_id}/reject", response={200: ApplicationOut, **errors(401, 403, 404, 409)}
)
@requires(APPLICATION_REVIEW)
def application_reject(request: HttpRequest, application_id: Id, payload: ReasonIn) -> ApplicationOut:
    application = services.application_reject(
        actor=actor_of(request), application_id=application_id, reason=payload.reason
    )
    return application_out(application)


@operator_router.get("/merchants", response={200: list[OperatorMerchantOut], **errors(401, 403)})
@requires(OPERATOR)
def operator_merchants(
    request: HttpRequest, q: Annotated[str, Field(max_length=60)] = "", page: PageNumber = 1
) -> list[OperatorMerchantOut]:
    queryset = selectors.merchants_for_operator(actor_of(request), query=q)
    return [
        OperatorMerchantOut.model_validate(m, from_attributes=True)
        for m in paginate(queryset, page=page, page_size=50).items
    ]


@operator_router.post("/merchants/{merchant_id}/status", response={200: OperatorMerchantOut, **errors(401, 403, 404)})
@requires(MERCHANT_ADMINISTER)
def merchant_status(request: HttpRequest, merchant_id: Id, payload: StatusIn) -> OperatorMerchantOut:
    """Suspend or reinstate a merchant, with the reason its owner is told."""
    merchant = services.merchant_set_status(
        actor=actor_of(request), merchant_id=merchant_id, status=payload.status, reason=payload.reason
    )
    return OperatorMerchantOut.model_validate(merchant, from_attributes=True)


# Staff ----------------------------------------------------------------------------------------

team_router = Router(tags=["merchant team"], auth=SIGNED_IN)
invitations_router = Router(tags=["invitations"], auth=SIGNED_IN)


class InviteIn(StrictIn):
    contact: Annotated[str, Field(max_length=254, description="A mainland mobile number or an e-mail address")]
    role: Literal["manager", "staff"]


class InvitationOut(Schema):
    id: int
    merchant: str
    contact: str
    role: str
    status: str
    expires_at: dt.datetime


class MemberOut(Schema):
    user_id: int
    user: str
    role: str
    since: dt.datetime


class MemberRoleIn(StrictIn):
    role: Literal["manager", "staff"]


class OwnershipTransferIn(StrictIn):
    user_id: Annotated[int, Field(ge=1, le=2**53, strict=True, description="A manager of the shop")]
    password: Annotated[str, Field(min_length=1, max_length=128, description="The owner's own password, again")]


def member_out(membership: Membership) -> MemberOut:
    return MemberOut(
        user_id=membership.user_id, user=str(membership.user), role=membership.role, since=membership.created_at
    )


def invitation_out(invitation: Invitation) -> InvitationOut:
    return InvitationOut(
        id=invitation.pk,
        merchant=invitation.merchant.name,
        contact=invitation.contact_masked,
        role=invitation.role,
        status=invitation.status,
        expires_at=invitation.expires_at,
    )


@team_router.get("/team", response={200: list[MemberOut], **errors(401, 403)})
@requires(MERCHANT_TEAM)
def team(request: HttpRequest) -> list[MemberOut]:
    return [member_out(m) for m in selectors.team_of(actor_of(request))]


@team_router.post("/team/{int:user_id}/role", response={200: MemberOut, **errors(401, 403, 404, 409)})
@requires(MERCHANT_TEAM)
def member_role(request: HttpRequest, user_id: Id, payload: MemberRoleIn) -> MemberOut:
    """Make a member a manager or staff (the owner's own role changes only by a transfer). Audited."""
    membership = services.member_role_set(actor=actor_of(request), user_id=user_id, role=payload.role)
    return member_out(membership)


@team_router.delete("/team/{int:user_id}", response={204: None, **errors(401, 403, 404, 409)})
@requires(MERCHANT_TEAM)
def member_remove(request: HttpRequest, user_id: Id) -> Status:
    """Take a member (not the owner) off the team; their next request no longer sees the shop. Audited."""
    services.member_remove(actor=actor_of(request), user_id=user_id)
    return Status(204, None)


@team_router.post("/team/transfer", response={200: MemberOut, **errors(401, 403, 404, 409, 429)})
@requires(MERCHANT_TEAM)
def ownership_transfer(request: HttpRequest, payload: OwnershipTransferIn) -> MemberOut:
    """Pass the ownership to a manager, re-entering the owner's password; the owner becomes a manager.

    A wrong password is 422 ``merchants.reauthentication_failed`` and counts
    against the account like a failed log-in (429 once blocked). Returns the
    new owner. Audited.
    """
    membership = services.ownership_transfer(
        actor=actor_of(request), user_id=payload.user_id, password=payload.password
    )
    return member_out(membership)


@team_router.post("/team/leave", response={204: None, **errors(401, 403, 409)})
@requires(MERCHANT_MEMBER)
def member_leave(request: HttpRequest) -> Status:
    """Leave the shop the signed-in user works for (the owner cannot: transfer the ownership first)."""
    services.member_leave(actor=actor_of(request))
    return Status(204, None)


@team_router.post("/invitations", response={201: InvitationOut, **errors(401, 403, 409)})
@requires(MERCHANT_TEAM)
def invite(request: HttpRequest, payload: InviteIn) -> Status:
    """Invite someone by phone number or e-mail; they accept after signing in with it."""
    invitation = services.invitation_create(actor=actor_of(request), contact=payload.contact, role=payload.role)
    return Status(201, invitation_out(invitation))


@invitations_router.get("", response={200: list[InvitationOut], **errors(401)})
@requires(AUTHENTICATED)
def my_invitations(request: HttpRequest) -> list[InvitationOut]:
    """Open invitations addressed to the signed-in user's phone number or e-mail."""
    return [invitation_out(i) for i in services.invitations_for(actor_of(request))]


@invitations_router.post("/{invitation_id}/accept", response={200: MemberOut, **errors(401, 404, 409)})
@requires(AUTHENTICATED)
def accept(request: HttpRequest, invitation_id: Id) -> MemberOut:
    return member_out(services.invitation_accept(actor=actor_of(request), invitation_id=invitation_id))


class ReturnAddressIn(StrictIn):
    return_address: Annotated[
        str, Field(min_length=8, max_length=200, examples=["王店长 13800000000 杭州市余杭区文一西路 1 号"])
    ]


class ReturnAddressOut(Schema):
    return_address: str


@team_router.get("/return-address", response={200: ReturnAddressOut, **errors(401, 403)})
@requires(MERCHANT_AFTERSALES)
def return_address(request: HttpRequest) -> ReturnAddressOut:
    """The shop's default return address (店铺退货地址); empty until it is set."""
    return ReturnAddressOut(return_address=selectors.merchant_for(actor_of(request)).return_address)


@team_router.put("/return-address", response={200: ReturnAddressOut, **errors(401, 403)})
@requires(MERCHANT_AFTERSALES)
def return_address_set(request: HttpRequest, payload: ReturnAddressIn) -> ReturnAddressOut:
    """Set the address buyers send goods back to; accepting a return uses it unless another is given. Audited."""
    merchant = services.merchant_return_address_set(actor=actor_of(request), address=payload.return_address)
    return ReturnAddressOut(return_address=merchant.return_address)
