"""`python -m sandbox.cerve_emulator --port 8710 [--seed PATH]`.

Credentials come from CERVE_CLIENT_ID / CERVE_CLIENT_SECRET / CERVE_WEBHOOK_SECRET when set
(so the demo and the emulator agree without printing secrets); otherwise they are generated
and can be read back only in-process.
"""

from __future__ import annotations

import argparse
import contextlib
import os

from .emulator import CerveEmulator


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.cerve_emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8710)
    parser.add_argument("--seed", default=None, help="seed JSON (default sandbox/cerve_seed.json)")
    parser.add_argument("--token-ttl", type=int, default=300, help="token lifetime, seconds")
    parser.add_argument("--webhook-mode", choices=("sync", "queue"), default="sync")
    args = parser.parse_args(argv)
    emu = CerveEmulator(
        args.seed,
        client_id=os.environ.get("CERVE_CLIENT_ID", "fc-sandbox"),
        client_secret=os.environ.get("CERVE_CLIENT_SECRET") or None,
        webhook_secret=os.environ.get("CERVE_WEBHOOK_SECRET") or None,
        token_ttl_s=args.token_ttl,
        webhook_mode=args.webhook_mode,
    )
    print(
        f"Cerve emulator on http://{args.host}:{args.port} "
        f"(auth http://{args.host}:{args.port}/oauth/token, client_id {emu.client_id})",
        flush=True,
    )
    with contextlib.suppress(KeyboardInterrupt):
        emu.serve_forever(args.host, args.port)


if __name__ == "__main__":
    main()
