"""The demo region: about seventy invented organizations of Sevastopol with their staff."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tsos.db.models import Organization, OrganizationKind, Role, User

# The demo region's defaults; a deployment names its own (TSOS_REGION_NAME, …).
REGION_NAME = "г. Севастополь"
CODE_PREFIX = "SEV"


def founder(region_name: str) -> tuple[str, str, str]:
    return (f"Департамент образования и науки (демо), {region_name}",
            f"{region_name}, ул. Образцовая, д. 100", "+78690000001")


FOUNDER = founder(REGION_NAME)

STREETS = ["ул. Примерная", "ул. Садовая", "ул. Речная", "ул. Парковая", "ул. Морская",
           "ул. Гагарина", "пр-т Победы", "ул. Ленина", "ул. Большая Морская",
           "ул. Острякова", "ул. Хрусталёва", "ул. Руднева", "ул. Вакуленчука",
           "пр-т Октябрьской Революции", "ул. Кесаева", "ул. Щербака", "ул. Степаняна"]
DISTRICTS = ["Гагаринский", "Ленинский", "Нахимовский", "Балаклавский"]
SURNAMES = ["Иванова", "Петрова", "Сидорова", "Кузнецова", "Смирнова", "Попова",
            "Васильева", "Морозова", "Новикова", "Фёдорова", "Волкова", "Алексеева"]
NAMES = ["Анна", "Елена", "Ольга", "Марина", "Татьяна", "Наталья", "Ирина", "Светлана"]
PATRONYMICS = ["Сергеевна", "Андреевна", "Викторовна", "Игоревна", "Петровна"]


def _checksum(digits: str, weights: list[int]) -> str:
    return str(sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10)


def legal_inn(rng: random.Random) -> str:
    """A 10-digit INN of a legal entity in region 92 with a valid check digit."""
    body = "92" + "".join(str(rng.randint(0, 9)) for _ in range(7))
    return body + _checksum(body, [2, 4, 10, 3, 5, 9, 4, 6, 8])


def ogrn(rng: random.Random) -> str:
    """A 13-digit OGRN whose last digit is the remainder mod 11 (mod 10) of the first 12."""
    body = "1" + "14" + "92" + "04" + "".join(str(rng.randint(0, 9)) for _ in range(5))
    body = body[:12]
    return body + str(int(body) % 11 % 10)


@dataclass(frozen=True)
class DemoOrganization:
    code: str
    name: str
    short_name: str
    kind: OrganizationKind
    address: str


def demo_organizations(code_prefix: str = CODE_PREFIX) -> Iterator[DemoOrganization]:
    rng = random.Random(67000000)
    # The two schools of the reference campaign file come first, with its names.
    yield DemoOrganization(f"{code_prefix}-0801",
                           "ГБОУ «Средняя общеобразовательная школа № 801»",
                           "ГБОУ СОШ № 801", OrganizationKind.school, "ул. Примерная, д. 1")
    yield DemoOrganization(f"{code_prefix}-0802", "ГБОУ «Гимназия № 802»",
                           "ГБОУ Гимназия № 802", OrganizationKind.school, "ул. Парковая, д. 3")
    for number in range(1, 55):
        name = (f"ГБОУ «Гимназия № {number}»" if number % 9 == 0 else
                f"ГБОУ «Средняя общеобразовательная школа № {number}»")
        short = name.replace("«Средняя общеобразовательная школа", "СОШ").replace(
            "«Гимназия", "Гимназия").rstrip("»")
        yield DemoOrganization(f"{code_prefix}-{number:04d}", name, short, OrganizationKind.school,
                               f"{rng.choice(STREETS)}, д. {rng.randint(1, 120)}")
    colleges = ["Севастопольский политехнический колледж", "Севастопольский морской колледж",
                "Севастопольский медицинский колледж", "Севастопольский колледж сервиса",
                "Севастопольский педагогический колледж", "Балаклавский аграрный колледж"]
    for offset, title in enumerate(colleges):
        yield DemoOrganization(f"{code_prefix}-{600 + offset:04d}", f"ГБПОУ «{title}» (демо)",
                               f"ГБПОУ {title.split()[1]} колледж", OrganizationKind.college,
                               f"{rng.choice(STREETS)}, д. {rng.randint(1, 120)}")
    for number in range(1, 9):
        yield DemoOrganization(f"{code_prefix}-{700 + number:04d}",
                               f"ГБДОУ «Детский сад № {number}»",
                               f"ГБДОУ д/с № {number}", OrganizationKind.kindergarten,
                               f"{rng.choice(STREETS)}, д. {rng.randint(1, 120)}")


STAFF_PER_SCHOOL = (("school_head", 1), ("deputy_head", 1), ("admissions_officer", 1),
                    ("secretary", 1), ("teacher", 4))


def load_demo_organizations(session: Session, oktmo: str, *, region_name: str = REGION_NAME,
                            code_prefix: str = CODE_PREFIX) -> tuple[int, int]:
    """Upsert the demo organizations and their staff; returns (organizations, users) added."""
    rng = random.Random(92)
    orgs_added = users_added = 0
    existing = {o.code: o for o in session.scalars(select(Organization))}
    founder_name, founder_address, founder_phone = founder(region_name)

    for demo in demo_organizations(code_prefix):
        org = existing.get(demo.code)
        if org is None:
            org = Organization(
                code=demo.code, name=demo.name, short_name=demo.short_name, kind=demo.kind,
                address=f"299000, {region_name}, {demo.address}", oktmo=oktmo,
                inn=legal_inn(rng), ogrn=ogrn(rng), kpp="920101001",
                phone=f"+7869{rng.randint(1000000, 9999999)}",
                founder_name=founder_name, founder_address=founder_address,
                founder_phone=founder_phone,
            )
            session.add(org)
            session.flush()
            orgs_added += 1

        if demo.kind == OrganizationKind.kindergarten:
            continue
        for role, count in STAFF_PER_SCHOOL:
            for index in range(1, count + 1):
                login = f"{role}.{index}.{demo.code.lower()}"
                if session.scalar(select(User.id).where(User.login == login)):
                    continue
                name = f"{rng.choice(SURNAMES)} {rng.choice(NAMES)} {rng.choice(PATRONYMICS)}"
                session.add(User(login=login, display_name=name, role=Role(role),
                                 organization_id=org.id, is_demo=True))
                users_added += 1

    return orgs_added, users_added
