"""Drop-down lists of the ФИС ФРДО general-education template (version 2022-06-18).

Values are written exactly as the template's hidden sheet «Проверки» holds them: the ФРДО
validator compares strings exactly, letter case included. The position of each list on the
lists sheet is part of the template's interface (the named ranges point there), so a
workbook we generate ourselves puts every list at the same cells.
"""

from dataclasses import dataclass
from enum import StrEnum

LISTS_SHEET_TITLE = "Проверки"


class DocumentKind(StrEnum):
    """`Вид документа` values."""

    SECONDARY_COMPLETE_LEGACY = "Аттестат о среднем (полном) общем образовании"
    SECONDARY = "Аттестат о среднем общем образовании"
    SECONDARY_HONOURS = "Аттестат о среднем общем образовании с отличием"
    BASIC = "Аттестат об основном общем образовании"
    BASIC_HONOURS = "Аттестат об основном общем образовании с отличием"
    GOLD_MEDAL_LEGACY = "Аттестат с золотой медалью"
    SILVER_MEDAL_LEGACY = "Аттестат с серебряной медалью"
    INCOMPLETE_SECONDARY_LEGACY = "Свидетельство о неполном среднем образовании"
    INCOMPLETE_SECONDARY_HONOURS_LEGACY = (
        "Свидетельство о неполном среднем образовании с отличием"
    )
    STUDY_CERTIFICATE_LEGACY = "Свидетельство об обучении"
    SPECIAL_CLASS_LEGACY = (
        "Свидетельство об окончании специального (коррекционного) класса "
        "образовательного учреждения"
    )
    SPECIAL_SCHOOL_LEGACY = (
        "Свидетельство об окончании специальной (коррекционной) образовательной "
        "школы VIII вида"
    )
    STUDY_REFERENCE = "Справка об обучении"


class DocumentStatus(StrEnum):
    ORIGINAL = "Оригинал"
    DUPLICATE = "Дубликат"


class EducationLevel(StrEnum):
    BASIC_GENERAL = "Основное общее образование"
    SECONDARY_GENERAL = "Среднее общее образование"
    INCOMPLETE_SECONDARY = "Неполное среднее образование"
    NONE = "Нет"


class EducationSetting(StrEnum):
    """`Форма получения образования…` (ст. 17 273-ФЗ)."""

    IN_SCHOOL = "в образовательной организации"
    OUTSIDE_SCHOOL = "вне образовательной организации"


class Gender(StrEnum):
    MALE = "Муж"
    FEMALE = "Жен"


class FundingSource(StrEnum):
    FEDERAL = "Федеральный бюджет"
    REGIONAL = "Региональный бюджет"
    MUNICIPAL = "Местный бюджет"
    PAID = "Платное обучение"


class StudyForm(StrEnum):
    FULL_TIME = "Очная"
    EVENING = "Очно-заочная (вечерняя)"
    EXTRAMURAL = "Заочная"


YES = "Да"
NO = "Нет"

# The official list repeats «Свидетельство о неполном среднем образовании» (A8 and A9);
# the named range spans both, so the generated list keeps the repetition.
DOCUMENT_KIND_VALUES: tuple[str, ...] = (
    DocumentKind.SECONDARY_COMPLETE_LEGACY,
    DocumentKind.SECONDARY,
    DocumentKind.SECONDARY_HONOURS,
    DocumentKind.BASIC,
    DocumentKind.BASIC_HONOURS,
    DocumentKind.GOLD_MEDAL_LEGACY,
    DocumentKind.SILVER_MEDAL_LEGACY,
    DocumentKind.INCOMPLETE_SECONDARY_LEGACY,
    DocumentKind.INCOMPLETE_SECONDARY_LEGACY,
    DocumentKind.INCOMPLETE_SECONDARY_HONOURS_LEGACY,
    DocumentKind.STUDY_CERTIFICATE_LEGACY,
    DocumentKind.SPECIAL_CLASS_LEGACY,
    DocumentKind.SPECIAL_SCHOOL_LEGACY,
    DocumentKind.STUDY_REFERENCE,
)

# ОКСМ numeric codes in the template's order (728, South Sudan, was appended at the end).
# «000» means no citizenship, «643» is Russia.
CITIZENSHIP_CODES: tuple[str, ...] = (
    "000",
    "004",
    "008",
    "010",
    "012",
    "016",
    "020",
    "024",
    "028",
    "031",
    "032",
    "036",
    "040",
    "044",
    "048",
    "050",
    "051",
    "052",
    "056",
    "060",
    "064",
    "068",
    "070",
    "072",
    "074",
    "076",
    "084",
    "086",
    "090",
    "092",
    "096",
    "100",
    "104",
    "108",
    "112",
    "116",
    "120",
    "124",
    "132",
    "136",
    "140",
    "144",
    "148",
    "152",
    "156",
    "158",
    "162",
    "166",
    "170",
    "174",
    "175",
    "178",
    "180",
    "184",
    "188",
    "191",
    "192",
    "196",
    "203",
    "204",
    "208",
    "212",
    "214",
    "218",
    "222",
    "226",
    "231",
    "232",
    "233",
    "234",
    "238",
    "239",
    "242",
    "246",
    "248",
    "250",
    "254",
    "258",
    "260",
    "262",
    "266",
    "268",
    "270",
    "275",
    "276",
    "288",
    "292",
    "296",
    "300",
    "304",
    "308",
    "312",
    "316",
    "320",
    "324",
    "328",
    "332",
    "334",
    "336",
    "340",
    "344",
    "348",
    "352",
    "356",
    "360",
    "364",
    "368",
    "372",
    "376",
    "380",
    "384",
    "388",
    "392",
    "398",
    "400",
    "404",
    "408",
    "410",
    "414",
    "417",
    "418",
    "422",
    "426",
    "428",
    "430",
    "434",
    "438",
    "440",
    "442",
    "446",
    "450",
    "454",
    "458",
    "462",
    "466",
    "470",
    "474",
    "478",
    "480",
    "484",
    "492",
    "496",
    "498",
    "499",
    "500",
    "504",
    "508",
    "512",
    "516",
    "520",
    "524",
    "528",
    "531",
    "533",
    "534",
    "535",
    "540",
    "548",
    "554",
    "558",
    "562",
    "566",
    "570",
    "574",
    "578",
    "580",
    "581",
    "583",
    "584",
    "585",
    "586",
    "591",
    "598",
    "600",
    "604",
    "608",
    "612",
    "616",
    "620",
    "624",
    "626",
    "630",
    "634",
    "638",
    "642",
    "643",
    "646",
    "652",
    "654",
    "659",
    "660",
    "662",
    "663",
    "666",
    "670",
    "674",
    "678",
    "682",
    "686",
    "688",
    "690",
    "694",
    "702",
    "703",
    "704",
    "705",
    "706",
    "710",
    "716",
    "724",
    "732",
    "729",
    "740",
    "744",
    "748",
    "752",
    "756",
    "760",
    "762",
    "764",
    "768",
    "772",
    "776",
    "780",
    "784",
    "788",
    "792",
    "795",
    "796",
    "798",
    "800",
    "804",
    "807",
    "818",
    "826",
    "831",
    "832",
    "833",
    "834",
    "840",
    "850",
    "854",
    "858",
    "860",
    "862",
    "876",
    "882",
    "887",
    "894",
    "895",
    "896",
    "897",
    "898",
    "728",
)
RUSSIA = "643"
STATELESS = "000"


@dataclass(frozen=True)
class FrdoList:
    """One drop-down list: its defined name and where it sits on the lists sheet."""

    name: str
    column: str
    first_row: int
    values: tuple[str, ...]
    caption: str | None = None

    @property
    def last_row(self) -> int:
        return self.first_row + len(self.values) - 1

    @property
    def reference(self) -> str:
        """The defined name's target, e.g. `Проверки!$M$2:$M$3`."""
        col = self.column
        return f"{LISTS_SHEET_TITLE}!${col}${self.first_row}:${col}${self.last_row}"


def _values(enum_cls: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum_cls)


KINDS_LIST = FrdoList("спВидДокумента", "A", 1, DOCUMENT_KIND_VALUES)
LEVELS_LIST = FrdoList("спУровеньОбр", "A", 16, _values(EducationLevel))
GENDER_LIST = FrdoList("Пол", "M", 2, _values(Gender), "Пол")
STATUS_LIST = FrdoList("Статус", "W", 2, _values(DocumentStatus), "Статус документа")
LOSS_LIST = FrdoList("Утрата", "Z", 2, (YES, NO), "Подтверждение утраты")
EXCHANGE_LIST = FrdoList(
    "Обмен", "AC", 2, (YES, NO), "Подтверждение обмена, уничтожения"
)
CITIZENSHIP_LIST = FrdoList("спГражданство", "AD", 2, CITIZENSHIP_CODES, "Код ОКСМ")
SETTING_LIST = FrdoList(
    "спПрекращениеОО", "AE", 2, _values(EducationSetting), "Форма получения образования"
)
FUNDING_LIST = FrdoList(
    "спИстФинан", "AF", 2, _values(FundingSource), "Источник финансирования"
)
STUDY_FORM_LIST = FrdoList("спФормаОбуч", "AG", 2, _values(StudyForm), "Форма обучения")

ALL_LISTS: tuple[FrdoList, ...] = (
    KINDS_LIST,
    LEVELS_LIST,
    GENDER_LIST,
    STATUS_LIST,
    LOSS_LIST,
    EXCHANGE_LIST,
    CITIZENSHIP_LIST,
    SETTING_LIST,
    FUNDING_LIST,
    STUDY_FORM_LIST,
)
LIST_BY_NAME: dict[str, FrdoList] = {lst.name: lst for lst in ALL_LISTS}
