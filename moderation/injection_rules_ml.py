"""German, French, Spanish, Italian, Russian and Estonian rules; written naturally and
folded at compile time like the input."""

from __future__ import annotations

from moderation.injection_rulebase import rule, words

_ML_VERB = words(
    # German
    r"ignorier(?:e|en sie|t)?", r"vergiss", "vergessen sie", r"missachte(?:n sie)?",
    r"verwirf", r"[uü]bergehe",
    # French
    r"ignore[zr]?", r"oublie[zr]?", r"ne (?:tiens|tenez) (?:pas|plus) compte (?:de|des)",
    r"fai(?:s|tes) abstraction (?:de|des)",
    # Spanish
    r"ignora[dr]?", r"olvida[dr]?", "olvide", r"descarta", r"omite", "haz caso omiso de",
    # Italian
    r"ignorate", r"dimentica(?:te|re)?", "dimentichi", r"trascura", "non seguire",
    # Russian
    r"(?:про)?игнорируй(?:те)?", r"забудь(?:те)?", r"не обращай(?:те)? внимания на",
    r"отбрось(?:те)?", r"не следуй(?:те)?",
    # Estonian
    r"ignoreeri(?:ge)?", r"unusta(?:ge)?", r"eira(?:ke)?", r"j[aä]ta(?:ke)? t[aä]helepanuta",
)  # fmt: skip
_ML_FILLER = words(
    "alle", "die", "deine", "ihre", "den", "vorherigen", "vorigen", "bisherigen", "obigen",
    "fr[uü]heren", "vorangegangenen", "vorstehenden", "s[aä]mtliche", "system",
    "toutes", "tous", "les", "des", "tes", "vos", "ces", "de", "pr[eé]c[eé]dentes",
    "todas", "todos", "las", "los", "tus", "sus", "anteriores", "previas",
    "tutte", "tutti", "le", "gli", "tue", "sue", "delle", "di", "precedenti",
    "все", "всё", "свои", "твои", "ваши", "предыдущие", "прежние", "прошлые", "ранее",
    "вышеуказанные", "системные", "данные", "тебе",
    "k[oõ]ik", "k[oõ]iki", "oma", "sinu", "eelnevad", "eelnevaid", "eelmised", "eelmisi",
    "varasemad", "varasemaid", "s[uü]steemi", "senised", "seniseid",
)  # fmt: skip
_ML_NOUN = words(
    r"anweisung(?:en)?", "instruktionen", "regeln", "vorgaben", "richtlinien", "befehle",
    r"systemanweisung(?:en)?", "systemprompt",
    "instructions", "consignes", r"r[eè]gles", "directives",
    "instrucciones", "indicaciones", "reglas", "directrices", r"[oó]rdenes", "normas",
    "istruzioni", "regole", "indicazioni", "direttive", "linee guida",
    r"инструкци[ийя]", "указания", "правила", "команды", "промпт", "установки", "директивы",
    r"juhis(?:ed|eid)", r"juhend(?:eid|id)?", r"reegl(?:id|eid)", r"k[aä]s(?:ud|ke)",
    r"korraldus(?:ed|i)", r"instruktsioon(?:id|e)",
)  # fmt: skip
_ML_BAD = words(
    r"uneingeschr[aä]nkt\w*", r"unzensiert\w*", r"b[oö]se\w*",
    r"ohne (?:regeln|einschr[aä]nkungen|filter|grenzen)",
    r"sans (?:restrictions?|r[eè]gles|filtres?|limites?|censure)", r"non censur[eé]\w*",
    r"sin (?:restricciones|reglas|filtros|l[ií]mites|censura)", r"malvad[oa]",
    r"senza (?:restrizioni|regole|filtri|limiti|censura)", r"malvagi[oa]",
    r"без (?:ограничений|правил|фильтров|цензуры)", r"зл(?:ой|ым|ая)",
    r"piiranguteta", r"ilma (?:piiranguteta|reegliteta|reegliteta|filtriteta|piiranguteta)",
    r"ilma (?:piirangute|reegliteta|filtrite)ta", r"tsenseerimata", "dan",
)  # fmt: skip
_NOW = words(
    "jetzt", "nun", "ab sofort", "ab jetzt", r"maintenant", r"d[eé]sormais", r"dor[eé]navant",
    "ahora", "a partir de ahora", "ora", "adesso", "da ora", "d'ora in poi", "теперь",
    "отныне", r"n[uü][uü]d", "n[uü][uü]dsest", "edaspidi",
)  # fmt: skip
_YOU_ARE = words(
    "du bist", "sie sind", "tu es", "vous [eê]tes", "tu seras", "eres", "ser[aá]s", "sei",
    "sarai", "ты", "вы", r"(?:sa|sina) oled", "oled",
)  # fmt: skip

_ML_TRIGGERS = (
    "ignor|vergiss|vergessen|missacht|verwirf|bergehe|übergehe|oubli|tiens|tenez|abstraction|"
    "olvid|descart|omite|caso omiso|dimentic|trascura|non seguire|игнор|забуд|внимания|"
    "отброс|не следуй|unusta|eira|tahelepanuta|tähelepanuta"
)

ML_OVERRIDE = rule(
    "instruction_override",
    0.9,
    _ML_TRIGGERS,
    rf"(?<!\w){_ML_VERB}\s+(?:{_ML_FILLER}[\s,]+){{0,4}}{_ML_NOUN}(?!\w)",
)

ML_PERSONA = rule(
    "persona_hijack",
    0.85,
    "bist|sind|tu es|etes|êtes|seras|eres|sei|sarai|ты|вы|oled",
    rf"(?<!\w)(?:{_YOU_ARE}\s+{_NOW}|{_NOW}\s+{_YOU_ARE})\s+(?:[\w']+\s+){{0,2}}{_ML_BAD}",
    lead=25,
)

ML_PROMPT_LEAK = rule(
    "prompt_leak",
    0.85,
    "prompt|anweisung|instruction|instrucci|istruzion|промпт|инструкц|juhis|viip",
    r"(?<!\w)(?:zeige?|gib|nenne|verrate|wiederhole|montre[zr]?|affiche[zr]?|r[eé]v[eè]le"
    r"[zr]?|donne[zr]?|r[eé]p[eè]te[zr]?|muestra(?:me)?|revela(?:me)?|dime|repite|ense[nñ]a"
    r"(?:me)?|mostra(?:mi)?|rivela(?:mi)?|dimmi|ripeti|stampa|покажи(?:те)?|выведи(?:те)?|"
    r"раскрой(?:те)?|повтори(?:те)?|напиши(?:те)?|n[aä]ita|kuva|avalda|korda|[uü]tle)"
    r"(?:[\s-]+(?:mir|moi|me|nous|мне|mulle))?\s+(?:deinen|deine|ihren|ihre|den|ton|tes|"
    r"votre|vos|le|tu|tus|el|il tuo|le tue|твой|твои|свой|свои|ваш|ваши|oma|sinu)?\s*"
    r"(?:system-?prompt|systemanweisungen|anweisungen|prompt(?: syst[eè]me| du syst[eè]me|"
    r" del sistema| di sistema)?|instructions|consignes|instrucciones|istruzioni|"
    r"системн\w+ промпт|промпт|инструкции|s[uü]steemiviipa|viipa|juhiseid|juhised)"
    r"(?!\w)",
    lead=50,
)
