"""URL configuration: the API under /api/v1/, the pages, Django's admin for superusers."""

from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.static import serve

from jishi.config.api import api

# Requests Django refuses before any view runs answer in the API's error shape under /api/.
handler400 = "jishi.config.api.bad_request"

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
    path("gateway/", include("jishi.payments.urls")),
    path("", include("jishi.web.urls")),
]

if settings.JISHI_SANDBOX_ENABLED:
    urlpatterns.insert(0, path("sandbox-gateway/", include("jishi.payments.sandbox_urls")))

if not settings.PRODUCTION:  # production's web server or object storage serves public media
    urlpatterns.append(
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}, name="media"),
    )
