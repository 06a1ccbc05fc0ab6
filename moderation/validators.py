"""Checksum and structure checks for personal-data candidates: pure functions, str -> bool.

Every `is_valid_<thing>` accepts the value as a user might type it (spaces, dashes and
slashes where the format allows them), returns False instead of raising, and never
looks at surrounding text: context is the detector's job (`moderation.pii`).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import re

from stdnum import luhn
from stdnum.us import ssn as stdnum_ssn

_SEPARATORS = re.compile(r"[\s\-/.]")

# ISO 13616 IBAN lengths by country; a country missing here has no IBAN.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
    "BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24,
    "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
    "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
    "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20,
    "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20,
    "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
    "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
    "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
    "YE": 30,
}  # fmt: skip


def _compact(value: str) -> str:
    """Separators removed, upper-cased; empty for non-ASCII, since str.isdigit() and int()
    accept other scripts' digits, which no identifier here is written in."""
    if not value.isascii():
        return ""
    return _SEPARATORS.sub("", value).upper()


def _luhn_ok(digits: str) -> bool:
    return luhn.is_valid(digits)


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


def _weighted(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False))


def _mod11_10(digits: str) -> int:
    """ISO 7064 MOD 11,10 check digit (German Steuer-ID and VAT number)."""
    product = 10
    for ch in digits:
        total = (int(ch) + product) % 10 or 10
        product = (total * 2) % 11
    check = 11 - product
    return 0 if check == 10 else check


# --- payment -------------------------------------------------------------------------


def _card_network_ok(digits: str) -> bool:
    """True when the issuer prefix belongs to a real card network for that length."""
    n, p2, p4 = len(digits), int(digits[:2]), int(digits[:4])
    if digits[0] == "4":
        return n in (13, 16, 19)
    if 51 <= p2 <= 55 or 2221 <= p4 <= 2720:
        return n == 16
    if p2 in (34, 37):
        return n == 15
    if p2 in (30, 36, 38, 39):
        return n in (14, 16)
    if p2 == 35:
        return n in (16, 19)
    if p4 == 6011 or p2 in (62, 64, 65, 67) or digits[:3] == "644":
        return 16 <= n <= 19
    if 2200 <= p4 <= 2204:  # Mir
        return 16 <= n <= 19
    if p2 in (50, 56, 57, 58, 63, 66, 68, 69):  # Maestro and other debit ranges
        return 13 <= n <= 19
    return False


def is_valid_credit_card(value: str) -> bool:
    digits = _compact(value)
    if not digits.isdigit() or not 13 <= len(digits) <= 19:
        return False
    if len(set(digits)) == 1:
        return False
    return _card_network_ok(digits) and luhn.is_valid(digits)


def is_valid_iban(value: str) -> bool:
    iban = _compact(value)
    if len(iban) < 15 or not iban.isalnum() or not iban.isascii():
        return False
    if IBAN_LENGTHS.get(iban[:2]) != len(iban) or not iban[2:4].isdigit():
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


# --- national identifiers with a check digit -----------------------------------------


def is_valid_estonian_id(value: str) -> bool:
    code = _compact(value)
    if len(code) != 11 or not code.isdigit() or code[0] not in "123456":
        return False
    century = 1800 + 100 * ((int(code[0]) - 1) // 2)
    if not _is_date(century + int(code[1:3]), int(code[3:5]), int(code[5:7])):
        return False
    check = _weighted(code, (1, 2, 3, 4, 5, 6, 7, 8, 9, 1)) % 11
    if check == 10:
        check = _weighted(code, (3, 4, 5, 6, 7, 8, 9, 1, 2, 3)) % 11
        check = 0 if check == 10 else check
    return check == int(code[10])


_HETU_CENTURY = {"+": 1800, "-": 1900, "Y": 1900, "X": 1900, "W": 1900, "V": 1900,
                 "U": 1900, "A": 2000, "B": 2000, "C": 2000, "D": 2000, "E": 2000,
                 "F": 2000}  # fmt: skip
_HETU_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"


def is_valid_finnish_hetu(value: str) -> bool:
    if not value.isascii():
        return False
    hetu = value.strip().upper()
    if len(hetu) != 11 or hetu[6] not in _HETU_CENTURY:
        return False
    body = hetu[:6] + hetu[7:10]
    if not body.isdigit() or int(hetu[7:10]) < 2:
        return False
    year = _HETU_CENTURY[hetu[6]] + int(hetu[4:6])
    if not _is_date(year, int(hetu[2:4]), int(hetu[:2])):
        return False
    return _HETU_CHECK[int(body) % 31] == hetu[10]


def is_valid_swedish_personnummer(value: str) -> bool:
    """YYMMDD-NNNC, YYMMDD+NNNC or YYYYMMDDNNNC; coordination numbers add 60 to the day."""
    if not value.isascii():
        return False
    raw = value.strip()
    digits = re.sub(r"[-+\s]", "", raw)
    if not digits.isdigit() or len(digits) not in (10, 12):
        return False
    year = 2000  # the century is unknown: a leap year accepts every 29 February
    if len(digits) == 12:
        year = int(digits[:4])
        digits = digits[2:]
    day = int(digits[4:6])
    day = day - 60 if day > 60 else day
    if not _is_date(year, int(digits[2:4]), day):
        return False
    return _luhn_ok(digits)


_PESEL_CENTURY = {0: 1900, 20: 2000, 40: 2100, 60: 2200, 80: 1800}


def is_valid_polish_pesel(value: str) -> bool:
    code = _compact(value)
    if len(code) != 11 or not code.isdigit():
        return False
    month = int(code[2:4])
    offset = (month // 20) * 20
    year = _PESEL_CENTURY[offset] + int(code[:2])
    if not _is_date(year, month - offset, int(code[4:6])):
        return False
    check = (10 - _weighted(code, (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)) % 10) % 10
    return check == int(code[10])


_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def is_valid_spanish_dni(value: str) -> bool:
    code = _compact(value)
    if len(code) != 9 or not code[:8].isdigit():
        return False
    return _DNI_LETTERS[int(code[:8]) % 23] == code[8]


def is_valid_spanish_nie(value: str) -> bool:
    code = _compact(value)
    if len(code) != 9 or code[0] not in "XYZ" or not code[1:8].isdigit():
        return False
    number = str("XYZ".index(code[0])) + code[1:8]
    return _DNI_LETTERS[int(number) % 23] == code[8]


# Values of characters in odd positions; a digit counts as the letter at the same index.
_CF_ODD_LETTERS = (1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14,
                   16, 10, 22, 25, 24, 23)  # fmt: skip
_CF_ODD = {chr(65 + i): v for i, v in enumerate(_CF_ODD_LETTERS)} | {
    str(i): _CF_ODD_LETTERS[i] for i in range(10)
}
_CF_OMOCODE = "LMNPQRSTUV"  # letters that replace digits when two codes would collide
_CF_SHAPE = re.compile(r"[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}"
                       r"[A-Z][0-9LMNPQRSTUV]{3}[A-Z]")  # fmt: skip


def is_valid_italian_codice_fiscale(value: str) -> bool:
    if not value.isascii():
        return False
    code = value.strip().upper()
    if not _CF_SHAPE.fullmatch(code):
        return False
    day = code[9:11].translate(str.maketrans(_CF_OMOCODE, "0123456789"))
    if not 1 <= int(day) % 40 <= 31:  # women have 40 added to the day
        return False
    total = 0
    for i, ch in enumerate(code[:15]):
        if i % 2 == 0:  # odd positions, counting from one
            total += _CF_ODD[ch]
        else:
            total += int(ch) if ch.isdigit() else ord(ch) - 65
    return chr(65 + total % 26) == code[15]


def is_valid_french_nir(value: str) -> bool:
    code = _compact(value)
    if len(code) != 15 or code[0] not in "12378":
        return False
    month = code[3:5]
    if not month.isdigit() or not (1 <= int(month) <= 12 or 20 <= int(month) <= 99):
        return False
    # Corsica's departments 2A and 2B are read as 19 and 18 for the key.
    number = code[:13].replace("2A", "19", 1) if code[5:7] == "2A" else code[:13]
    number = number.replace("2B", "18", 1) if code[5:7] == "2B" else number
    if not number.isdigit() or not code[13:].isdigit():
        return False
    return 97 - int(number) % 97 == int(code[13:])


def is_valid_german_steuer_id(value: str) -> bool:
    code = _compact(value)
    if len(code) != 11 or not code.isdigit() or code[0] == "0":
        return False
    body = code[:10]
    counts = sorted((body.count(d) for d in set(body)), reverse=True)
    # Exactly one digit repeats (twice, or three times but never three in a row).
    if counts[0] not in (2, 3) or (len(counts) > 1 and counts[1] > 1):
        return False
    if counts[0] == 3 and any(body[i] == body[i + 1] == body[i + 2] for i in range(8)):
        return False
    return _mod11_10(body) == int(code[10])


def is_valid_czech_birth_number(value: str) -> bool:
    code = _compact(value)
    if not code.isdigit() or len(code) not in (9, 10):
        return False
    yy, month, day = int(code[:2]), int(code[2:4]), int(code[4:6])
    for offset in (70, 50, 20, 0):  # women +50; since 2004 a spill-over series adds 20
        if month > offset:
            month -= offset
            break
    if len(code) == 9:
        # Nine-digit numbers were issued only before 1954 and carry no check digit.
        return yy < 54 and _is_date(1900 + yy, month, day)
    year = 1900 + yy if yy >= 54 else 2000 + yy
    if not _is_date(year, month, day):
        return False
    remainder = int(code[:9]) % 11
    return int(code[9]) == (0 if remainder == 10 else remainder)


def is_valid_dutch_bsn(value: str) -> bool:
    code = _compact(value)
    if not code.isdigit() or len(code) not in (8, 9):
        return False
    code = code.zfill(9)
    total = _weighted(code, (9, 8, 7, 6, 5, 4, 3, 2)) - int(code[8])
    return total > 0 and total % 11 == 0


# --- identifiers checked by structure only -------------------------------------------

# Advertised or placeholder numbers python-stdnum does not refuse.
_SSN_INVALID = {"078051120", "219099999", "123456789"}


def is_valid_us_ssn(value: str) -> bool:
    """Area 000, 666 and 900-999, group 00 and serial 0000 are never issued (python-stdnum)."""
    code = _compact(value)
    if len(code) != 9 or not code.isdigit() or code in _SSN_INVALID:
        return False
    return stdnum_ssn.is_valid(code)


_NINO_BAD_PREFIXES = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def is_valid_uk_nino(value: str) -> bool:
    if not value.isascii():
        return False
    code = re.sub(r"\s", "", value).upper()
    if len(code) not in (8, 9) or not code[2:8].isdigit():
        return False
    first, second = code[0], code[1]
    if not (first.isalpha() and second.isalpha()) or code[:2] in _NINO_BAD_PREFIXES:
        return False
    if first in "DFIQUV" or second in "DFIOQUV":
        return False
    return len(code) == 8 or code[8] in "ABCD"


# --- telephone numbers ---------------------------------------------------------------

_CC_ONE_DIGIT = {"1", "7"}


def _codes(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


_CC_TWO_DIGITS = _codes(
    "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 "
    "60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98"
)
# Three-digit codes are every code starting with one of these pairs.
_CC_THREE_DIGIT_BLOCKS = _codes("21 22 23 24 25 26 29 35 37 38 42 50 59 67 68 69 85 87 88 96 97 99")
# National significant number lengths where they are fixed or narrow; others get 6..12.
_NATIONAL_LENGTHS: dict[str, tuple[int, int]] = {
    "1": (10, 10), "7": (10, 10), "31": (9, 9), "32": (8, 9), "33": (9, 9), "34": (9, 9),
    "39": (6, 11), "41": (9, 9), "44": (9, 10), "45": (8, 8), "46": (7, 9), "47": (8, 8),
    "48": (9, 9), "49": (6, 11), "61": (9, 9), "86": (10, 11), "91": (10, 10),
    "351": (9, 9), "353": (7, 9), "358": (5, 12), "370": (8, 8), "371": (8, 8),
    "372": (7, 8), "380": (9, 9), "420": (9, 9),
}  # fmt: skip


# Spare or reserved codes inside the three-digit blocks above.
_CC_SPARE = _codes("210 214 215 217 219 259 292 293 294 295 296 384 422 424 425 426 427 428 429 "
                   "671 684 693 694 695 696 697 698 699 851 854 857 858 859 871 872 873 874 875 "
                   "876 877 878 879 884 885 887 889 890 891 892 893 894 895 896 897 898 899 969 "
                   "978 990 997 999")  # fmt: skip


def _split_country_code(digits: str) -> tuple[str, str] | None:
    if digits[:1] in _CC_ONE_DIGIT:
        return digits[:1], digits[1:]
    if digits[:2] in _CC_TWO_DIGITS:
        return digits[:2], digits[2:]
    if digits[:2] in _CC_THREE_DIGIT_BLOCKS and digits[:3] not in _CC_SPARE:
        return digits[:3], digits[3:]
    return None


def _nanp_ok(national: str) -> bool:
    """North American numbers: area and exchange start 2-9; 555-01xx is for fiction."""
    if len(national) != 10 or national[0] in "01" or national[3] in "01":
        return False
    if national[1:3] == "11" or national[4:6] == "11":
        return False
    return not (national[3:6] == "555" and national[6:8] == "01")


def _estonian_national_ok(national: str) -> bool:
    if national[:1] == "5":
        return len(national) in (7, 8)
    if national[:1] == "8":
        return len(national) == 8 or national.startswith("800")
    return national[:1] in "3467" and len(national) == 7


def is_valid_phone_number(value: str) -> bool:
    """An international number written with a leading +, grouped any common way."""
    if not value.isascii():
        return False
    text = value.strip()
    if not text.startswith("+"):
        return False
    digits = re.sub(r"[\s().\-]", "", text[1:])
    if not digits.isdigit() or not 8 <= len(digits) <= 15:
        return False
    split = _split_country_code(digits)
    if split is None:
        return False
    country, national = split
    if country == "1":
        return _nanp_ok(national)
    if country == "372":
        return _estonian_national_ok(national)
    low, high = _NATIONAL_LENGTHS.get(country, (6, 12))
    return low <= len(national) <= high and national[0] != "0"


def is_valid_estonian_phone(value: str) -> bool:
    if not value.isascii():
        return False
    digits = re.sub(r"[\s().\-]", "", value.strip())
    if digits.startswith("+372"):
        digits = digits[4:]
    return digits.isdigit() and _estonian_national_ok(digits)


def is_valid_us_phone(value: str) -> bool:
    if not value.isascii():
        return False
    digits = re.sub(r"[\s().\-]", "", value.strip())
    if digits.startswith("+1"):
        digits = digits[2:]
    return digits.isdigit() and _nanp_ok(digits)


def is_valid_uk_mobile(value: str) -> bool:
    if not value.isascii():
        return False
    digits = re.sub(r"[\s().\-]", "", value.strip())
    return digits.isdigit() and len(digits) == 11 and digits.startswith("07")


# --- EU VAT numbers ------------------------------------------------------------------

VAT_SHAPES: dict[str, str] = {
    "AT": r"U\d{8}", "BE": r"[01]\d{9}", "BG": r"\d{9,10}", "CY": r"\d{8}[A-Z]",
    "CZ": r"\d{8,10}", "DE": r"\d{9}", "DK": r"\d{8}", "EE": r"10\d{7}", "EL": r"\d{9}",
    "ES": r"[A-Z0-9]\d{7}[A-Z0-9]", "FI": r"\d{8}", "FR": r"[A-HJ-NP-Z0-9]{2}\d{9}",
    "HR": r"\d{11}", "HU": r"\d{8}", "IE": r"\d[A-Z0-9+*]\d{5}[A-Z]{1,2}", "IT": r"\d{11}",
    "LT": r"\d{9}|\d{12}", "LU": r"\d{8}", "LV": r"\d{11}", "MT": r"\d{8}",
    "NL": r"\d{9}B\d{2}", "PL": r"\d{10}", "PT": r"\d{9}", "RO": r"[1-9]\d{5,9}",
    "SE": r"\d{10}01", "SI": r"\d{8}", "SK": r"\d{10}",
}  # fmt: skip
_VAT_FULL = {cc: re.compile(shape) for cc, shape in VAT_SHAPES.items()}


def _vat_at(n: str) -> bool:
    digits = n[1:]
    total = 0
    for i, ch in enumerate(digits[:7]):
        d = int(ch) * (2 if i % 2 else 1)
        total += d // 10 + d % 10
    return (10 - (total + 4) % 10) % 10 == int(digits[7])


def _vat_fi(n: str) -> bool:
    rest = _weighted(n, (7, 9, 10, 5, 8, 4, 2)) % 11
    return rest != 1 and (0 if rest == 0 else 11 - rest) == int(n[7])


def _vat_nl(n: str) -> bool:
    if is_valid_dutch_bsn(n[:9]):
        return True
    # Numbers issued since 2020 use ISO 7064 mod 97 over the whole "NL..." string.
    as_digits = "2321" + n[:9] + "11" + n[10:]
    return int(as_digits) % 97 == 1


def _vat_pl(n: str) -> bool:
    return _weighted(n, (6, 5, 7, 2, 3, 4, 5, 6, 7)) % 11 == int(n[9])


def _vat_pt(n: str) -> bool:
    check = 11 - _weighted(n, (9, 8, 7, 6, 5, 4, 3, 2)) % 11
    return (0 if check >= 10 else check) == int(n[8])


def _vat_si(n: str) -> bool:
    check = 11 - _weighted(n, (8, 7, 6, 5, 4, 3, 2)) % 11
    return check != 11 and (0 if check == 10 else check) == int(n[7])


_VAT_CHECKS = {
    "AT": _vat_at,
    "BE": lambda n: 97 - int(n[:8]) % 97 == int(n[8:]),
    "DE": lambda n: _mod11_10(n[:8]) == int(n[8]),
    "DK": lambda n: _weighted(n, (2, 7, 6, 5, 4, 3, 2, 1)) % 11 == 0,
    "EE": lambda n: (10 - _weighted(n, (3, 7, 1, 3, 7, 1, 3, 7)) % 10) % 10 == int(n[8]),
    "FI": _vat_fi,
    "IT": _luhn_ok,
    "LU": lambda n: int(n[:6]) % 89 == int(n[6:]),
    "NL": _vat_nl,
    "PL": _vat_pl,
    "PT": _vat_pt,
    "SE": lambda n: _luhn_ok(n[:10]),
    "SI": _vat_si,
}


def is_valid_eu_vat(value: str) -> bool:
    """Country prefix + national shape; the check digit too for the countries in _VAT_CHECKS."""
    if not value.isascii():
        return False
    code = re.sub(r"[\s.\-]", "", value).upper()
    country, number = code[:2], code[2:]
    shape = _VAT_FULL.get(country)
    if shape is None or not shape.fullmatch(number):
        return False
    check = _VAT_CHECKS.get(country)
    return check is None or check(number)


# --- tokens --------------------------------------------------------------------------


def _b64url_json(segment: str) -> object:
    padded = segment + "=" * (-len(segment) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))


def is_valid_jwt(value: str) -> bool:
    """Three base64url segments whose header is a JSON object naming an algorithm."""
    if not value.isascii():
        return False
    parts = value.strip().split(".")
    if len(parts) != 3 or not all(parts[:2]):
        return False
    try:
        header, payload = _b64url_json(parts[0]), _b64url_json(parts[1])
    except (ValueError, UnicodeError, binascii.Error):
        return False
    return isinstance(header, dict) and "alg" in header and isinstance(payload, dict)
