"""Wizard ids from business keys: one wizard per class and year, one per duplicate."""

from __future__ import annotations


def class_wizard_id(organization_code: str, school_class_id: int, graduation_year: int) -> str:
    return f"certificates-{organization_code}-class-{school_class_id}-{graduation_year}"


def duplicate_wizard_id(organization_code: str, original_certificate_id: int) -> str:
    return f"certificates-{organization_code}-duplicate-{original_certificate_id}"
