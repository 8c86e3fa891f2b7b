"""Campaign files placed around a given moment, for tests that need live waves."""

from __future__ import annotations

from datetime import date, timedelta


def campaign_yaml(today: date, *, places: int = 2, year: int | None = None) -> str:
    """Wave 1 open now (started yesterday, ends in 10 days); wave 2 opens in 15 days."""
    w1s, w1e = today - timedelta(days=1), today + timedelta(days=10)
    w2s, w2e = today + timedelta(days=15), today + timedelta(days=60)
    year = year or w2e.year
    return f"""
region:
  name: г. Севастополь
  oktmo: "67000000"
  time_zone: Europe/Simferopol
  education_authority:
    name: Департамент образования (тест)
    address: ул. Тестовая, д. 1
    phone: "+78690000001"
  support_phone: "+78690000002"
campaign:
  year: {year}
  age_reference_date: {year}-09-01
  wave1: {{start: {w1s}, end: {w1e}}}
  wave2: {{start: {w2s}, end: {w2e}}}
  documents_due_days: 3
schools:
  - code: SEV-0801
    name: ГБОУ «Средняя общеобразовательная школа № 801»
    address: ул. Примерная, д. 1
    first_grade_places: {places}
    reception_hours: пн–пт 09:00–17:00
    territory:
      - {{street: ул. Примерная, houses: "1-60"}}
"""
