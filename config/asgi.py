import os

from django.core.asgi import get_asgi_application

from consular.server.process import settle

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
application = get_asgi_application()
settle()
