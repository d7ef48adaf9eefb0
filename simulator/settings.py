"""The simulator's settings, read once from the environment at start."""
import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """Where the simulator listens, where Lekas is, and what it pretends to be."""

    host: str = "127.0.0.1"
    port: int = 5001
    app_url: str = "http://127.0.0.1:5000"
    callback_token: str | None = None
    api_key: str | None = None
    username: str | None = None
    ussd_code: str = "*384*5758#"
    shortcode: str = "5758"
    dlr_delay: float = 1.0
    dlr_workers: int = 8

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "Settings":
        """Build settings from SIMULATOR_*, APP_URL, CALLBACK_TOKEN, AT_*, USSD_CODE and SMS_SHORTCODE.

        :raise ValueError: naming the variable whose value cannot be used.
        """
        def number(name, kind, default):
            raw = env.get(name, "").strip()
            if not raw:
                return default
            try:
                value = kind(raw)
            except ValueError:
                raise ValueError(f"{name} must be a number, got {raw!r}") from None
            if value < 0:
                raise ValueError(f"{name} must not be negative, got {raw!r}")
            return value

        return cls(
            host=env.get("SIMULATOR_HOST", "").strip() or cls.host,
            port=number("SIMULATOR_PORT", int, cls.port),
            app_url=(env.get("APP_URL", "").strip() or cls.app_url).rstrip("/"),
            callback_token=env.get("CALLBACK_TOKEN") or None,
            api_key=env.get("AT_API_KEY") or None,
            username=env.get("AT_USERNAME") or None,
            ussd_code=env.get("USSD_CODE", "").strip() or cls.ussd_code,
            shortcode=env.get("SMS_SHORTCODE", "").strip() or cls.shortcode,
            dlr_delay=number("SIMULATOR_DLR_DELAY", float, cls.dlr_delay),
            dlr_workers=max(1, number("SIMULATOR_DLR_WORKERS", int, cls.dlr_workers)),
        )
