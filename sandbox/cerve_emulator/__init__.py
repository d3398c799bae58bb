"""The Cerve sandbox emulator: every endpoint of `cerve-api.md` on loopback, with faults.

See `README.md` in this folder for the Python API, the admin endpoints and the CLI.
"""

from .emulator import CerveEmulator, new_signing_secret
from .faults import Counters, Fault, Faults
from .seed import DEFAULT_SEED_PATH, SeedData, load_seed
from .webhooks import Delivery

__all__ = [
    "DEFAULT_SEED_PATH",
    "CerveEmulator",
    "Counters",
    "Delivery",
    "Fault",
    "Faults",
    "SeedData",
    "load_seed",
    "new_signing_secret",
]
