"""Every task queue of ЦОС, named in one place."""

MAIN = "tsos-main"
SMEV = "tsos-smev"
ALL = (MAIN, SMEV)
