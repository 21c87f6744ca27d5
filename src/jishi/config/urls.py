"""URL configuration: the API under /api/v1/, the pages, Django's admin for superusers."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

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

if settings.DEBUG or not settings.PRODUCTION:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
