"""Settings from `DONTHU_*` environment variables (DESIGN.md §8).

Production refuses to start with the default secret, so a forgotten variable cannot
leave sessions and PIN hashes signed with a key that is printed in this file.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "donthu-dev-secret-change-me"
ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DONTHU_", env_file=".env", extra="ignore")

    env: str = "development"  # development | production
    demo: bool = False
    database_url: str = f"sqlite:///{ROOT / 'var' / 'donthu.db'}"
    secret_key: str = DEFAULT_SECRET
    base_url: str = "http://127.0.0.1:8000"
    agency_name: str = "Sở Công Thương"
    attachment_dir: Path = ROOT / "var" / "attachments"
    max_upload_mb: int = 20
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    login_max_failures: int = 5
    login_window_minutes: int = 15
    pin_max_failures: int = 10
    api_rate_per_minute: int = 600
    anon_rate_per_minute: int = 120
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_tls: bool = False
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_sender: str = "donthu@localhost"
    retention_days: int = 5 * 365
    sweep_interval_seconds: int = 300
    pool_size: int = 10
    # argon2id cost (pwdlib's defaults). Lower only in tests, where thousands of logins run.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def check_production(self) -> None:
        """Refuse to run in production with secrets anyone can read in the source."""
        if self.is_production and (self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32):
            raise RuntimeError(
                "DONTHU_SECRET_KEY must be set to a random value of at least 32 characters in production"
            )


@lru_cache
def get_settings() -> Settings:
    return Settings()
