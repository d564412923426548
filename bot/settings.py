"""Process settings from the environment (12-factor); a `.env` file in the working directory is read too."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    spoc_database_url: str = Field(default="sqlite:///spoc.db")
    spoc_config: str | None = None
    spoc_nlu_backend: Literal["builtin", "rasa"] = "builtin"
    spoc_rasa_url: str | None = None
    spoc_cache_dir: str | None = None
    spoc_http_host: str = "127.0.0.1"
    spoc_http_port: int = 8080
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    telegram_bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
