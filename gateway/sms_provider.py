"""The SMS provider the settings choose: Africa's Talking (or its simulator), or the office's own modem."""
from collections.abc import Mapping

from gateway.gammu.provider import GammuProvider
from gateway.providers import AfricasTalkingProvider
from gateway.providers import SmsProvider
from gateway.providers import provider_from_config


def from_config(config: Mapping) -> SmsProvider:
    """The provider SMS_PROVIDER names in `config` (settings as config.py parses them).

    :raise ValueError: for an unknown provider or a provider's missing settings.
    """
    if config.get("SMS_PROVIDER") != "gammu":
        return provider_from_config(config)
    url = config.get("GAMMU_DATABASE_URL")
    if not url:
        raise ValueError("SMS_PROVIDER=gammu needs GAMMU_DATABASE_URL (the gammu-smsd SQL database)")
    return GammuProvider(url, phone_id=config.get("GAMMU_PHONE_ID"), rate_per_minute=config.get("GAMMU_SEND_RATE", 6.0))


def resends_safely(config: Mapping) -> bool:
    """Whether the provider SMS_PROVIDER names recognises a message it already took, so a send whose outcome
    is unknown may run again (known without building the provider, which may lack its credentials)."""
    kind = GammuProvider if config.get("SMS_PROVIDER") == "gammu" else AfricasTalkingProvider
    return kind.resends_safely
