"""Errors of the reviews domain."""

from django.utils.translation import gettext_lazy as _

from jishi.core.errors import Conflict, InvalidInput, NotFound


class ReviewLineNotFound(NotFound):
    default_code = "reviews.line_not_found"
    default_message = _("Order item not found.")


class ReviewNotFound(NotFound):
    default_code = "reviews.not_found"
    default_message = _("Review not found.")


class NotReviewable(Conflict):
    default_code = "reviews.not_reviewable"
    default_message = _("Only an item you received can be reviewed, and not one refunded in full.")


class AlreadyReviewed(Conflict):
    default_code = "reviews.already_reviewed"
    default_message = _("You have already reviewed this item.")


class ReviewInvalid(InvalidInput):
    default_code = "reviews.invalid"
    default_message = _("Give 1 to 5 stars and at most 500 characters.")


class TooManyPhotos(InvalidInput):
    default_code = "reviews.too_many_photos"
    default_message = _("A review can show at most 9 photos.")


class FollowUpRefused(Conflict):
    default_code = "reviews.follow_up_refused"
    default_message = _("A review takes one follow-up, within 180 days.")


class AlreadyReplied(Conflict):
    default_code = "reviews.already_replied"
    default_message = _("The shop has already replied to this review.")


class AlreadyReported(Conflict):
    default_code = "reviews.already_reported"
    default_message = _("You have already reported this review.")


class ReplyBlocked(InvalidInput):
    default_code = "reviews.reply_blocked"
    default_message = _("The reply uses a word the platform does not allow.")


class OwnReview(Conflict):
    default_code = "reviews.own_review"
    default_message = _("You cannot report your own review.")


class ReviewChanged(Conflict):
    default_code = "reviews.changed"
    default_message = _("This review changed meanwhile: look at it again.")


class NotRatable(Conflict):
    default_code = "reviews.not_ratable"
    default_message = _("A shop is rated after the order is completed, within 90 days.")


class AlreadyRated(Conflict):
    default_code = "reviews.already_rated"
    default_message = _("You have already rated the shop for this order.")
