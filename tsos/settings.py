"""All settings of a deployment, read once from the environment (prefix-free names)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Published in this repository, so it protects nothing: production must set its own.
DEVELOPMENT_JWT_SECRET = "dev-only-secret-change-me-in-production-0123456789"


class Settings(BaseSettings):
    """Every knob of ЦОС; the README's table documents each field."""

    # Inputs stay out of error messages: they hold the database password and the JWT key.
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", hide_input_in_errors=True)

    environment: Literal["development", "production", "test"] = Field(
        "development", alias="TSOS_ENV"
    )
    data_dir: Path = Field(PROJECT_ROOT / ".data", alias="TSOS_DATA_DIR")

    database_url: str | None = Field(None, alias="DATABASE_URL")
    temporal_address: str | None = Field(None, alias="TEMPORAL_ADDRESS")
    temporal_namespace: str = Field("default", alias="TEMPORAL_NAMESPACE")
    temporal_port: int = Field(7233, alias="TSOS_TEMPORAL_PORT")
    # Lets several deployments (or a benchmark) share one Temporal namespace.
    task_queue_suffix: str = Field("", alias="TSOS_TASK_QUEUE_SUFFIX")
    temporal_ui_port: int = Field(8233, alias="TSOS_TEMPORAL_UI_PORT")

    api_host: str = Field("127.0.0.1", alias="TSOS_API_HOST")
    api_port: int = Field(8000, alias="TSOS_API_PORT")

    jwt_secret: str = Field(DEVELOPMENT_JWT_SECRET, alias="TSOS_JWT_SECRET")
    jwt_issuer: str = Field("tsos", alias="TSOS_JWT_ISSUER")
    jwt_audience: str = Field("tsos-api", alias="TSOS_JWT_AUDIENCE")
    jwt_ttl_minutes: int = Field(12 * 60, alias="TSOS_JWT_TTL_MINUTES")
    oidc_jwks_url: str | None = Field(None, alias="TSOS_OIDC_JWKS_URL")
    oidc_issuer: str | None = Field(None, alias="TSOS_OIDC_ISSUER")
    # The provider's audience (its client id for ЦОС); our own audience when unset.
    oidc_audience: str | None = Field(None, alias="TSOS_OIDC_AUDIENCE")
    demo_auth: bool = Field(True, alias="TSOS_DEMO_AUTH")

    region_name: str = Field("г. Севастополь", alias="TSOS_REGION_NAME")
    region_oktmo: str = Field("67000000", alias="TSOS_REGION_OKTMO")
    region_time_zone: str = Field("Europe/Simferopol", alias="TSOS_REGION_TIME_ZONE")
    region_code_prefix: str = Field("SEV", alias="TSOS_REGION_CODE_PREFIX")

    smev_endpoint: str | None = Field(None, alias="TSOS_SMEV_ENDPOINT")
    smev_schema_dir: Path | None = Field(None, alias="TSOS_SMEV_SCHEMA_DIR")
    smev_node_port: int = Field(8085, alias="TSOS_SMEV_NODE_PORT")
    # Where `tsos smev-node enqueue|responses` find the node; from the port when unset.
    smev_node_url: str = Field("", alias="TSOS_SMEV_NODE_URL")
    smev_poll_interval_seconds: float = Field(1.0, alias="TSOS_SMEV_POLL_INTERVAL")
    smev_key_path: Path | None = Field(None, alias="TSOS_SMEV_KEY")
    smev_cert_path: Path | None = Field(None, alias="TSOS_SMEV_CERT")
    # With no key of its own, what goes to the local node is signed with a generated test
    # key, as SMEV would require; the enrollment benchmark turns it off (signing is measured
    # by a benchmark of its own).
    smev_sign_local: bool = Field(True, alias="TSOS_SMEV_SIGN_LOCAL")
    # A request still without any answer this long after SMEV's SendingTimestamp is alerted;
    # keep it below the portal's deadline for the first answer (not published, smev.md §1.7).
    smev_answer_alert_minutes: float = Field(30.0, gt=0, alias="TSOS_SMEV_ANSWER_ALERT_MINUTES")

    frdo_template_path: Path | None = Field(None, alias="TSOS_FRDO_TEMPLATE")

    log_format: Literal["auto", "json", "text"] = Field("auto", alias="TSOS_LOG_FORMAT")
    log_level: str = Field("INFO", alias="TSOS_LOG_LEVEL")

    @field_validator("region_time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)
        return value

    @model_validator(mode="after")
    def _derived_and_safe(self) -> Settings:
        if not self.smev_node_url:
            self.smev_node_url = f"http://127.0.0.1:{self.smev_node_port}"

        problems = []
        if self.oidc_jwks_url and not self.oidc_issuer:
            problems.append("с TSOS_OIDC_JWKS_URL нужно задать и TSOS_OIDC_ISSUER — издателя "
                            "токенов, которым ЦОС доверяет")
        if self.environment == "production":
            if self.jwt_secret == DEVELOPMENT_JWT_SECRET or len(self.jwt_secret) < 32:
                problems.append("TSOS_JWT_SECRET не задан или короче 32 символов: ключ "
                                "разработки опубликован и в эксплуатации недопустим")
            if self.demo_auth:
                problems.append("TSOS_DEMO_AUTH должен быть false: демо-вход выдаёт токен "
                                "любому, кто его попросит")
        if problems:
            raise ValueError("Настройки ЦОС (TSOS_ENV=" + self.environment + ") неверны: "
                             + "; ".join(problems) + ".")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.region_time_zone)

    @property
    def embedded_postgres(self) -> bool:
        return self.database_url is None

    @property
    def embedded_temporal(self) -> bool:
        return self.temporal_address is None

    @property
    def effective_temporal_address(self) -> str:
        return self.temporal_address or f"127.0.0.1:{self.temporal_port}"

    def task_queue(self, name: str) -> str:
        return name + self.task_queue_suffix

    @property
    def queue_names(self) -> dict[str, str]:
        from workflows import task_queues

        return {name: self.task_queue(name) for name in task_queues.ALL}

    @property
    def effective_smev_endpoint(self) -> str:
        return self.smev_endpoint or f"{self.smev_node_url}/smev"


@lru_cache
def get_settings() -> Settings:
    return Settings()
