"""Settings from USAR_* environment variables and an optional .env file in the working directory."""

from __future__ import annotations

from typing import Literal

from pydantic import ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.db import DatabaseURLError, async_url


class SettingsError(Exception):
    """A missing or malformed setting, explained in one line."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="USAR_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///usar.db"
    default_language: Literal["ar", "en"] = "ar"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, url: str) -> str:
        try:
            async_url(url)
        except DatabaseURLError as problem:
            raise ValueError(str(problem)) from problem
        return url


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as problems:
        first = problems.errors()[0]
        name = "USAR_" + "_".join(str(part) for part in first["loc"]).upper()
        raise SettingsError(f"setting {name}: {first['msg']}") from None
