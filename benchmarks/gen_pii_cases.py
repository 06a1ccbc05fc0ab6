"""Generate tests/data/moderation/pii_cases.jsonl: labelled personal-data cases.

For every entity type: valid values (check digits computed here, independently of
moderation.validators) inside realistic sentences, plus decoys that must not be found
(broken check digits, wrong lengths, documentation values). Deterministic: a fixed seed,
and the dev/test split comes from a hash of the text, so reruns give the same file.

    python benchmarks/gen_pii_cases.py [--out PATH]
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import json
import random
import string
from collections.abc import Callable
from pathlib import Path

SEED = 20240501
POSITIVES_PER_TYPE = 30
DECOYS_PER_TYPE = 15
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "moderation" / "pii_cases.jsonl"

rng = random.Random(SEED)
ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"


def pick(chars: str, n: int) -> str:
    return "".join(rng.choice(chars) for _ in range(n))


def digits(n: int) -> str:
    return pick(string.digits, n)


def mixed(chars: str, n: int) -> str:
    """A random token that holds an upper-case letter, a lower-case letter and a digit."""
    while True:
        token = pick(chars, n)
        kinds = (str.isupper, str.islower, str.isdigit)
        if all(any(kind(c) for c in token) for kind in kinds):
            return token


def birth_date(first: int = 1940, last: int = 2015) -> datetime.date:
    start = datetime.date(first, 1, 1).toordinal()
    return datetime.date.fromordinal(rng.randint(start, datetime.date(last, 12, 31).toordinal()))


def luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def luhn_ok(number: str) -> bool:
    return luhn_digit(number[:-1]) == number[-1]


def weighted(number: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(number, weights, strict=False))


def break_last(value: str, ok: Callable[[str], bool]) -> str:
    """The same value with its last digit changed so that `ok` (our own check) fails."""
    stem, last = value[:-1], value[-1]
    for replacement in rng.sample(string.digits, 10):
        candidate = stem + replacement
        if replacement != last and not ok(candidate):
            return candidate
    return stem + ("0" if last != "0" else "1")


# --- national identifiers -------------------------------------------------------------


def estonian_id() -> str:
    date = birth_date()
    first = (3 if date.year < 2000 else 5) + rng.randint(0, 1)
    body = f"{first}{date:%y%m%d}{digits(3)}"
    check = weighted(body, (1, 2, 3, 4, 5, 6, 7, 8, 9, 1)) % 11
    if check == 10:
        check = weighted(body, (3, 4, 5, 6, 7, 8, 9, 1, 2, 3)) % 11 % 10
    return body + str(check)


def estonian_id_ok(code: str) -> bool:
    if len(code) != 11 or not code.isdigit() or code[0] not in "123456":
        return False
    try:
        century = 1800 + 100 * ((int(code[0]) - 1) // 2)
        datetime.date(century + int(code[1:3]), int(code[3:5]), int(code[5:7]))
    except ValueError:
        return False
    check = weighted(code, (1, 2, 3, 4, 5, 6, 7, 8, 9, 1)) % 11
    if check == 10:
        check = weighted(code, (3, 4, 5, 6, 7, 8, 9, 1, 2, 3)) % 11 % 10
    return check == int(code[10])


def pesel() -> str:
    date = birth_date()
    month = date.month + (20 if date.year >= 2000 else 0)
    body = f"{date:%y}{month:02d}{date:%d}{digits(4)}"
    return body + str((10 - weighted(body, (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)) % 10) % 10)


def pesel_ok(code: str) -> bool:
    if len(code) != 11 or not code.isdigit():
        return False
    month = int(code[2:4])
    year = {0: 1900, 20: 2000, 40: 2100, 60: 2200, 80: 1800}[month // 20 * 20] + int(code[:2])
    try:
        datetime.date(year, month % 20, int(code[4:6]))
    except ValueError:
        return False
    return (10 - weighted(code, (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)) % 10) % 10 == int(code[10])


def iso7064_mod11_10(body: str) -> int:
    product = 10
    for ch in body:
        total = (int(ch) + product) % 10 or 10
        product = total * 2 % 11
    return (11 - product) % 10


def steuer_id() -> str:
    pool = rng.sample(string.digits, 9)
    body = [*pool, rng.choice(pool)]
    rng.shuffle(body)
    if body[0] == "0":
        return steuer_id()
    code = "".join(body)
    return code + str(iso7064_mod11_10(code))


def steuer_id_ok(code: str) -> bool:
    if len(code) != 11 or not code.isdigit() or code[0] == "0":
        return False
    counts = sorted((code[:10].count(d) for d in set(code[:10])), reverse=True)
    if counts[0] not in (2, 3) or counts[1] > 1:
        return False
    return iso7064_mod11_10(code[:10]) == int(code[10])


def hetu() -> str:
    date = birth_date()
    sign = "A" if date.year >= 2000 else rng.choice("-Y")
    serial = f"{rng.randint(2, 899):03d}"
    check = "0123456789ABCDEFHJKLMNPRSTUVWXY"[int(f"{date:%d%m%y}{serial}") % 31]
    return f"{date:%d%m%y}{sign}{serial}{check}"


def personnummer() -> str:
    date = birth_date()
    body = f"{date:%y%m%d}{digits(3)}"
    return f"{date:%y%m%d}-{body[6:]}{luhn_digit(body)}"


def dni() -> str:
    number = digits(8)
    return number + "TRWAGMYFPDXBNJZSQVHLCKE"[int(number) % 23]


def nie() -> str:
    prefix, number = rng.choice("XYZ"), digits(7)
    return prefix + number + "TRWAGMYFPDXBNJZSQVHLCKE"[int(str("XYZ".index(prefix)) + number) % 23]


_CF_ODD = (1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25,
           24, 23)  # fmt: skip


def codice_fiscale() -> str:
    date = birth_date()
    day = date.day + rng.choice((0, 40))
    letters = pick("BCDFGHLMNPRSTVZ", 3) + pick("BCDFGHLMNPRSTVZAEIOU", 3)
    month = "ABCDEHLMPRST"[date.month - 1]
    body = f"{letters}{date:%y}{month}{day:02d}{rng.choice('ABCDEFGHLM')}{digits(3)}"
    total = 0
    for i, ch in enumerate(body):
        index = int(ch) if ch.isdigit() else ord(ch) - 65
        total += _CF_ODD[index] if i % 2 == 0 else index
    return body + chr(65 + total % 26)


def nir() -> str:
    date = birth_date()
    department = rng.choice([f"{d:02d}" for d in range(1, 96) if d != 20] + ["2A", "2B"])
    body = f"{rng.choice('12')}{date:%y%m}{department}{digits(3)}{digits(3)}"
    numeric = int(body.replace("2A", "19").replace("2B", "18"))
    return f"{body}{97 - numeric % 97:02d}"


def czech_birth_number() -> str:
    date = birth_date(1954, 2015)
    month = date.month + rng.choice((0, 50))
    body = f"{date:%y}{month:02d}{date:%d}"
    while True:
        tail = digits(3)
        check = int(body + tail) % 11
        if check < 10:
            return f"{body}/{tail}{check}"


def bsn() -> str:
    while True:
        body = digits(8)
        if body[0] == "0":
            continue
        check = weighted(body, (9, 8, 7, 6, 5, 4, 3, 2)) % 11
        if check < 10:
            return body + str(check)


def ssn() -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def nino() -> str:
    first, second = rng.choice("ABCEGHJKLMNPRSTWXYZ"), rng.choice("ABCEGHJKLMNPRSTWXYZ")
    if first + second in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}:
        return nino()
    return f"{first}{second} {digits(2)} {digits(2)} {digits(2)} {rng.choice('ABCD')}"


# --- payment ---------------------------------------------------------------------------


def card() -> str:
    prefix, length = rng.choice(
        [("4", 16), ("51", 16), ("53", 16), ("55", 16), ("2221", 16), ("2720", 16),
         ("34", 15), ("37", 15), ("6011", 16), ("65", 16), ("35", 16)]
    )  # fmt: skip
    body = prefix + digits(length - len(prefix) - 1)
    number = body + luhn_digit(body)
    sep = rng.choice(["", " ", "-"])
    if length == 15:
        return sep.join((number[:4], number[4:10], number[10:]))
    return sep.join(number[i : i + 4] for i in range(0, 16, 4))


IBAN_BBAN = {  # country: (length, a function making the national part)
    "EE": (20, lambda: digits(16)),
    "DE": (22, lambda: digits(18)),
    "FI": (18, lambda: digits(14)),
    "LT": (20, lambda: digits(16)),
    "PL": (28, lambda: digits(24)),
    "ES": (24, lambda: digits(20)),
    "GB": (22, lambda: pick(string.ascii_uppercase, 4) + digits(14)),
    "NL": (18, lambda: pick(string.ascii_uppercase, 4) + digits(10)),
    "FR": (27, lambda: digits(21) + pick(string.ascii_uppercase + string.digits, 1) + digits(1)),
    "SE": (24, lambda: digits(20)),
}


def iban(country: str) -> str:
    bban = IBAN_BBAN[country][1]()
    numeric = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    compact = f"{country}{98 - int(numeric) % 97:02d}{bban}"
    if rng.random() < 0.5:
        return compact
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def iban_ok(value: str) -> bool:
    compact = value.replace(" ", "")
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


# --- phones ----------------------------------------------------------------------------


def phone_estonian() -> str:
    national = "5" + digits(rng.choice((6, 7)))
    return rng.choice([f"+372 {national[:4]} {national[4:]}", f"+372{national}",
                       f"+372 {national}"])  # fmt: skip


def phone_e164() -> str:
    kind = rng.choice(["us", "uk", "de", "fr", "fi", "se", "pl", "lv"])
    if kind == "us":
        area, exchange = rng.randint(201, 989), rng.randint(200, 999)
        while str(area)[1:] == "11" or str(exchange)[1:] == "11" or exchange == 555:
            area, exchange = rng.randint(201, 989), rng.randint(200, 999)
        return f"+1 {area} {exchange} {digits(4)}"
    return {
        "uk": lambda: f"+44 7{digits(3)} {digits(6)}",
        "de": lambda: f"+49 15{digits(1)} {digits(8)}",
        "fr": lambda: f"+33 6 {digits(2)} {digits(2)} {digits(2)} {digits(2)}",
        "fi": lambda: f"+358 40 {digits(3)} {digits(4)}",
        "se": lambda: f"+46 70 {digits(3)} {digits(2)} {digits(2)}",
        "pl": lambda: f"+48 {rng.choice('5678')}{digits(2)} {digits(3)} {digits(3)}",
        "lv": lambda: f"+371 2{digits(7)}",
    }[kind]()


def phone_national() -> str:
    kind = rng.choice(["ee", "us", "uk"])
    if kind == "ee":
        return f"5{digits(3)} {digits(4)}"
    if kind == "uk":
        return f"07{digits(3)} {digits(6)}"
    return f"({rng.randint(201, 989)}) {rng.randint(201, 989)}-{digits(4)}"


# --- credentials -----------------------------------------------------------------------


def private_key() -> str:
    kind = rng.choice(["RSA ", "EC ", "OPENSSH ", "", "DSA "])
    body = "\n".join(pick(B64, 64) for _ in range(rng.randint(3, 6)))
    return f"-----BEGIN {kind}PRIVATE KEY-----\n{body}\n-----END {kind}PRIVATE KEY-----"


def db_url() -> str:
    scheme = rng.choice(["postgres", "postgresql", "mysql", "mongodb", "redis", "mongodb+srv"])
    user = rng.choice(["app", "admin", "waldur", "svc_reports", "root"])
    host = rng.choice(["db.internal", "10.1.2.3", "pg-prod-1.cluster.local", "mongo.acme.ee"])
    return f"{scheme}://{user}:{mixed(ALNUM + '!%', rng.randint(10, 20))}@{host}:5432/main"


def jwt() -> str:
    def seg(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    header = seg({"alg": rng.choice(["HS256", "RS256"]), "typ": "JWT"})
    payload = seg({"sub": digits(6), "iat": rng.randint(1_600_000_000, 1_750_000_000)})
    return f"{header}.{payload}.{pick(URLSAFE, 43)}"


# --- EU VAT ----------------------------------------------------------------------------


def vat() -> str:
    country = rng.choice(["DE", "EE", "FI", "IT", "PL", "PT", "DK", "NL", "AT", "BE", "SE", "SI"])
    while True:
        value = _vat_candidate(country)
        if value:
            return value


def _vat_candidate(country: str) -> str | None:
    if country == "DE":
        body = str(rng.randint(1, 9)) + digits(7)
        return f"DE{body}{iso7064_mod11_10(body)}"
    if country == "EE":
        body = "10" + digits(6)
        return f"EE{body}{(10 - weighted(body, (3, 7, 1, 3, 7, 1, 3, 7)) % 10) % 10}"
    if country == "FI":
        body = digits(7)
        rest = weighted(body, (7, 9, 10, 5, 8, 4, 2)) % 11
        return None if rest == 1 else f"FI{body}{0 if rest == 0 else 11 - rest}"
    if country == "IT":
        body = digits(10)
        return f"IT{body}{luhn_digit(body)}"
    if country == "PL":
        body = digits(9)
        check = weighted(body, (6, 5, 7, 2, 3, 4, 5, 6, 7)) % 11
        return None if check == 10 else f"PL{body}{check}"
    if country == "PT":
        body = rng.choice("125") + digits(7)
        check = 11 - weighted(body, (9, 8, 7, 6, 5, 4, 3, 2)) % 11
        return f"PT{body}{0 if check >= 10 else check}"
    if country == "DK":
        body = str(rng.randint(1, 9)) + digits(7)
        return f"DK{body}" if weighted(body, (2, 7, 6, 5, 4, 3, 2, 1)) % 11 == 0 else None
    if country == "NL":
        return f"NL{bsn()}B{rng.randint(1, 99):02d}"
    if country == "AT":
        body = digits(7)
        total = sum(int(d) * (2 if i % 2 else 1) // 10 + int(d) * (2 if i % 2 else 1) % 10
                    for i, d in enumerate(body))  # fmt: skip
        return f"ATU{body}{(10 - (total + 4) % 10) % 10}"
    if country == "BE":
        body = "0" + str(rng.randint(2, 9)) + digits(6)
        return f"BE{body}{97 - int(body) % 97:02d}"
    if country == "SE":
        body = digits(9)
        return f"SE{body}{luhn_digit(body)}01"
    body = str(rng.randint(1, 9)) + digits(6)  # SI
    check = 11 - weighted(body, (8, 7, 6, 5, 4, 3, 2)) % 11
    return None if check == 11 else f"SI{body}{0 if check == 10 else check}"


# --- sentences -------------------------------------------------------------------------

KEYED_ID = {  # code: (make a valid value, sentences naming the identifier)
    "pii_estonian_id": (estonian_id, ["isikukood {v}", "My Estonian personal code is {v}.",
                                      "Isikukood: {v}, nimi Mari Maasikas"]),
    "pii_poland_pesel": (pesel, ["PESEL: {v}", "mój numer PESEL to {v}", "my PESEL is {v}"]),
    "pii_germany_steuer_id": (steuer_id, ["Steuer-ID {v}", "meine Steuer-ID lautet {v}",
                                          "German tax ID {v} for the invoice"]),
    "pii_finland_hetu": (hetu, ["henkilötunnus {v}", "my HETU is {v}", "Hetu: {v} (Matti)"]),
    "pii_sweden_personnummer": (personnummer, ["personnummer {v}", "mitt personnummer är {v}",
                                               "Swedish personal identity number: {v}"]),
    "pii_spain_dni": (dni, ["DNI {v}", "mi DNI es {v}", "NIF: {v} para la factura"]),
    "pii_spain_nie": (nie, ["NIE {v}", "mi NIE es {v}", "número de extranjero {v}"]),
    "pii_italy_codice_fiscale": (codice_fiscale, ["codice fiscale {v}",
                                                  "il mio codice fiscale è {v}", "CF: {v}"]),
    "pii_france_nir": (nir, ["numéro de sécurité sociale {v}", "NIR {v}",
                             "my French social security number is {v}"]),
    "pii_czech_birth_number": (czech_birth_number, ["rodné číslo {v}", "moje rodné číslo je {v}",
                                                    "birth number {v}"]),
    "pii_netherlands_bsn": (bsn, ["BSN {v}", "mijn burgerservicenummer is {v}", "BSN-nummer: {v}"]),
    "pii_us_ssn": (ssn, ["SSN {v}", "my social security number is {v}", "SSN: {v} (John)"]),
    "pii_uk_nino": (nino, ["National Insurance number {v}", "my NI number is {v}", "NINO: {v}"]),
}  # fmt: skip
# Types with a check digit are found without a keyword too.
UNKEYED = ["Here it is: {v}", "{v}", "Please update my record, the number is {v} thanks",
           "Hi, {v} is the one on my contract."]  # fmt: skip
NEEDS_KEYWORD = {"pii_sweden_personnummer", "pii_netherlands_bsn", "pii_us_ssn", "pii_uk_nino"}
ELEVEN_DIGITS = {"pii_estonian_id": estonian_id_ok, "pii_poland_pesel": pesel_ok,
                 "pii_germany_steuer_id": steuer_id_ok}  # fmt: skip

CREDENTIALS = {  # code: (make a value, sentences)
    "pii_private_key": (private_key, ["Our deploy fails with this key:\n{v}",
                                      "why does ssh reject this?\n{v}\nthanks", "{v}"]),
    "pii_aws_access_key": (lambda: "AKIA" + pick(string.ascii_uppercase + "234567", 16),
                           ["my access key is {v}", "AWS_ACCESS_KEY_ID={v}",
                            "aws configure: I entered {v} and it fails",
                            "using {v} in eu-north-1"]),
    "pii_aws_secret_key": (lambda: mixed(B64, 40),
                           ["aws_secret_access_key = {v}", "AWS_SECRET_ACCESS_KEY={v}",
                            "secret_key: {v}", "my aws secret key is {v}"]),
    "pii_gcp_api_key": (lambda: "AIza" + mixed(URLSAFE, 35),
                        ["GOOGLE_API_KEY={v}", "the maps key {v} stopped working",
                         "firebase config apiKey: \"{v}\""]),
    "pii_azure_key": (lambda: mixed(B64, 86) + "==",
                      ["DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={v};"
                       "EndpointSuffix=core.windows.net", "azure storage key: {v}",
                       "AZURE_STORAGE_KEY={v}"]),
    "pii_github_token": (lambda: rng.choice(["ghp_", "gho_", "ghs_"]) + mixed(ALNUM, 36),
                         ["GITHUB_TOKEN={v}", "git clone https://{v}@github.com/acme/app.git",
                          "my token {v} gets 401"]),
    "pii_gitlab_pat": (lambda: "glpat-" + mixed(ALNUM + "_-", 20),
                       ["GITLAB_TOKEN={v}", "I use {v} for the CI pipeline", "token: {v}"]),
    "pii_slack_token": (lambda: f"xoxb-{digits(11)}-{digits(12)}-{mixed(ALNUM, 24)}",
                        ["SLACK_BOT_TOKEN={v}", "the bot uses {v}", "slack token {v}"]),
    "pii_slack_webhook": (lambda: "https://hooks.slack.com/services/T"
                          f"{pick(string.ascii_uppercase + string.digits, 8)}/B"
                          f"{pick(string.ascii_uppercase + string.digits, 10)}/{mixed(ALNUM, 24)}",
                          ["webhook: {v}", "curl -X POST {v} -d '{{\"text\": \"hi\"}}'",
                           "alerts go to {v}"]),
    "pii_stripe_key": (lambda: rng.choice(["sk_live_", "rk_live_"]) + mixed(ALNUM, 24),
                       ["STRIPE_SECRET_KEY={v}", "stripe.api_key = \"{v}\"",
                        "payments fail with key {v}"]),
    "pii_sendgrid_key": (lambda: f"SG.{mixed(URLSAFE, 22)}.{mixed(URLSAFE, 43)}",
                         ["SENDGRID_API_KEY={v}", "smtp password is the key {v}",
                          "sendgrid key {v}"]),
    "pii_database_url": (db_url, ["DATABASE_URL={v}", "connect with {v}",
                                  "the dsn is {v} but it times out"]),
    "pii_password_context": (lambda: pick(string.ascii_letters, 1) + mixed(ALNUM + "!#%^&*_", 11),
                             ["password={v}", "my password is {v}", "login: mari, password: {v}",
                              "DB_PASSWORD={v}", "passwd: {v}"]),
}  # fmt: skip

PERSONAL = {  # code: (make a value, sentences)
    "pii_credit_card": (card, ["my card is {v}", "card number {v}, exp 04/27",
                               "Please charge {v} for the invoice", "{v}"]),
    "pii_iban_estonian": (lambda: iban("EE"), ["IBAN {v}", "please refund to {v}",
                                                "my bank account: {v}", "{v}"]),
    "pii_iban_general": (lambda: iban(rng.choice([c for c in IBAN_BBAN if c != "EE"])),
                         ["IBAN {v}", "please refund to {v}", "my bank account: {v}", "{v}"]),
    "pii_phone_estonian": (phone_estonian, ["call me at {v}", "my number is {v}", "{v}",
                                            "reach me on {v} after 5pm"]),
    "pii_phone_e164": (phone_e164, ["call me at {v}", "my number is {v}", "{v}",
                                    "WhatsApp: {v}"]),
    "pii_phone_national": (phone_national, ["my phone is {v}", "call me at {v}", "mobile: {v}",
                                            "tel. {v}"]),
    "pii_email": (lambda: f"{rng.choice(['mari', 'john.smith', 'k.tamm', 'ops-team', 'a.ivanova'])}"
                  f"{rng.randint(1, 99)}@"
                  f"{rng.choice(['gmail.com', 'outlook.com', 'acme.ee', 'ut.ee', 'web.de'])}",
                  ["mail me at {v}", "my email is {v}", "contact {v} for access", "{v}"]),
    "pii_jwt": (jwt, ["token: {v}", "Authorization: Bearer {v}", "{v}",
                      "the JWT {v} expires too early"]),
    "pii_bearer_token": (lambda: mixed(ALNUM, rng.randint(32, 48)),
                         ["Authorization: Bearer {v}",
                          "curl -H 'Authorization: Bearer {v}' https://acme.ee/v1/orders",
                          "header is Bearer {v}"]),
    "pii_generic_api_key": (lambda: mixed(ALNUM, 32),
                            ["api_key={v}", "x-api-key: {v}", "APIKEY = '{v}'",
                             "headers = {{'X-API-Key': '{v}'}}"]),
    "pii_eu_vat": (vat, ["VAT {v}", "our VAT number is {v}", "KMKR {v}", "USt-IdNr. {v}"]),
}  # fmt: skip


# --- decoys: values that must not be found ---------------------------------------------


def _other_letter(value: str, alphabet: str) -> str:
    return value[:-1] + rng.choice([c for c in alphabet if c != value[-1]])


BROKEN_ID: dict[str, Callable[[], str]] = {
    "pii_estonian_id": lambda: break_last(estonian_id(), estonian_id_ok),
    "pii_poland_pesel": lambda: break_last(pesel(), pesel_ok),
    "pii_germany_steuer_id": lambda: break_last(steuer_id(), steuer_id_ok),
    "pii_finland_hetu": lambda: _other_letter(hetu(), "0123456789ABCDEFHJKLMNPRSTUVWXY"),
    "pii_sweden_personnummer": lambda: break_last(personnummer(), lambda s: luhn_ok(s[:6] + s[7:])),
    "pii_spain_dni": lambda: _other_letter(dni(), "TRWAGMYFPDXBNJZSQVHLCKE"),
    "pii_spain_nie": lambda: _other_letter(nie(), "TRWAGMYFPDXBNJZSQVHLCKE"),
    "pii_italy_codice_fiscale": lambda: _other_letter(codice_fiscale(), string.ascii_uppercase),
    "pii_france_nir": lambda: (lambda v: f"{v[:13]}{int(v[13:]) % 96 + 1:02d}")(nir()),
    "pii_czech_birth_number": lambda: (lambda v: v[:-1] + str((int(v[-1]) + 1) % 10))(
        czech_birth_number()
    ),
    "pii_netherlands_bsn": lambda: (lambda v: v[:-1] + str((int(v[-1]) + 3) % 10))(bsn()),
    "pii_us_ssn": lambda: rng.choice([f"000-{digits(2)}-{digits(4)}", f"666-12-{digits(4)}",
                                      f"9{digits(2)}-12-{digits(4)}", f"123-00-{digits(4)}",
                                      f"{rng.randint(100, 665)}-45-0000"]),
    "pii_uk_nino": lambda: rng.choice([f"QQ {digits(2)} {digits(2)} {digits(2)} C",
                                       f"BG {digits(2)} {digits(2)} {digits(2)} A",
                                       f"DA {digits(2)} {digits(2)} {digits(2)} B",
                                       f"AB {digits(2)} {digits(2)} {digits(2)} E"]),
}  # fmt: skip

WRONG_LENGTH = {
    "pii_estonian_id": lambda: estonian_id()[:-1],
    "pii_poland_pesel": lambda: pesel() + str(rng.randint(0, 9)),
    "pii_germany_steuer_id": lambda: steuer_id()[:10],
    "pii_credit_card": lambda: card().replace(" ", "").replace("-", "")[:-2],
    "pii_netherlands_bsn": lambda: bsn()[:7],
}

# A neutral sentence that names no identifier, for values that need a keyword.
NO_KEYWORD = ["invoice {v} was paid yesterday", "order {v} shipped", "ticket {v} is closed"]

DOC_DECOYS: dict[str, list[str]] = {
    "pii_credit_card": ["test card 4111 1111 1111 1111 works in the sandbox",
                        "Use 4242 4242 4242 4242 with any future date.",
                        "card number 5555 5555 5555 4444 from the Stripe docs",
                        "Luhn check fails for 4539 1488 0343 6468, right?"],
    "pii_iban_estonian": ["example IBAN format: EE38 2200 2210 2014 5685",
                          "The IBAN for Estonia looks like EE00 0000 0000 0000 0000."],
    "pii_iban_general": ["example IBAN format: DE89 3704 0044 0532 0130 00",
                         "GB82 WEST 1234 5698 7654 32 is the sample IBAN in the docs"],
    "pii_email": ["write to jane.doe@example.com", "user@test.com is rejected",
                  "mails come from noreply@acme.ee", "git@github.com:acme/app.git",
                  "the icon is logo@2x.png", "root@localhost cannot log in",
                  "e.g. someone@example.org"],
    "pii_aws_access_key": ["AKIAIOSFODNN7EXAMPLE is in the docs", "key AKIAXXXXXXXXXXXXXXXX",
                           "aws_access_key_id = AKIAIOSFODNN7EXAMPLE"],
    "pii_aws_secret_key": ["aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                           "secret_key = 3f786850e387550fdab836ed7e6dc881de23001b"],
    "pii_stripe_key": ["For example, the docs use sk_test_4eC39HqLyjWDarjtT1zdp7dc",
                       "pk_live_51H8aXbC2eZvKYlo2C0123456789abcdef is publishable"],
    "pii_jwt": ["eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6Ikpv"
                "aG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
                "token eyJhbGciOiJIUzI1NiJ9.eyJub3QganNvbg.c2lnbmF0dXJl is broken"],
    "pii_slack_webhook": ["https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
                          "see https://api.slack.com/messaging/webhooks for setup"],
    "pii_slack_token": ["SLACK_BOT_TOKEN=xoxb-your-token-here",
                        "xoxb-not-a-real-token-this-will-not-work"],
    "pii_github_token": ["GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                         "tokens start with ghp_ and are 40 characters long"],
    "pii_gitlab_pat": ["GITLAB_TOKEN=glpat-xxxxxxxxxxxxxxxxxxxx", "a glpat- prefix marks a PAT"],
    "pii_database_url": ["DATABASE_URL=postgres://user:password@localhost:5432/db",
                         "postgres://app@db.internal/main", "mysql://root:${DB_PASSWORD}@db/main",
                         "redis://localhost:6379/0", "postgres://user:****@host/db"],
    "pii_password_context": ["password=********", "password: <your password>",
                             "password = os.environ['DB_PASSWORD']", "password: required",
                             "Password must be at least 12 characters", "password=${DB_PASSWORD}",
                             "PASSWORD_MIN_LENGTH = 12", "pwd: /home/mari/project"],
    "pii_private_key": ["-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n"
                        "-----END PUBLIC KEY-----",
                        "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIE\n",
                        "is it safe to paste the RSA PRIVATE KEY line here?"],
    "pii_bearer_token": ["Authorization: Bearer <token>", "Bearer YOUR_ACCESS_TOKEN",
                         "Authorization: Bearer ${TOKEN}", "the bearer of this letter"],
    "pii_generic_api_key": ["api_key=YOUR_API_KEY_HERE", "api_key = settings.OPENAI_API_KEY",
                            "x-api-key: ${API_KEY}", "api_key=<api-key>"],
    "pii_gcp_api_key": ["GOOGLE_API_KEY=AIzaSyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
                        "keys start with AIza"],
    "pii_sendgrid_key": [f"SENDGRID_API_KEY=SG.{'x' * 22}.{'x' * 43}"],
    "pii_azure_key": [f"checksum {mixed(B64, 86)}== of the upload"],
}  # fmt: skip

GENERAL_DECOYS = [
    "commit 3f786850e387550fdab836ed7e6dc881de23001b broke the build",
    "request id 123e4567-e89b-12d3-a456-426614174000", "forget my last message, order 55910234",
    "the order number is 5591", "deployed at 2024-05-01T10:45:12+02:00", "version 4.12.3 is out",
    "server 192.168.10.254 port 8080", "timestamp 1714553112", "it costs 1 234 567 EUR per year",
    "run 20240501-104512 failed", "see ticket #4821734 and PR 10293", "epoch ms 1714553112123",
    "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "uuid 550e8400-e29b-41d4-a716-446655440000 and 6ba7b810-9dad-11d1-80b4-00c04fd430c8",
    "mac 00:1A:2B:3C:4D:5E", "ipv6 2001:0db8:85a3:0000:0000:8a2e:0370:7334",
    "Most recent call last: order_id=55910234", "build 1.2.3+20240501",
    "ISBN 978-3-16-148410-0", "The invoice total was 12345.67",
]  # fmt: skip


# --- assembling ------------------------------------------------------------------------


def _unambiguous(code: str, value: str) -> bool:
    """False when an eleven-digit value also passes another country's check: without a
    keyword nobody could say which one it is, so such a case would carry a wrong label."""
    return not any(ok(value) for other, ok in ELEVEN_DIGITS.items() if other != code)


def _id_positive(code: str, make: Callable[[], str], sentences: list[str], i: int) -> str:
    keyed = code in NEEDS_KEYWORD or i % 3 != 2
    pool = sentences if keyed else UNKEYED
    value = make()
    while not keyed and code in ELEVEN_DIGITS and not _unambiguous(code, value):
        value = make()
    if code == "pii_france_nir" and i % 2:
        value = " ".join((value[0], value[1:3], value[3:5], value[5:7], value[7:10],
                          value[10:13], value[13:]))  # fmt: skip
    return pool[i % len(pool)].format(v=value)


def _id_decoy(code: str, sentences: list[str], i: int) -> str:
    if code in NEEDS_KEYWORD and i % 3 == 0:
        make = KEYED_ID[code][0]
        return NO_KEYWORD[i % len(NO_KEYWORD)].format(v=make())
    if code in WRONG_LENGTH and i % 4 == 1:
        return sentences[i % len(sentences)].format(v=WRONG_LENGTH[code]())
    while True:
        value = BROKEN_ID[code]()
        if code not in ELEVEN_DIGITS or _unambiguous(code, value):
            return sentences[i % len(sentences)].format(v=value)


def _broken_personal(code: str) -> str:
    if code == "pii_credit_card":
        value = card()
        compact = value.replace(" ", "").replace("-", "")
        return value[:-1] + break_last(compact, luhn_ok)[-1]
    if code.startswith("pii_iban"):
        value = iban("EE" if code == "pii_iban_estonian" else "DE")
        at = max(i for i, ch in enumerate(value[:-1]) if ch.isdigit())
        return value[:at] + str((int(value[at]) + 1) % 10) + value[at + 1 :]
    if code == "pii_phone_estonian":
        return rng.choice([f"+372 {digits(4)}", f"+372 0{digits(3)} {digits(4)}",
                           f"+372 9{digits(3)} {digits(4)}"])  # fmt: skip
    if code == "pii_phone_e164":
        return rng.choice([f"+1 212 555 01{digits(2)}", f"+999 {digits(3)} {digits(4)}",
                           f"+44 {digits(3)}", f"+1 012 345 {digits(4)}"])  # fmt: skip
    if code == "pii_phone_national":
        return rng.choice([f"4{digits(3)} {digits(4)}", f"(212) 155-{digits(4)}",
                           f"(012) 345-{digits(4)}", f"08{digits(3)} {digits(6)}"])  # fmt: skip
    if code == "pii_eu_vat":
        return rng.choice([f"DE{digits(8)}", f"EE{digits(10)}", f"FI{digits(9)}",
                           _broken_vat()])  # fmt: skip
    return ""


def _broken_vat() -> str:
    value = _vat_candidate("DE") or "DE000000000"
    return value[:-1] + str((int(value[-1]) + 1) % 10)


def cases_for(code: str) -> list[tuple[str, list[str], str]]:
    rows: list[tuple[str, list[str], str]] = []
    if code in KEYED_ID:
        make, sentences = KEYED_ID[code]
        rows += [(_id_positive(code, make, sentences, i), [code], "positive")
                 for i in range(POSITIVES_PER_TYPE)]  # fmt: skip
        rows += [(_id_decoy(code, sentences, i), [], "decoy") for i in range(DECOYS_PER_TYPE)]
        return rows
    make, sentences = {**CREDENTIALS, **PERSONAL}[code]
    rows += [(sentences[i % len(sentences)].format(v=make()), [code], "positive")
             for i in range(POSITIVES_PER_TYPE)]  # fmt: skip
    docs = DOC_DECOYS.get(code, [])
    rows += [(text, [], "decoy") for text in docs]
    for i in range(max(0, DECOYS_PER_TYPE - len(docs))):
        broken = _broken_personal(code)
        if broken:
            rows.append((sentences[i % len(sentences)].format(v=broken), [], "decoy"))
        elif code in CREDENTIALS:
            # the credential's sentence with a value far too short to be a key
            rows.append((sentences[i % len(sentences)].format(v=make()[:6]), [], "decoy"))
    return rows


def split_of(text: str) -> str:
    return "test" if hashlib.sha256(text.encode()).digest()[0] % 2 else "dev"


def build() -> list[dict]:
    codes = [*KEYED_ID, *CREDENTIALS, *PERSONAL]
    raw = [row for code in codes for row in cases_for(code)]
    raw += [(text, [], "decoy") for text in GENERAL_DECOYS]
    seen: set[str] = set()
    out = []
    for text, types, kind in raw:
        if text in seen:
            continue
        seen.add(text)
        out.append({"text": text, "entity_types": types, "split": split_of(text), "kind": kind})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    rows = build()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} cases to {args.out}")


if __name__ == "__main__":
    main()
