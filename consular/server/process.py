"""Start-up of a long-running process (web worker, task worker): what it does once, after loading."""

from __future__ import annotations

import gc


def settle() -> None:
    """Load what requests will need (the URL map, the name matcher's pinyin dictionary) and move every object
    loaded so far out of the garbage collector's full collections (`gc.freeze`). They live as long as the
    process: some 300,000 objects (Django, the views, the pinyin dictionary) that each full collection would
    otherwise walk again, about 0.1 s added to whichever request triggered it. Reference counting still frees
    them, and what is created after start-up is collected as usual. Call it once, after Django is set up
    (`config.wsgi`, `config.asgi` and the `worker` command do)."""
    from django.urls import get_resolver

    import consular.incidents.matching  # noqa: F401  (imports pypinyin and its tables)

    get_resolver().url_patterns  # noqa: B018  (loads every URLconf and view module)
    gc.collect()
    gc.freeze()
