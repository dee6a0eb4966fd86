"""Settings: safe defaults for one machine, and a clear refusal to run with a missing cookie key."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from portal import queue
from portal.config import ConfigError, Settings, reset_settings
from tests.conftest import ROOT


def settings(**env: str) -> Settings:
    return Settings(_env_file=None, **{k.lower(): v for k, v in env.items()})  # type: ignore[call-arg]


def test_defaults_keep_everything_under_the_data_dir(tmp_path: Path) -> None:
    s = settings(data_dir=str(tmp_path))
    assert s.resolved_database_url == f"sqlite:///{tmp_path / 'portal.db'}"
    assert s.outbox_dir == tmp_path / "outbox"
    assert s.timezone == "Asia/Shanghai" and s.tz.key == "Asia/Shanghai"
    assert s.smtp_host is None


def test_redis_defaults_to_the_embedded_socket(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PORTAL_REDIS_URL")
    reset_settings()
    assert queue.redis_url() == f"unix://{env.resolve() / 'redis' / 'redis.sock'}"


@pytest.mark.parametrize("key", [None, "", "changeme", "some_key", "too-short-for-a-secret"])
def test_outside_demo_mode_a_missing_or_weak_cookie_key_is_refused(key: str | None, tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path, cookie_key=key, demo=False)
    with pytest.raises(ConfigError, match="PORTAL_COOKIE_KEY"):
        s.signing_key()


def test_demo_mode_generates_one_key_and_keeps_it(tmp_path: Path) -> None:
    first = Settings(data_dir=tmp_path, demo=True).signing_key()
    again = Settings(data_dir=tmp_path, demo=True).signing_key()
    assert first == again and len(first) >= 32
    mode = stat.S_IMODE(os.stat(tmp_path / "demo-cookie-key").st_mode)
    assert mode == 0o600


def test_a_real_key_is_used_as_given(tmp_path: Path) -> None:
    key = "k" * 40
    assert Settings(data_dir=tmp_path, cookie_key=key).signing_key() == key


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        settings(timezone="Mars/Olympus_Mons")


def test_portal_up_refuses_to_start_without_a_cookie_key(tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    result = subprocess.run(
        [sys.executable, "-m", "portal.cli", "up", "--port", "8599"],
        env={**clean, "PORTAL_DATA_DIR": str(tmp_path)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "PORTAL_COOKIE_KEY" in result.stderr
    assert not (tmp_path / "portal.db").exists()  # nothing was started or migrated
