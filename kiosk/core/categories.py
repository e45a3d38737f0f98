"""Which categories a resident may choose now, and what they are called.

The centre may push its own category list with the station config
(kiosk/core/station_config.py validates and applies it, docs/sync.md); the local
``[submission] categories`` are the fallback until it has. :func:`current_categories`
is the ONE answer to "which categories are valid now, with which names": the
touchscreen and the submission ask it (the submission once, for validation and for the
name its receipt prints, kiosk/core/submission.py), so a category the finish screen
offers is one the store accepts and the receipt names.

The applied station config lives in store meta (``station_config``); this module owns
the format of that record, so the core can read the categories without importing the
sync daemon.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field

from kiosk.core.languages import LANGUAGES

#: store meta key of the applied station config (written by kiosk.core.station_config.apply)
STATION_CONFIG_KEY = "station_config"

CENTRE, LOCAL = "centre", "local"


@dataclass(frozen=True)
class Category:
    """One category a resident can choose; names per UI language."""

    id: str
    names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        if not re.fullmatch(r"[a-z0-9_]{1,32}", self.id):
            raise ValueError(f"id: expected 1-32 of a-z, 0-9 and _, got {self.id!r}")
        if "zh-CN" not in self.names:
            raise ValueError(f"names: category {self.id!r} needs at least a \"zh-CN\" name")
        unknown = set(self.names) - set(LANGUAGES)
        if unknown:
            raise ValueError(f"names: unknown language {sorted(unknown)[0]!r} (expected one of {', '.join(LANGUAGES)})")

    def name(self, lang: str) -> str:
        """The name in *lang*, falling back to Simplified Chinese."""
        return self.names.get(lang) or self.names["zh-CN"]


def _c(id: str, zh_cn: str, zh_tw: str, en: str) -> Category:
    return Category(id, {"zh-CN": zh_cn, "zh-TW": zh_tw, "en": en})


DEFAULT_CATEGORIES = (
    _c("urban", "城乡建设", "城鄉建設", "Urban development"),
    _c("traffic", "交通出行", "交通出行", "Roads and transport"),
    _c("environment", "生态环境", "生態環境", "Environment"),
    _c("welfare", "社会保障", "社會保障", "Social security"),
    _c("education_health", "教育卫生", "教育衛生", "Education and health"),
    _c("community", "社区治理", "社區治理", "Community affairs"),
    _c("other", "其他", "其他", "Other"),
)

class CategoryListError(ValueError):
    """A category list is malformed; ``str()`` names the entry and field."""


class UnknownCategory(ValueError):
    """What someone typed is neither the id nor a shown name of a category valid now.
    ``str()`` says so and lists the valid ones; ``choices`` holds them (id → names)."""

    def __init__(self, message: str, choices: dict[str, dict[str, str]]):
        self.choices = choices
        super().__init__(message)


def _comparable(text: str) -> str:
    """A name as typed, for comparison: NFKC (full-width letters, compatibility forms),
    inner white space as one space, case folded (English names)."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


@dataclass(frozen=True)
class AppliedStationConfig:
    """The station config as stored when it was applied: its JSON text and ETag."""

    document: str
    etag: str | None
    applied_at: str | None


def encode_applied(document: str, etag: str | None, applied_at: str) -> str:
    """The store meta value that records an applied station config."""
    return json.dumps({"etag": etag, "applied_at": applied_at, "document": document}, ensure_ascii=False)


def read_applied(store) -> AppliedStationConfig | None:
    """The applied station config record, or None when the centre has not sent one yet.

    Raises ValueError (json) / KeyError when the record itself is damaged.
    """
    raw = store.get_meta(STATION_CONFIG_KEY)
    if not raw:
        return None
    rec = json.loads(raw)
    return AppliedStationConfig(document=rec["document"], etag=rec.get("etag"), applied_at=rec.get("applied_at"))


def parse_categories(entries) -> tuple[Category, ...]:
    """Validate a JSON category list (``[{"id": …, "names": {"zh-CN": …}}, …]``).

    Raises :class:`CategoryListError` naming the entry and field (``categories[2].names: …``).
    """
    if not isinstance(entries, list) or not entries:
        raise CategoryListError("categories: expected at least one category")
    cats = []
    for i, c in enumerate(entries):
        where = f"categories[{i}]."
        if not isinstance(c, dict):
            raise CategoryListError(f"categories[{i}]: expected an object")
        cid, names = c.get("id"), c.get("names")
        if not isinstance(cid, str):
            raise CategoryListError(f"{where}id: expected a string, got {cid!r:.60}")
        if not isinstance(names, dict):
            raise CategoryListError(f"{where}names: expected an object, got {names!r:.60}")
        if not all(isinstance(v, str) and v.strip() for v in names.values()):
            raise CategoryListError(f"{where}names: expected non-empty strings")
        try:
            cats.append(Category(cid, dict(names)))
        except ValueError as e:
            raise CategoryListError(f"{where}{e}") from None
    ids = [c.id for c in cats]
    if len(set(ids)) != len(ids):
        raise CategoryListError("categories: duplicate id")
    return tuple(cats)


@dataclass(frozen=True)
class Categories:
    """The categories valid now and where they come from.

    ``source`` is ``"centre"`` (the applied station config) or ``"local"`` (the config
    file). ``problem`` says why the centre's list is NOT used although one was applied
    (a damaged record): the local list is then in force, and whoever refuses a category
    says so instead of blaming the category.
    """

    items: tuple[Category, ...]
    source: str
    problem: str | None = None

    def get(self, category_id: str) -> Category | None:
        """The category with this id, or None when it is not valid now."""
        return next((c for c in self.items if c.id == category_id), None)

    def name(self, category_id: str, lang: str) -> str | None:
        """The category's name in *lang* (Simplified Chinese as the fallback), or None."""
        cat = self.get(category_id)
        return cat.name(lang) if cat is not None else None

    def find(self, text: str) -> Category:
        """The category *text* names: its id, or its shown name in any of the languages
        (zh-CN, zh-TW, en; case, width and spacing do not matter). This is the one lookup
        of a category by what a person typed (``kiosk submit --category``).

        Raises :class:`UnknownCategory` listing the valid ids and names when none
        matches, or when the name belongs to more than one category.
        """
        wanted = _comparable(text)
        by_id = self.get(wanted)  # ids are lower case ASCII (Category)
        if by_id is not None:
            return by_id
        found = [c for c in self.items if any(_comparable(n) == wanted for n in c.names.values())]
        if len(found) == 1:
            return found[0]
        choices = {c.id: dict(c.names) for c in self.items}
        listing = "; ".join(f"{c.id} ({' / '.join(dict.fromkeys(c.names.values()))})" for c in self.items)
        why = (f"{text!r} names more than one category ({', '.join(c.id for c in found)}): give the id"
               if found else f"unknown category {text!r}")
        where = "the centre's station config" if self.source == CENTRE else "the local config"
        problem = f"; {self.problem}" if self.problem else ""
        raise UnknownCategory(f"{why}; valid now, from {where}: {listing}{problem}", choices)

    def describe(self) -> str:
        """The known ids and their source, for an error message."""
        where = "the centre's station config" if self.source == CENTRE else "the local config"
        text = f"known from {where}: " + ", ".join(c.id for c in self.items)
        return text + (f"; {self.problem}" if self.problem else "")


def local_categories(cfg) -> Categories:
    """The ``[submission] categories`` of the config file."""
    return Categories(tuple(cfg.submission.categories), LOCAL)


def current_categories(store, cfg) -> Categories:
    """The categories valid now: the applied station config's, else the local config's."""
    try:
        applied = read_applied(store)
        if applied is None:
            return local_categories(cfg)
        doc = json.loads(applied.document)
        return Categories(parse_categories(doc.get("categories") if isinstance(doc, dict) else None), CENTRE)
    except (ValueError, KeyError, TypeError) as e:  # CategoryListError is a ValueError
        return Categories(tuple(cfg.submission.categories), LOCAL,
                          problem=f"the applied station config cannot be read ({e}); "
                                  "the local categories are in force")
