"""Print a new VAPID key pair: `python -m consular.notify.channels.vapid`.

The private key goes into CONSULAR_VAPID_PRIVATE_KEY (a secret); the public key is the PWA's
`applicationServerKey` (public). See docs/operations.md, "Channel keys".
"""

from __future__ import annotations

import sys

from consular.notify.channels.webpush import generate_vapid_keys


def main() -> int:
    private, public = generate_vapid_keys()
    sys.stdout.write(f"CONSULAR_VAPID_PRIVATE_KEY={private}\n")
    sys.stdout.write(f"# public key (applicationServerKey for the PWA):\n{public}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
