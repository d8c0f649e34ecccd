"""Template tags shared by the console and the portal."""

from __future__ import annotations

import uuid

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def idempotency_field() -> SafeString:
    """A hidden field that makes a form's submission idempotent: submitting the same rendered form twice
    (a double click, a retry on a bad network) creates one record and answers both with the first result."""
    return format_html('<input type="hidden" name="idempotency_key" value="{}">', uuid.uuid4().hex)
