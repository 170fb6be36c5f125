"""WSGI entry point, for example: gunicorn gooru_lti.wsgi."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gooru_lti.settings")

application = get_wsgi_application()
