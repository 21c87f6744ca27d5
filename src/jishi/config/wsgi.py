"""WSGI entry point (gunicorn, granian --interface wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jishi.config.settings")
application = get_wsgi_application()
