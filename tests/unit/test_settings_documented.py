"""Every setting the product reads is documented in `.env.example`."""

from pathlib import Path

from po_automation.settings import Settings

ENV_EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def test_every_setting_is_listed_in_env_example() -> None:
    listed = {
        line.split("=", 1)[0]
        for line in ENV_EXAMPLE.read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    missing = sorted(name.upper() for name in Settings.model_fields if name.upper() not in listed)
    assert missing == []


def test_auth_url_defaults_to_the_brief_derivation_and_can_be_overridden() -> None:
    derived = Settings(cerve_base_url="https://api.sandbox.cerve.com", cerve_auth_url="")
    assert derived.resolved_cerve_auth_url == "https://auth.sandbox.cerve.com/oauth/token"
    pinned = Settings(cerve_auth_url="http://127.0.0.1:9/oauth/token")
    assert pinned.resolved_cerve_auth_url == "http://127.0.0.1:9/oauth/token"
