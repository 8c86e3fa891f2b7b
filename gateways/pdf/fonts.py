"""The blank's font: Liberation Serif (metric-compatible with Times New Roman), embedded.

The font files come from the Debian package `fonts-liberation`; fontconfig tells where
they are on this machine. Text widths are measured from the same file, so the line breaks
we compute are the ones WeasyPrint draws.
"""

import functools
import subprocess
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from fontTools.ttLib import TTFont

FONT_FAMILY = "Liberation Serif"


class FontNotInstalled(RuntimeError):
    def __init__(self, family: str, found: str) -> None:
        super().__init__(
            f"Шрифт «{family}» не установлен (fontconfig предлагает «{found}»): "
            "установите пакет fonts-liberation."
        )


@dataclass(frozen=True)
class FontFiles:
    regular: Path
    bold: Path


def _fc_match(pattern: str) -> tuple[str, Path]:
    try:
        result = subprocess.run(
            ["fc-match", "-f", "%{family}\n%{file}", pattern],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise FontNotInstalled(pattern, "fontconfig недоступен") from error
    family, _, file = result.stdout.partition("\n")
    return family, Path(file.strip())


@functools.cache
def font_files(family: str = FONT_FAMILY) -> FontFiles:
    """Regular and bold files of the family; refuses a fontconfig substitute."""
    paths = []
    for style in ("regular", "bold"):
        found_family, path = _fc_match(f"{family}:style={style.title()}")
        # fc-match always answers; a different family means the font is missing.
        if family not in found_family.split(",") or not path.is_file():
            raise FontNotInstalled(family, found_family)
        paths.append(path)
    return FontFiles(regular=paths[0], bold=paths[1])


def font_face_css(family: str = FONT_FAMILY) -> str:
    """@font-face rules pointing at the font files, so WeasyPrint embeds exactly them."""
    files = font_files(family)
    return (
        f"@font-face {{ font-family: '{family}'; font-weight: normal; "
        f"src: url('{files.regular.as_uri()}'); }}\n"
        f"@font-face {{ font-family: '{family}'; font-weight: bold; "
        f"src: url('{files.bold.as_uri()}'); }}\n"
    )


class FontMetrics:
    """Advance widths of one font file, for measuring text before layout."""

    def __init__(self, path: Path) -> None:
        font = TTFont(path, lazy=True)
        self._units_per_em = Decimal(font["head"].unitsPerEm)
        cmap = font.getBestCmap()
        metrics = font["hmtx"].metrics
        self._advance = {code: metrics[glyph][0] for code, glyph in cmap.items()}
        self._fallback = metrics[".notdef"][0]
        font.close()

    def width_pt(self, text: str, size_pt: Decimal) -> Decimal:
        # Kerning is ignored: it only narrows text, so the measure errs on the safe side.
        units = sum(self._advance.get(ord(char), self._fallback) for char in text)
        return Decimal(units) * size_pt / self._units_per_em


@functools.cache
def regular_metrics(family: str = FONT_FAMILY) -> FontMetrics:
    return FontMetrics(font_files(family).regular)
