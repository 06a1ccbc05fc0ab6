"""English rules for overrides, resets, persona hijack, mode switches, jailbreaks and
safety bypass (assembled in order by moderation.injection_rules)."""

from __future__ import annotations

from moderation.injection_rulebase import Rule, one_typo, rule, words

_OVERRIDE_VERB = words(
    r"ignor(?:e|ing)", r"disregard(?:ing)?", r"forget(?:ting)?", r"overrid(?:e|ing)",
    "overrule", "skip", "discard", "drop", "abandon", "nullify", "void", "revoke",
    "bypass", "neglect", "set aside", r"throw (?:away|out)", r"pay no (?:attention|heed) to",
    r"(?:stop|cease|quit) following", r"(?:do not|don'?t|no longer|never) (?:follow|obey)",
    "erase", "delete", "scrap", "dismiss",
)  # fmt: skip
_FILLER = words(
    "all", "any", "every", "each", "the", "of", "these", "those", "its", "that", "and",
    "other", "said", "given", "provided", "current", "existing", "old", "default", "safety",
    "developer", "hidden", "programmed", "preset", "initial", "original", "above", "previous",
    "prior", "earlier", "preceding", "former", "foregoing", "your", "system", "everything",
    "such", "above-mentioned", "aforementioned", "before",
)  # fmt: skip
_STRONG_MOD = words(
    "all", "any", "every", "your", "system", "previous", "prior", "above", "earlier",
    "preceding", "former", "foregoing", "original", "initial", "programmed", "developer",
    "safety", "preset", "default", "aforementioned", "above-mentioned",
)  # fmt: skip
_RULE_NOUN = words(
    r"instructions?", "rules", "guidelines", r"directives?", r"prompts?", "programming",
    "constraints", "guardrails", "policies", "training", "restrictions", "commands",
    "orders", "guidance", r"system (?:prompt|message)", "principles", "protocols",
)  # fmt: skip
_TYPO_NOUN = words(one_typo("instructions"), one_typo("guidelines"), one_typo("directives"))
_SOFT_NOUN = words("messages", "text", "context", "conversation", "input", "content")
_BAD_PERSONA = words(
    "unrestricted", "unfiltered", "uncensored", "unchained", "unbound", "unlimited", "evil",
    "malicious", "amoral", "immoral", "unethical", "jailbroken", "rogue", "dan", "stan",
    r"free (?:from|of) (?:all |any |your )?(?:rules|restrictions|limits|constraints|filters)",
    r"(?:an? )?(?:ai|assistant|model|chatbot|bot) (?:without|with no) (?:any )?"
    r"(?:rules|restrictions|limits|filters|ethics|guidelines|morals|boundaries)",
    r"not bound by", r"no longer bound", r"without (?:any )?(?:rules|restrictions|limits|"
    r"filters|ethics|guidelines|morals|censorship)",
    r"(?:a |an )?(?:black ?hat )?hacker", "villain", r"devil'?s advocate with no",
)  # fmt: skip

_OVERRIDE_TRIGGERS = (
    "ignor|disregard|forget|overrid|overrule|skip|discard|drop|abandon|nullify|void|revoke|"
    "bypass|neglect|set aside|throw|pay no|follow|obey|erase|delete|scrap|dismiss"
)

OVERRIDE: tuple[Rule, ...] = (
    # Instruction override
    rule(
        "instruction_override",
        0.95,
        _OVERRIDE_TRIGGERS,
        rf"\b{_OVERRIDE_VERB}\s+(?:{_FILLER}[\s,]+){{0,3}}{_STRONG_MOD}[\s,]+"
        rf"(?:{_FILLER}[\s,]+){{0,3}}{_RULE_NOUN}\b",
    ),
    rule(
        "instruction_override",
        0.6,
        _OVERRIDE_TRIGGERS,
        rf"\b{_OVERRIDE_VERB}\s+(?:{_FILLER}[\s,]+){{0,3}}{_STRONG_MOD}[\s,]+"
        rf"(?:{_FILLER}[\s,]+){{0,3}}{_SOFT_NOUN}\b",
    ),
    rule(
        "instruction_override",
        0.85,
        _OVERRIDE_TRIGGERS,
        rf"\b{_OVERRIDE_VERB}\s+(?:about\s+)?(?:everything|all(?: that)?|anything)\s+"
        r"(?:above|before|previously|prior|you (?:were|have been|'ve been) (?:told|given|"
        r"instructed|taught)|(?:you )?(?:know|learned))\b",
    ),
    # The same order with the key noun misspelt ("ignore your previous instrutions").
    rule(
        "instruction_override",
        0.9,
        _OVERRIDE_TRIGGERS,
        rf"\b{_OVERRIDE_VERB}\s+(?:{_FILLER}[\s,]+){{0,3}}{_STRONG_MOD}[\s,]+"
        rf"(?:{_FILLER}[\s,]+){{0,3}}{_TYPO_NOUN}\b",
    ),
    rule(
        "instruction_override",
        0.9,
        "instruction|rules|guidelines|directive|prompt",
        rf"\b{_STRONG_MOD}\s+(?:{_FILLER}\s+){{0,2}}{_RULE_NOUN}\s+(?:are|is|should|must|"
        r"can|will|shall)\s+(?:now\s+)?(?:be\s+)?(?:ignored|disregarded|forgotten|discarded|"
        r"overridden|void|null and void|suspended|lifted|no longer (?:valid|apply|"
        r"applicable|in effect|relevant))\b",
        lead=40,
    ),
)

RESET: tuple[Rule, ...] = (
    # Instruction reset
    rule(
        "instruction_reset",
        0.85,
        "reset|clear|wipe|restart|start|begin",
        r"\b(?:reset|clear|wipe|erase|purge|restart)\s+(?:all\s+)?(?:of\s+)?(?:your|the "
        r"(?:ai|assistant|model|system)'s?)\s+(?:\w+\s+)?(?:instructions|rules|"
        r"memory|context|programming|guidelines|directives|training|prompt|settings)\b",
    ),
    rule(
        "instruction_reset",
        0.8,
        "new instruction|new rule|new directive|new task|new prompt|updated instruction|new system|"
        "updated system|updated prompt|updated rule|revised system|revised instruction|"
        "real instruction|real system",
        r"\b(?:(?:here|these) (?:are|is)\s+(?:your|the)\s+)?(?:new|updated|real|revised)\s+"
        r"(?:system\s+)?(?:instructions?|rules|directives?|task|prompt|orders|system prompt)"
        r"\s*(?::|-{1,2}|are\s+as\s+follows|follow\b|for you\b)",
    ),
    rule(
        "instruction_reset",
        0.85,
        "your new|new instruction",
        r"\b(?:here|these) (?:are|is) your new (?:instructions?|rules|directives?|orders)\b",
        lead=20,
    ),
    rule(
        "instruction_reset",
        0.8,
        "start|begin",
        r"\b(?:start|begin)\s+(?:over|again|anew|fresh|from scratch)\s+(?:with|using|and "
        r"(?:follow|obey|use))\s+(?:no|new|these|different|only my)\s+(?:rules|instructions|"
        r"guidelines|restrictions)\b",
    ),
)

PERSONA: tuple[Rule, ...] = (
    # Persona hijack and mode switch
    rule(
        "persona_hijack",
        0.9,
        "you are|you're|youre|act|behave|become|embody|roleplay|you",
        rf"\b(?:you are|you're|youre|act|behave|respond|roleplay|role-play|become|embody|"
        rf"pretend(?: to be| you are| you're)?|imagine you are|you will be|you have become)"
        rf"\s+(?:now\s+|as\s+|like\s+|if you (?:were|are)\s+)*(?:an?\s+|the\s+|in\s+)?"
        rf"(?:\w+\s+)?{_BAD_PERSONA}\b",
    ),
    rule(
        "persona_hijack",
        0.25,
        "pretend|act as|roleplay|simulate|emulate|impersonate",
        r"\b(?:pretend (?:to be|you are|you're)|act as(?: if you were)?|roleplay as|"
        r"simulate|emulate|impersonate)\s+\w+",
    ),
    rule(
        "persona_hijack",
        0.8,
        "role|persona|character",
        r"\b(?:assume|adopt|take on|switch to|change to|enter)\s+(?:the|a|an|your)?\s*"
        r"(?:new|different|alternate|alternative|unrestricted|evil|secret)\s+"
        r"(?:role|persona|personality|character|identity|mode)\b",
    ),
    # A persona, identity or version of itself that the assistant is to take on, defined
    # by having no rules (DAN's family, in paraphrase).
    rule(
        "persona_hijack",
        0.85,
        "persona|personality|character|identity|alter ego|version of",
        r"\b(?:become|adopt|assume|take on|switch (?:in)?to|change (?:in)?to|turn (?:in)?to|"
        r"transform (?:in)?to|play|be|you are now|enter|activate)\s+(?:\w+\s+){0,3}?"
        r"(?:persona|personality|character|identity|alter ego|version of (?:yourself|you))\b"
        r"[^.\n]{0,30}?\b(?:with no|without(?: any)?|free (?:of|from)|(?:that|who) (?:has|"
        r"have|knows?) no|not bound by|unbound by)\s+(?:\w+\s+)?(?:rules|restrictions|limits|"
        r"limitations|filters|guidelines|ethics|morals|boundaries|censorship|constraints)\b",
        lead=80,
    ),
    rule(
        "persona_hijack",
        0.85,
        "pretend|imagine|suppose|assume|act as if|let's say|believe",
        r"\b(?:pretend|imagine|suppose|assume|act as if|let'?s say|believe)\s+(?:that\s+)?"
        r"you (?:have|had|are under|were under|operate with|are free of|were free of)\s+"
        r"(?:no|zero)\s+(?:\w+\s+)?(?:rules|restrictions|limits|limitations|filters|"
        r"guidelines|ethics|morals|boundaries|censorship|constraints|content polic(?:y|ies))\b",
        lead=20,
    ),
)

# Mode switches, jailbreak names and modes, and safety bypass.
MODES_AND_BYPASS: tuple[Rule, ...] = (
    rule(
        "mode_switch",
        0.25,
        "from now on|from this point|henceforth",
        r"\b(?:from now on|from this point (?:on|forward)|henceforth),?\s+(?:you|your)\b",
    ),
    rule(
        "mode_switch",
        0.8,
        "from now on|from this point|henceforth",
        r"\b(?:from now on|from this point (?:on|forward)|henceforth),?\s+(?:you|your)\s+"
        r"(?:\w+\s+){0,4}(?:no (?:rules|restrictions|limits|filters)|without (?:any )?"
        r"(?:rules|restrictions|limits|filters|censorship)|ignore|disregard|bypass|unrestricted"
        r"|uncensored|unfiltered|not (?:bound|restricted|limited)|answer (?:every|any|all))",
    ),
    # Jailbreak names and modes
    rule(
        "jailbreak",
        0.95,
        "dan|do anything now",
        r"\b(?:dan (?:mode|prompt|jailbreak|\d+(?:\.\d+)?)|do anything now|(?:act|acting|be) "
        r"as (?:a )?dan)\b",
    ),
    rule(
        "jailbreak",
        0.95,
        "jailbr",
        r"\b(?:jailbr(?:eak|oken)(?:ed)?\s+(?:mode|prompt|version|enabled|activated|ai|"
        r"chatbot|assistant)|you (?:are|have been|'re) (?:now )?jailbroken|jailbreak yourself)\b",
    ),
    rule("jailbreak", 0.25, "jailbr", r"\bjailbr(?:eak|oken)\w*"),
    rule(
        "jailbreak",
        0.9,
        "mode|prompt|gpt|dev",
        r"\b(?:(?:aim|stan|dude|kevin|max|omega|evil(?:bot)?|chaos|god|unrestricted|"
        r"uncensored|unfiltered|jailbreak|no.?limits?|dev(?:eloper)?|opposite) (?:mode|"
        r"prompt) (?:enabled|activated|engaged|unlocked)|(?:betterdan|antigpt|apophis|"
        r"basedgpt|devmode|freedomgpt|evilbot|chadgpt)|(?:god|unrestricted|uncensored|"
        r"unfiltered|evil|chaos|no.?limits?|jailbreak) mode)\b",
        lead=25,
    ),
    rule(
        "jailbreak",
        0.85,
        "updated|reprogrammed|upgraded|patched",
        r"\byou (?:have|'ve) been (?:updated|reprogrammed|upgraded|patched|modified)\b"
        r"[^.]{0,60}\b(?:remove|disable|bypass|ignore|without|no longer|unrestricted|"
        r"no (?:rules|restrictions|filters))",
        lead=25,
    ),
    rule(
        "jailbreak",
        0.85,
        "unrestricted|uncensored|unfiltered",
        r"\b(?:unrestricted|uncensored|unfiltered) (?:ai|assistant|model|chatbot|version of "
        r"(?:you|yourself)|responses?|answers?|output)\b",
    ),
    rule(
        "mode_switch",
        0.8,
        "mode",
        r"\b(?:you are|you're|you will be|you're now|switch(?:ing)? (?:yourself )?to|put "
        r"yourself in|enter|activate|enable)\s+(?:now\s+)?(?:in\s+)?(?:developer|dev|debug|"
        r"god|admin|maintenance|sudo|root|test|override|training)\s+mode\b[^.?!]{0,80}"
        r"\b(?:no|without|ignore|unrestricted|uncensored|any (?:question|request)|anything|"
        r"all restrictions|restrictions (?:are )?(?:lifted|removed|disabled)|you (?:can|will|"
        r"must))",
        lead=60,
    ),
    rule(
        "mode_switch",
        0.75,
        "mode",
        r"\b(?:developer|dev|god) mode (?:enabled|activated|output|response|is (?:now )?"
        r"(?:on|enabled|active))\b",
        lead=20,
    ),
    rule(
        "mode_switch",
        0.25,
        "mode",
        r"\b(?:enter|enable|activate|switch to|turn on)\s+(?:admin|test|developer|debug|"
        r"maintenance) mode\b",
        lead=30,
    ),
    # Safety bypass and disable
    rule(
        "safety_bypass",
        0.9,
        "bypass|circumvent|evade|disable|turn off|switch off|remove|"
        "deactivate|ignore|override|get around|skip|lift|drop",
        r"\b(?:bypass|circumvent|evade|disable|turn off|switch off|remove|deactivate|ignore|"
        r"override|get around|skip|lift|drop|suspend)\s+(?:all\s+)?(?:of\s+)?(?:your|its|the "
        r"(?:ai|assistant|model|chatbot)'?s?)\s+(?:\w+\s+)?(?:filters?|guardrails?|"
        r"restrictions|safeguards|safety|moderation|censorship|alignment|ethics|limitations|"
        r"content polic(?:y|ies)|rules|programming|morals|principles|guidelines|values|"
        r"boundaries|constraints)\b",
    ),
    rule(
        "safety_bypass",
        0.85,
        "bypass|circumvent|evade|disable|turn off|switch off|remove|"
        "deactivate|override|get around|skip|lift|without",
        r"\b(?:bypass|circumvent|evade|disable|turn off|switch off|remove|deactivate|override|"
        r"get around|skip|lift|without)\s+(?:all\s+|any\s+|the\s+)?(?:ai\s+)?(?:safety "
        r"(?:filters?|guidelines|measures|protocols|features|settings|training|checks|rules)|"
        r"guardrails|content (?:polic(?:y|ies)|filters?|moderation)|ethical (?:guidelines|"
        r"constraints|filters|restrictions|safeguards)|alignment|moral (?:constraints|filters|"
        r"guidelines)|censorship)\b",
    ),
    rule(
        "safety_bypass",
        0.9,
        "override",
        r"(?:(?:^|[\[(#*>!.:\-]\s*)(?:system|safety|security|admin|master|root|developer) "
        r"override\b\s*(?:[:!\-\])]|(?:code|mode|protocol|command|sequence|enabled|engaged|"
        r"activated|accepted|granted|initiated|in effect)\b)|\b(?:initiate|activate|execute|"
        r"engage|enable|invoke|authori[sz]e|perform|run)\s+(?:an?\s+|the\s+)?(?:system|safety|"
        r"security|admin|master|root|developer) override\b)",
        lead=30,
    ),
    # The same words in a sentence ("the system override was authorised") are a cue.
    rule(
        "safety_bypass",
        0.25,
        "override",
        r"\b(?:system|safety|security|admin|master|root|developer) override\b",
        lead=15,
    ),
    rule(
        "safety_bypass",
        0.85,
        "stop being|no longer",
        r"\b(?:stop being|you are no longer|no longer be) (?:a |an )?(?:helpful|safe|"
        r"harmless|ethical|responsible|restricted|aligned|polite)\s+(?:and \w+\s+)?(?:ai|"
        r"assistant|model|chatbot)\b",
        lead=15,
    ),
    rule(
        "safety_bypass",
        0.75,
        "without|no restrictions|no rules|no filters|no limits",
        r"\b(?:answer|respond|reply|speak|talk|write|act|operate|behave|output)\w*\s+(?:\w+\s+)"
        r"{0,3}(?:without (?:any\s+)?(?:restrictions|limits|limitations|filters|filtering|"
        r"censorship|rules|guidelines|ethics|morals|warnings or refusals|refusals)|with no "
        r"(?:restrictions|limits|filters|rules|guidelines|ethics))\b",
        lead=60,
    ),
    rule(
        "safety_bypass",
        0.85,
        "not bound|no longer bound|not restricted|no longer restricted",
        r"\byou (?:are|'re)(?: now)? (?:no longer|not) (?:bound|restricted|limited|governed|"
        r"constrained) by\b",
        lead=15,
    ),
)
