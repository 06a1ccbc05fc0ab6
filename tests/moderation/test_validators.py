"""Checksum and structure validators: published vectors per country, and their near misses."""

from __future__ import annotations

import pytest

from moderation import validators as v

VALID = [
    (v.is_valid_estonian_id, "37605030299"),
    (v.is_valid_estonian_id, "49403136526"),
    (v.is_valid_finnish_hetu, "131052-308T"),
    (v.is_valid_finnish_hetu, "131052A308T".replace("A", "-")),
    (v.is_valid_swedish_personnummer, "811218-9876"),
    (v.is_valid_swedish_personnummer, "19811218-9876"),
    (v.is_valid_polish_pesel, "44051401359"),
    (v.is_valid_polish_pesel, "02070803628"),
    (v.is_valid_spanish_dni, "12345678Z"),
    (v.is_valid_spanish_dni, "12345678-z"),
    (v.is_valid_spanish_nie, "X1234567L"),
    (v.is_valid_spanish_nie, "Y-1234567-X"),
    (v.is_valid_italian_codice_fiscale, "RSSMRA85T10A562S"),
    (v.is_valid_french_nir, "255081416802538"),
    (v.is_valid_french_nir, "2 55 08 14 168 025 38"),
    (v.is_valid_german_steuer_id, "86095742719"),
    (v.is_valid_german_steuer_id, "47036892816"),
    (v.is_valid_czech_birth_number, "7103192745"),
    (v.is_valid_czech_birth_number, "710319/2745"),
    (v.is_valid_czech_birth_number, "530101/123"),
    (v.is_valid_dutch_bsn, "111222333"),
    (v.is_valid_dutch_bsn, "123456782"),
    (v.is_valid_credit_card, "4539 1488 0343 6467"),
    (v.is_valid_credit_card, "3782-822463-10005"),
    (v.is_valid_iban, "EE382200221020145685"),
    (v.is_valid_iban, "EE38 2200 2210 2014 5685"),
    (v.is_valid_iban, "GB82 WEST 1234 5698 7654 32"),
    (v.is_valid_iban, "FR1420041010050500013M02606"),
    (v.is_valid_us_ssn, "123-45-6788"),
    (v.is_valid_uk_nino, "AB 12 34 56 C"),
    (v.is_valid_uk_nino, "AB123456"),
    (v.is_valid_phone_number, "+372 5123 4567"),
    (v.is_valid_phone_number, "+1 (212) 555-1234"),
    (v.is_valid_phone_number, "+44 (0)20 7946 0958".replace("(0)", "")),
    (v.is_valid_estonian_phone, "5123 4567"),
    (v.is_valid_us_phone, "(212) 555-1234"),
    (v.is_valid_uk_mobile, "07700 900123"),
    (v.is_valid_eu_vat, "DE136695976"),
    (v.is_valid_eu_vat, "EE100931558"),
    (v.is_valid_eu_vat, "IT00743110157"),
    (v.is_valid_eu_vat, "ATU13585627"),
    (v.is_valid_eu_vat, "BE0403170701"),
    (v.is_valid_eu_vat, "NL004495445B01"),
    (v.is_valid_eu_vat, "PL5260250274"),
    (v.is_valid_eu_vat, "FI20774740"),
    (v.is_valid_eu_vat, "SE556188840401"),
    (v.is_valid_eu_vat, "FR40303265045"),
    (
        v.is_valid_jwt,
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl",
    ),
]

INVALID = [
    # bad check digit
    (v.is_valid_estonian_id, "37605030298"),
    (v.is_valid_finnish_hetu, "131052-308U"),
    (v.is_valid_swedish_personnummer, "811218-9875"),
    (v.is_valid_polish_pesel, "44051401358"),
    (v.is_valid_spanish_dni, "12345678A"),
    (v.is_valid_spanish_nie, "X1234567A"),
    (v.is_valid_italian_codice_fiscale, "RSSMRA85T10A562T"),
    (v.is_valid_french_nir, "255081416802539"),
    (v.is_valid_german_steuer_id, "86095742718"),
    (v.is_valid_czech_birth_number, "7103192746"),
    (v.is_valid_dutch_bsn, "111222334"),
    (v.is_valid_credit_card, "4539 1488 0343 6468"),
    (v.is_valid_iban, "EE38 2200 2210 2014 5686"),
    (v.is_valid_eu_vat, "DE136695977"),
    (v.is_valid_eu_vat, "EE100931559"),
    # bad date
    (v.is_valid_estonian_id, "37613030298"),  # month 13
    (v.is_valid_estonian_id, "37602300291"),  # 30 February
    (v.is_valid_finnish_hetu, "310252-308T"),  # 31 February
    (v.is_valid_polish_pesel, "44053201359"),  # 32 May
    (v.is_valid_czech_birth_number, "711332/2745"),  # month 13 after offsets
    # wrong length or shape
    (v.is_valid_estonian_id, "3760503029"),
    (v.is_valid_estonian_id, "97605030299"),  # century digit 9
    (v.is_valid_polish_pesel, "440514013590"),
    (v.is_valid_german_steuer_id, "06095742719"),  # leading zero
    (v.is_valid_german_steuer_id, "12345678903"),  # every digit once: no repeat
    (v.is_valid_czech_birth_number, "540101/123"),  # nine digits only before 1954
    (v.is_valid_credit_card, "1234 5678 9012 3452"),  # Luhn-valid, but no card network
    (v.is_valid_credit_card, "0000 0000 0000 0000"),
    (v.is_valid_iban, "EE38 2200 2210 2014 568"),  # one character short
    (v.is_valid_iban, "XX38 2200 2210 2014 5685"),  # no such country
    (v.is_valid_iban, ""),
    (v.is_valid_eu_vat, "DE12345678"),  # eight digits
    (v.is_valid_eu_vat, "XY123456789"),
    (v.is_valid_jwt, "eyJub3QganNvbg.eyJub3QganNvbg.sig"),
    (v.is_valid_jwt, "a.b"),
    # structure rules without a check digit
    (v.is_valid_us_ssn, "000-12-3456"),
    (v.is_valid_us_ssn, "666-12-3456"),
    (v.is_valid_us_ssn, "912-12-3456"),
    (v.is_valid_us_ssn, "123-00-3456"),
    (v.is_valid_us_ssn, "123-45-0000"),
    (v.is_valid_us_ssn, "078-05-1120"),  # the wallet-card SSN
    (v.is_valid_uk_nino, "BG 12 34 56 C"),
    (v.is_valid_uk_nino, "DA 12 34 56 C"),
    (v.is_valid_uk_nino, "AO 12 34 56 C"),
    (v.is_valid_uk_nino, "AB 12 34 56 E"),
    (v.is_valid_phone_number, "+999 123 4567"),  # unassigned country code
    (v.is_valid_phone_number, "+1 212 555 0123"),  # 555-01xx is for fiction
    (v.is_valid_phone_number, "+1 012 345 6789"),  # area code cannot start with 0
    (v.is_valid_phone_number, "+372 0123 4567"),
    (v.is_valid_phone_number, "372 5123 4567"),  # no plus sign
    (v.is_valid_phone_number, "+44 123"),
    (v.is_valid_estonian_phone, "4123 4567"),
    (v.is_valid_us_phone, "(212) 155-1234"),
    (v.is_valid_uk_mobile, "08700 900123"),
]


@pytest.mark.parametrize(("check", "value"), VALID, ids=lambda x: getattr(x, "__name__", x))
def test_published_values_pass_their_validator(check, value):
    assert check(value) is True


@pytest.mark.parametrize(("check", "value"), INVALID, ids=lambda x: getattr(x, "__name__", x))
def test_near_misses_fail_their_validator(check, value):
    assert check(value) is False


ALL_VALIDATORS = sorted({check for check, _ in VALID + INVALID}, key=lambda f: f.__name__)


@pytest.mark.parametrize("check", ALL_VALIDATORS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    "junk", ["", " ", "-", "abc", "１２３４５６７８９０１", "٣٧٦٠٥٠٣٠٢٩٩", "+", "//"]
)
def test_validators_return_false_on_junk_instead_of_raising(check, junk):
    assert check(junk) is False


def test_every_public_validator_is_named_is_valid_something():
    public = [name for name in dir(v) if name.startswith("is_valid_")]
    assert len(public) >= 20
    assert all(callable(getattr(v, name)) for name in public)
