"""A web or task worker process settles after start-up: what lives as long as the process is left out of the
garbage collector's full collections."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str) -> list[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=True, timeout=120)
    return done.stdout.split()


def test_the_wsgi_application_settles_with_the_matcher_loaded():
    # A fresh interpreter: freezing the test process itself would keep its garbage for good.
    frozen, tracked, pinyin = _run(
        "import gc, sys; import config.wsgi; "
        "print(gc.get_freeze_count(), len(gc.get_objects()), 'pypinyin' in sys.modules)")
    assert int(frozen) > 100_000  # Django, the views and the pinyin dictionary
    assert int(tracked) < 1_000  # nothing left for a full collection to walk
    assert pinyin == "True"


def test_a_process_that_does_not_settle_keeps_everything_tracked():
    frozen, tracked = _run("import django, gc; django.setup(); import consular.incidents.matching; "
                           "print(gc.get_freeze_count(), len(gc.get_objects()))")
    assert int(frozen) == 0 and int(tracked) > 100_000
