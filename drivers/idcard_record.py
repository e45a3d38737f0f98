"""The record of a resident ID card (居民身份证) and the rules its text must meet.

A reader's answer to "read base information" carries the card's machine-readable text:
256 bytes of UCS-2 little-endian in fixed fields, padded with spaces (the card's text-file
table, see docs/idcard.md): name 30, sex 2, nation 4, birth date 16, address 70, ID number
36, issuing authority 30, validity start 16, validity end 16, 36 reserved. :func:`parse_text`
turns them into an :class:`IdCard` after checking them; :func:`encode_text` is its inverse,
for the fake reader.

The ID number (公民身份号码, GB 11643) is 17 digits and a check character, ISO 7064 MOD 11-2
(:func:`check_character`). A card whose number fails it, or whose birth date or sex does not
match its number, is :class:`IdNumberInvalid`: a misread or not a genuine card. An
:class:`IdCard` never shows its full number: ``repr``/``str`` give only :meth:`IdCard.masked_id`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from drivers.idcard_frames import IdCardError

TEXT_LENGTH = 256
PHOTO_LENGTH = 1024
# (field, bytes), in the order of the card's text file; each is UCS-2, 2 bytes a character.
LAYOUT = (("name", 30), ("sex", 2), ("nation", 4), ("birth_date", 16), ("address", 70),
          ("id_number", 36), ("authority", 30), ("valid_from", 16), ("valid_until", 16),
          ("reserved", 36))
# Other cards the same readers read put a type letter here ("I" on the foreigner's permanent
# residence card, whose fields differ); a resident ID card leaves it blank.
TYPE_OFFSET = 248
LONG_TERM = "长期"          # validity end of a card without end
SEXES = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}   # GB/T 2261.1 codes
# GB/T 3304 codes 01–56 in order, as the card prints them (without 族); 97 其他, 98 外国血统.
_NATIONS = ("汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 "
            "拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 "
            "乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺").split()
NATIONS = {f"{i:02d}": name for i, name in enumerate(_NATIONS, 1)} | {"97": "其他", "98": "外国血统中国籍人士"}

# ISO 7064 MOD 11-2 as GB 11643 applies it: weight of position i (from the left) is
# 2^(17-i) mod 11; the check character of a weighted sum s is CHECK_CHARACTERS[s % 11].
WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
CHECK_CHARACTERS = "10X98765432"


class IdCardInvalid(IdCardError):
    """The card's text is not that of a valid resident ID card (a misread, or not genuine)."""


class IdNumberInvalid(IdCardInvalid):
    """The ID number is not 17 digits and a matching check character, or does not match
    the card's birth date or sex. The message never contains the number."""


class IdCardUnsupported(IdCardInvalid):
    """A card of another kind (e.g. a foreigner's permanent residence card)."""


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the 17 digits *first17* ("0"–"9" or "X")."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise IdNumberInvalid("an ID number starts with 17 digits")
    return CHECK_CHARACTERS[sum(int(c) * w for c, w in zip(first17, WEIGHTS)) % 11]


def validate_id_number(number: str) -> str:
    """*number* in its canonical form (a final "x" upper-cased) if it is a valid 18-character
    ID number; else raises :class:`IdNumberInvalid` (whose message does not hold it)."""
    number = number.strip().upper()
    if len(number) != 18:
        raise IdNumberInvalid(f"an ID number has 18 characters, this one {len(number)}")
    if check_character(number[:17]) != number[17]:
        raise IdNumberInvalid("the ID number fails its check character (ISO 7064 MOD 11-2): "
                              "the card was misread or is not genuine")
    _date(number[6:14], "the birth date in the ID number", IdNumberInvalid)
    return number


def mask_id_number(number: str) -> str:
    """Only the last 4 characters of *number*, the rest as ``*``: "**************1234"."""
    return "*" * max(0, len(number) - 4) + number[-4:]


def _date(text: str, what: str, error: type[IdCardInvalid] = IdCardInvalid) -> dt.date:
    try:
        if len(text) != 8 or not text.isdigit():
            raise ValueError
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise error(f"{what} is not a date (YYYYMMDD)") from None


@dataclass(frozen=True, repr=False)
class IdCard:
    """What a resident ID card says. Dates are :class:`datetime.date`; *valid_until* None
    means 长期 (no end). ``repr``/``str`` show only the masked number, never a name."""

    name: str
    sex: str                   # GB/T 2261.1: "1" male, "2" female (see SEXES)
    nation: str                # GB/T 3304: "01" 汉 … (see NATIONS)
    birth_date: dt.date
    address: str
    id_number: str
    authority: str
    valid_from: dt.date
    valid_until: dt.date | None

    def __post_init__(self):
        object.__setattr__(self, "id_number", validate_id_number(self.id_number))
        if self.birth_date.strftime("%Y%m%d") != self.id_number[6:14]:
            raise IdNumberInvalid("the card's birth date differs from the one in its ID number")
        parity = int(self.id_number[16]) % 2   # odd: male, even: female (GB 11643)
        if self.sex in ("1", "2") and (parity == 1) != (self.sex == "1"):
            raise IdNumberInvalid("the card's sex differs from the one its ID number encodes")

    def masked_id(self) -> str:
        """The ID number with all but its last 4 characters hidden: "**************1234"."""
        return mask_id_number(self.id_number)

    @property
    def sex_name(self) -> str:
        """男 / 女 (or the code's other GB/T 2261.1 names)."""
        return SEXES.get(self.sex, self.sex)

    @property
    def nation_name(self) -> str:
        """The nation's name as the card prints it ("汉"); the code when unknown."""
        return NATIONS.get(self.nation, self.nation)

    def expired(self, today: dt.date) -> bool:
        """True after the card's last valid day (never for 长期)."""
        return self.valid_until is not None and today > self.valid_until

    def __repr__(self) -> str:
        return f"IdCard({self.masked_id()})"

    __str__ = __repr__


def _fields(text: bytes) -> dict[str, str]:
    chars = text.decode("utf-16-le", errors="replace")
    out, at = {}, 0
    for name, size in LAYOUT:
        out[name] = chars[at:at + size // 2].rstrip(" \x00")
        at += size // 2
    return out


def parse_text(text: bytes) -> IdCard:
    """The :class:`IdCard` of a card's 256-byte text; raises :class:`IdCardInvalid` (or a
    subclass) naming the field that is wrong, never its value."""
    if len(text) != TEXT_LENGTH:
        raise IdCardInvalid(f"the card's text has {len(text)} bytes, not {TEXT_LENGTH}")
    kind = text[TYPE_OFFSET:TYPE_OFFSET + 2].decode("utf-16-le", errors="replace")
    if kind not in (" ", "\x00"):
        raise IdCardUnsupported(f"not a resident ID card (card type {kind!r}); only 居民身份证 are read")
    f = _fields(text)
    if not f["name"]:
        raise IdCardInvalid("the card's name is empty")
    if f["sex"] not in SEXES:
        raise IdCardInvalid("the card's sex is not a GB/T 2261.1 code")
    if not (len(f["nation"]) == 2 and f["nation"].isdigit()):
        raise IdCardInvalid("the card's nation is not a two-digit GB/T 3304 code")
    until = None if f["valid_until"] == LONG_TERM else _date(f["valid_until"], "the validity end")
    start = _date(f["valid_from"], "the validity start")
    if until is not None and until < start:
        raise IdCardInvalid("the card's validity ends before it starts")
    return IdCard(name=f["name"], sex=f["sex"], nation=f["nation"],
                  birth_date=_date(f["birth_date"], "the birth date"), address=f["address"],
                  id_number=f["id_number"], authority=f["authority"], valid_from=start, valid_until=until)


def encode_text(card: IdCard) -> bytes:
    """The 256 bytes of text a card holding *card* answers with (the inverse of :func:`parse_text`)."""
    values = {"name": card.name, "sex": card.sex, "nation": card.nation,
              "birth_date": card.birth_date.strftime("%Y%m%d"), "address": card.address,
              "id_number": card.id_number, "authority": card.authority,
              "valid_from": card.valid_from.strftime("%Y%m%d"),
              "valid_until": card.valid_until.strftime("%Y%m%d") if card.valid_until else LONG_TERM,
              "reserved": ""}
    out = bytearray()
    for name, size in LAYOUT:
        raw = values[name].encode("utf-16-le")
        if len(raw) > size:
            raise IdCardInvalid(f"the card's {name} does not fit its {size} bytes")
        out += raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2)
    return bytes(out)


__all__ = [
    "TEXT_LENGTH", "PHOTO_LENGTH", "LAYOUT", "TYPE_OFFSET", "LONG_TERM", "SEXES", "NATIONS",
    "WEIGHTS", "CHECK_CHARACTERS", "IdCardInvalid", "IdNumberInvalid", "IdCardUnsupported",
    "check_character", "validate_id_number", "mask_id_number", "IdCard", "parse_text", "encode_text",
]
