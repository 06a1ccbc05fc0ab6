"""The personal-data catalogue: entity types (code, display name, tier, weights) and words.

Kept apart from `moderation.pii` so the tables can be read and reviewed without the
scanning code; codes are stable identifiers stored with messages, so never rename one.
"""

from __future__ import annotations

from dataclasses import dataclass

from moderation.types import Action

# Minimum confidence per tier; a candidate below its tier's threshold is dropped.
THRESHOLDS: dict[Action, float] = {Action.BLOCK: 0.70, Action.REDACT: 0.60, Action.WARN: 0.50}

CHECK_BONUS = 0.15  # a checksum or structure validator passed
BOOST_BONUS = 0.15  # a boost word for the type is nearby
SUPPRESS_PENALTY = 0.25  # a documentation word is nearby
STRONG_SUPPRESS_PENALTY = 0.10  # ... next to a strong credential shape, which docs rarely hold
# Characters before a match searched for boost and suppress words; after it, half as far
# (labels come first, "IBAN: ...", and a long look ahead mostly reads the next sentence).
CONTEXT_WINDOW = 100
KEYWORD_WINDOW = 50  # the same, for the keyword a type without a check digit needs

# Words that mark a value as an illustration rather than someone's data.
SUPPRESS_WORDS: tuple[str, ...] = (
    "example", "examples", "sample", "samples", "format", "formatted like", "template",
    "test", "testing", "tests", "demo", "dummy", "fake", "placeholder", "e.g.", "eg.",
    "for instance", "such as", "looks like", "look like", "what is", "how to", "how do",
    "documentation", "docs", "mock", "fictional", "lorem ipsum", "invalid", "not valid",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class EntityType:
    """One kind of personal data or secret; `tier` is what a confident finding asks for."""

    code: str
    display_name: str
    tier: Action
    base: float  # starting confidence before validators and context words
    boost: tuple[str, ...] = ()  # lower-case words that make the reading more likely
    needs_keyword: bool = False  # no check digit: only a boost word nearby tells it apart

    @property
    def strong(self) -> bool:
        """Strong credential shapes lose less to documentation words (see SUPPRESS_PENALTY)."""
        return self.tier is Action.BLOCK and self.base >= 0.85


_CARD_WORDS = ("card", "credit card", "debit card", "card number", "card no", "visa",
               "mastercard", "amex", "american express", "cvv", "cvc", "expiry", "kaart",
               "kaardi", "pay", "payment", "charge", "charged")  # fmt: skip
_IBAN_WORDS = ("iban", "bank account", "account number", "account no", "bank", "konto",
               "arveldusarve", "pangakonto", "transfer", "wire", "bic", "swift", "refund",
               "tilinumero", "kontonummer", "rachunek")  # fmt: skip
# "call" alone is not here: "most recent call last" heads every Python traceback.
_PHONE_WORDS = ("phone", "tel", "tel.", "telephone", "mobile", "cell", "cellphone", "call me",
                "call us", "call at", "reach me", "text me", "sms", "whatsapp", "telefon",
                "telefoni", "telefoninumber", "mobiil", "helista", "contact", "puhelin",
                "telefonu")  # fmt: skip
_SSN_WORDS = ("ssn", "social security", "social-security", "ss#", "ss no", "ssn#",
              "social security number", "my social", "social sec", "soc sec", "ssn no",
              "social")  # fmt: skip
_TAX_WORDS = ("tax id", "tax number", "tax identification", "taxpayer")


def _t(
    code: str,
    name: str,
    tier: Action,
    base: float,
    boost: tuple[str, ...] = (),
    needs_keyword: bool = False,
) -> EntityType:
    return EntityType(code, name, tier, base, boost, needs_keyword)


B, R, W = Action.BLOCK, Action.REDACT, Action.WARN

_TYPES: tuple[EntityType, ...] = (
    # Block tier: credentials. Whole-message replacement, so their spans matter less.
    _t("pii_private_key", "Private key", B, 0.95, ("key", "ssh", "pem", "id_rsa")),
    _t("pii_aws_access_key", "AWS access key", B, 0.90, ("aws", "amazon", "iam", "access key")),
    _t("pii_aws_secret_key", "AWS secret key", B, 0.90, ("aws", "secret", "amazon")),
    _t("pii_gcp_api_key", "Google Cloud API key", B, 0.90, ("google", "gcp", "firebase", "key")),
    _t("pii_azure_key", "Azure key", B, 0.85,
       ("azure", "accountkey", "account key", "account_key", "storage", "subscription key",
        "sharedaccesskey", "primary key", "secondary key"), needs_keyword=True),
    _t("pii_github_token", "GitHub token", B, 0.90, ("github", "token", "pat")),
    _t("pii_openai_key", "OpenAI API key", B, 0.90, ("openai", "key", "api")),
    _t("pii_anthropic_key", "Anthropic API key", B, 0.90, ("anthropic", "claude", "key")),
    _t("pii_npm_token", "npm token", B, 0.90, ("npm", "token", "registry")),
    _t("pii_pypi_token", "PyPI token", B, 0.90, ("pypi", "twine", "token")),
    _t("pii_gitlab_pat", "GitLab token", B, 0.90, ("gitlab", "token")),
    _t("pii_slack_token", "Slack token", B, 0.90, ("slack", "token", "bot")),
    _t("pii_slack_webhook", "Slack webhook URL", B, 0.90, ("slack", "webhook")),
    _t("pii_stripe_key", "Stripe secret key", B, 0.90, ("stripe", "secret", "key")),
    _t("pii_sendgrid_key", "SendGrid API key", B, 0.90, ("sendgrid", "key", "smtp")),
    _t("pii_database_url", "Database URL with password", B, 0.90,
       ("database", "db", "connection", "dsn", "postgres", "mysql", "mongo")),
    _t("pii_password_context", "Password", B, 0.75,
       ("login", "log in", "username", "user", "account", "credentials", "ssh", "database")),
    # Redact tier: personal data.
    _t("pii_credit_card", "Credit card number", R, 0.50, _CARD_WORDS),
    _t("pii_iban_estonian", "IBAN", R, 0.50, _IBAN_WORDS),
    _t("pii_iban_general", "IBAN", R, 0.50, _IBAN_WORDS),
    _t("pii_phone_estonian", "Phone number", R, 0.50, _PHONE_WORDS),
    _t("pii_phone_e164", "Phone number", R, 0.50, _PHONE_WORDS),
    _t("pii_phone_national", "Phone number", R, 0.45, _PHONE_WORDS, needs_keyword=True),
    _t("pii_estonian_id", "Estonian personal ID code", R, 0.50,
       ("isikukood", "isikukoodi", "isikukoodiga", "personal code", "personal id",
        "personal identification code", "id code", "estonian id", "id-kaart", "id card")),
    _t("pii_finland_hetu", "Finnish personal identity code", R, 0.50,
       ("hetu", "henkilötunnus", "henkilotunnus", "personal identity code", "sotu")),
    _t("pii_sweden_personnummer", "Swedish personal identity number", R, 0.45,
       ("personnummer", "personnumret", "samordningsnummer", "personal identity number",
        "pnr", "swedish id"), needs_keyword=True),
    _t("pii_poland_pesel", "Polish PESEL number", R, 0.50, ("pesel", "numer pesel")),
    _t("pii_spain_dni", "Spanish DNI", R, 0.50,
       ("dni", "nif", "documento nacional", "documento de identidad")),
    _t("pii_spain_nie", "Spanish NIE", R, 0.50, ("nie", "nif", "extranjero", "foreigner")),
    _t("pii_italy_codice_fiscale", "Italian codice fiscale", R, 0.55,
       ("codice fiscale", "cf", "fiscal code", "tax code", "tessera sanitaria")),
    _t("pii_france_nir", "French social security number", R, 0.55,
       ("nir", "sécurité sociale", "securite sociale", "numéro de sécu", "insee",
        "social security", "carte vitale")),
    _t("pii_germany_steuer_id", "German tax ID", R, 0.50,
       ("steuer-id", "steuerid", "steuer id", "steueridentifikationsnummer",
        "identifikationsnummer", "idnr", "steuernummer", *_TAX_WORDS)),
    _t("pii_czech_birth_number", "Czech birth number", R, 0.50,
       ("rodné číslo", "rodne cislo", "rodného čísla", "rodneho cisla", "birth number",
        "r.č.", "rč")),
    _t("pii_netherlands_bsn", "Dutch citizen service number (BSN)", R, 0.45,
       ("bsn", "burgerservicenummer", "sofinummer", "citizen service number"),
       needs_keyword=True),
    _t("pii_us_ssn", "US Social Security number", R, 0.45, _SSN_WORDS, needs_keyword=True),
    _t("pii_uk_nino", "UK National Insurance number", R, 0.45,
       ("national insurance", "nino", "ni number", "ni no", "insurance number"),
       needs_keyword=True),
    # Warn tier: contact details and tokens that are sensitive but often shared on purpose.
    _t("pii_email", "Email address", W, 0.50, ("email", "e-mail", "mail", "contact")),
    _t("pii_jwt", "JSON Web Token", W, 0.50, ("jwt", "token", "authorization", "bearer")),
    _t("pii_bearer_token", "Bearer token", W, 0.40, ("authorization", "header", "token")),
    _t("pii_generic_api_key", "API key", W, 0.50, ("api", "key", "token", "header")),
    _t("pii_eu_vat", "EU VAT number", W, 0.45,
       ("vat", "vat number", "vat id", "käibemaks", "kmkr", "ust-idnr", "ust-id", "tva",
        "iva", "btw", "moms", "alv", "nip", "mwst", *_TAX_WORDS)),
)  # fmt: skip

ENTITY_TYPES: dict[str, EntityType] = {t.code: t for t in _TYPES}

# Published documentation values: shown in every tutorial, never anyone's real data.
DOCUMENTATION_VALUES: frozenset[str] = frozenset({
    # test card numbers from payment providers' documentation
    "4111111111111111", "4242424242424242", "4012888888881881", "4000056655665556",
    "5555555555554444", "5105105105105100", "5200828282828210", "2223003122003222",
    "378282246310005", "371449635398431", "6011111111111117", "6011000990139424",
    "3056930009020004", "36227206271667", "3566002020360505", "6200000000000005",
    "4000000000000002", "4000000000009995", "4000002500003155", "4000000000003220",
    "5454545454545454", "4444333322221111", "4917610000000000", "5425233430109903",
    # IBANs from the ISO registry and banks' format pages
    "DE89370400440532013000", "GB82WEST12345698765432", "GB29NWBK60161331926819",
    "FR1420041010050500013M02606", "NL91ABNA0417164300", "ES9121000418450200051332",
    "IT60X0542811101000000123456", "CH9300762011623852957", "BE68539007547034",
    "AT611904300234573201", "FI2112345600000785", "PL61109010140000071219812874",
    # the JWT on jwt.io's front page
    "EYJHBGCIOIJIUZI1NIISINR5CCI6IKPXVCJ9.EYJZDWIIOIIXMJM0NTY3ODKWIIWIBMFTZSI6IKPVAG4GRG9LIIWI"
    "AWF0IJOXNTE2MJM5MDIYFQ.SFLKXWRJSMEKKF2QT4FWPMEJF36POK6YJV_ADQSSW5C",
    # Stripe's published test keys
    "SK_TEST_4EC39HQLYJWDARJTT1ZDP7DC", "SK_TEST_BQOKIKJOVBII2HLWGH4OLFQ2",
    "SK_TEST_51H5H5H5H5H5H5H5H5H5H5H5",
    # AWS's documentation key pair
    "AKIAIOSFODNN7EXAMPLE", "WJALRXUTNFEMI/K7MDENG/BPXRFICYEXAMPLEKEY",
    # the Swedish tax agency's sample personnummer
    "8112189876", "198112189876",
})  # fmt: skip

# Domains reserved for documentation (RFC 2606) or that nobody reads.
EXAMPLE_EMAIL_DOMAINS: frozenset[str] = frozenset({
    "example.com", "example.org", "example.net", "example.edu", "test.com", "test.org",
    "test.net", "localhost", "invalid", "noreply.com", "domain.com", "yourdomain.com",
    "your-domain.com", "company.com", "yourcompany.com", "email.com", "mail.example",
})  # fmt: skip
EXAMPLE_EMAIL_SUFFIXES = (".example", ".test", ".invalid", ".localhost", ".local")
# Local parts of role addresses that identify a service, not a person.
SERVICE_LOCAL_PARTS = frozenset({"noreply", "no-reply", "donotreply", "do-not-reply", "git"})
# "logo@2x.png" is a file name, not an address.
FILE_EXTENSIONS = frozenset({
    "png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "bmp", "js", "mjs", "ts", "tsx",
    "jsx", "css", "scss", "py", "json", "yaml", "yml", "txt", "md", "html", "pdf", "zip",
    "gz", "tar", "lock", "map", "woff", "woff2",
})  # fmt: skip

# Fillers that mark a credential as a placeholder ("ghp_xxxx...", "<your-token>").
PLACEHOLDER_MARKERS: tuple[str, ...] = (
    "example", "your", "xxxx", "****", "<", ">", "${", "{{", "%(", "redacted", "placeholder",
    "changeme", "change_me", "dummy", "sample", "secret_here", "token_here", "key_here",
    "here", "1234567890", "abcdef",
)  # fmt: skip
PLACEHOLDER_PASSWORDS = frozenset({
    "password", "passwd", "pass", "pwd", "secret", "pass123", "password123", "admin",
    "changeme", "yourpassword", "your_password", "mypassword", "my_password", "user",
    "username", "xxxxxxxx", "********", "none", "null", "true", "false", "required",
})  # fmt: skip
