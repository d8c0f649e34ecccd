import os

from django.core.wsgi import get_wsgi_application

from consular.server.process import settle

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
application = get_wsgi_application()
settle()
