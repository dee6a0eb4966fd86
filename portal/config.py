"""The one settings object, read by the app, the worker, the scheduler, the CLI and migrations."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values that people copy from examples; a cookie key equal to one of them signs nothing.
PLACEHOLDER_KEYS = {"", "changeme", "change-me", "change_me", "secret", "some_key", "some_signature_key", "demo"}
MIN_COOKIE_KEY_LENGTH = 32


class ConfigError(RuntimeError):
    """A setting is missing or unusable; the message says what to set."""


class Settings(BaseSettings):
    """Every setting of the portal. Each one is documented in the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="PORTAL_", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="Where the SQLite file, embedded Redis and outbox live.")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite file in the data dir.")
    redis_url: str | None = Field(default=None, description="Redis URL; default: the embedded redis-server.")
    demo: bool = Field(default=False, description="Demo mode: seeds demo data and allows a generated cookie key.")
    cookie_key: SecretStr | None = Field(default=None, description="Secret that signs login cookies (>= 32 chars).")
    cookie_name: str = "grid_portal_auth"
    cookie_expiry_days: float = Field(default=7.0, gt=0)
    timezone: str = "Asia/Shanghai"
    language: Literal["zh", "en"] = "zh"
    host: str = Field(default="127.0.0.1", description="Address Streamlit listens on (0.0.0.0: every interface).")
    port: int = Field(default=8501, ge=1, le=65535)
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout: float = Field(default=20.0, gt=0)
    mail_from: str = "grid-portal@localhost"
    log_level: str = "INFO"
    kpi_refresh_seconds: float = Field(
        default=30.0, ge=1, description="How often an open KPI page re-reads its figures."
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Asia/Shanghai") from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def resolved_data_dir(self) -> Path:
        return self.data_dir.expanduser().resolve()

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.resolved_data_dir / 'portal.db'}"

    @property
    def outbox_dir(self) -> Path:
        return self.resolved_data_dir / "outbox"

    @property
    def embedded_redis_dir(self) -> Path:
        return self.resolved_data_dir / "redis"

    def signing_key(self) -> str:
        """The cookie key, or in demo mode one generated once and kept in the data dir."""
        key = self.cookie_key.get_secret_value() if self.cookie_key else ""
        if key.strip().lower() not in PLACEHOLDER_KEYS and len(key) >= MIN_COOKIE_KEY_LENGTH:
            return key
        if not self.demo:
            problem = "is not set" if not key else "is a placeholder or shorter than 32 characters"
            raise ConfigError(
                f"PORTAL_COOKIE_KEY {problem}. Set it to a random secret of at least {MIN_COOKIE_KEY_LENGTH} "
                "characters, for example: export PORTAL_COOKIE_KEY=$(python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'). Only demo mode (PORTAL_DEMO=1) runs without one."
            )
        return _demo_key(self.resolved_data_dir)


def _demo_key(data_dir: Path) -> str:
    path = data_dir / "demo-cookie-key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp = data_dir / f".demo-cookie-key.{os.getpid()}"
        tmp.write_text(secrets.token_urlsafe(48))
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)  # atomic: of two processes starting together, one key wins
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read from the environment once per process."""
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()
