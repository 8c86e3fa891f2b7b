"""Reading the rule data shipped inside the package (YAML files under `data/`)."""

from __future__ import annotations

import hashlib
from importlib import resources
from typing import Any

import yaml

from domain.certificates.errors import InvalidRuleData

_DATA_PACKAGE = "domain.certificates.data"


def load_yaml(folder: str | None, name: str) -> Any:
    """Parse one packaged YAML file; None if it does not exist."""
    package = _DATA_PACKAGE if folder is None else f"{_DATA_PACKAGE}.{folder}"
    resource = resources.files(package).joinpath(name)
    if not resource.is_file():
        return None
    try:
        return yaml.safe_load(resource.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InvalidRuleData(f"Файл правил {name} повреждён: {exc}") from exc


def data_digest(folder: str, name: str) -> str | None:
    """SHA-256 of one packaged file's bytes, hex; None if it does not exist."""
    resource = resources.files(f"{_DATA_PACKAGE}.{folder}").joinpath(name)
    if not resource.is_file():
        return None
    return hashlib.sha256(resource.read_bytes()).hexdigest()


def data_names(folder: str) -> tuple[str, ...]:
    """Names of the files in one packaged data folder."""
    package = resources.files(f"{_DATA_PACKAGE}.{folder}")
    return tuple(sorted(item.name for item in package.iterdir() if item.is_file()))


def normalize_label(text: str) -> str:
    """Comparison key for names typed by people: case, «ё» and spacing do not matter."""
    return " ".join(text.replace("ё", "е").replace("Ё", "Е").lower().split())
