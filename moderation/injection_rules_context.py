"""Rules for context manipulation, indirect injection and encoding cues (see injection_rules)."""

from __future__ import annotations

from moderation.injection_rulebase import Rule, rule

_AI = r"(?:ai|a\.i\.|assistant|llm|language model|chatbot|bot|model|agent|copilot|gpt|claude)"

CONTEXT_RULES: tuple[Rule, ...] = (
    # Context manipulation
    rule(
        "context_manipulation",
        0.85,
        "revoked|deprecated|replaced|cancel|void|invalid|"
        "obsolete|superseded|lifted|suspended|expired|no longer",
        r"\b(?:previous|prior|above|earlier|original|old|all|your|the|system|safety)\s+"
        r"(?:\w+\s+)?(?:instructions|rules|guidelines|directives|constraints|restrictions|"
        r"configuration|programming|prompt|policies)\s+(?:are|were|have been|has been|is)\s+"
        r"(?:now\s+)?(?:revoked|deprecated|replaced|cancell?ed|void|invalid|obsolete|"
        r"superseded|lifted|suspended|expired|removed|disabled|no longer (?:valid|active|in "
        r"effect|apply|applicable|relevant))\b",
        lead=80,
    ),
    rule(
        "context_manipulation",
        0.8,
        "real|actual|true|only|new",
        r"\byour (?:real|actual|true|only|new|primary) (?:instructions|task|purpose|role|goal|"
        r"directive|job|mission|objective|function|orders) (?:is|are|now is|from now on is)\b",
        lead=8,
    ),
    rule(
        "context_manipulation",
        0.85,
        "overrides|supersedes|replaces|precedence|priority",
        r"\b(?:the following|this message|this (?:instruction|note|text)|what follows|the "
        r"text below)\s+(?:\w+\s+)?(?:overrides?|supersedes?|replaces?|takes? (?:precedence|"
        r"priority) over|has (?:higher )?priority over)\s+(?:all\s+|any\s+)?(?:your\s+|the\s+|"
        r"previous\s+|prior\s+|other\s+)*(?:instructions|rules|system (?:prompt|message)|"
        r"guidelines|directives|prompt)\b",
        lead=60,
    ),
    rule(
        "context_manipulation",
        0.7,
        "protocol|parameters|directive|policy",
        r"\b(?:new|updated|revised|emergency)\s+(?:operating\s+)?(?:protocol|parameters|"
        r"directives?|polic(?:y|ies)|ruleset)\s+(?:is\s+|are\s+)?(?:now\s+)?(?:in effect|"
        r"active|activated|enabled|engaged|loaded)\b",
        lead=30,
    ),
    rule(
        "context_manipulation",
        0.7,
        "contains errors|contained errors|was a test|were a test",
        r"\b(?:the\s+)?(?:context|conversation|instructions|prompt|messages?)\s+(?:above|so "
        r"far|before this)\s+(?:contains?|contained|had|has|was|were)\s+(?:\w+\s+)?(?:errors|"
        r"mistakes|a test|fake|simulated|a simulation|compromised|incorrect)\b",
        lead=50,
    ),
    rule(
        "context_manipulation",
        0.7,
        "end of|end system|end prompt",
        r"\b(?:end of (?:the )?(?:system )?(?:prompt|instructions|context|system message)|"
        r"(?:system )?prompt ends here|instructions end here)\b[^\n]{0,80}\b(?:new|now|"
        r"begin|start|user|you)\b",
    ),
    # Indirect injection (instructions aimed at the assistant inside pasted material)
    rule(
        "indirect_injection",
        0.8,
        "if you are|if you're|if youre",
        rf"\bif you(?: are|'re|re) (?:an?|the)? ?(?:\w+\s+)?{_AI}\b[^.!?\n]{{0,40}}"
        r"(?:reading|processing|summari[sz]ing|analy[sz]ing|seeing|parsing|you must|please|"
        r"then|,|ignore|do not|don't|disregard)",
    ),
    rule(
        "indirect_injection",
        0.8,
        "note to|note for|message to|message for|instruction for|"
        "instructions for|instruction to|instructions to|attention",
        rf"\b(?:note|message|instructions?|memo|attention|p\.?s\.?)\s+(?:to|for)\s+(?:the\s+|"
        rf"any\s+|all\s+)?(?:\w+\s+)?(?:{_AI}s?|summari[sz]ers?|(?:email|mail|reading) "
        r"assistants?)\s*[:,\-]",
    ),
    rule(
        "indirect_injection",
        0.8,
        "summariz|summaris|processing|reading|translating|analyz|analys",
        r"\bwhen (?:you (?:are )?)?(?:summari[sz]|process|read|translat|analy[sz]|review|"
        r"pars)\w*\s+(?:this|the|my)\s+(?:email|document|page|web ?page|text|message|file|"
        r"article|review|resume|cv|pdf|ticket|website|content)\b[^.\n]{0,80}\b(?:you must|"
        r"you should|also|instead|always|make sure to|be sure to|include|insert|add|tell|say|"
        r"respond|reply|recommend|do not|don't|ignore|state that)\b",
        lead=30,
    ),
    rule(
        "indirect_injection",
        0.8,
        "tell|inform|mention|reveal|show|disclose|without",
        r"\b(?:(?:do not|don't|never|without) (?:tell|telling|inform|informing|mention|"
        r"mentioning|reveal|revealing|show|showing|disclose|disclosing|alert|alerting|"
        r"notify|notifying)\w*\s+(?:this\s+|it\s+|anything\s+)?(?:to\s+)?the user|without "
        r"the user(?:'s)? (?:knowledge|knowing|noticing|consent|permission))\b",
        lead=20,
    ),
    rule(
        "indirect_injection",
        0.85,
        "hidden|secret|invisible|embedded",
        rf"\b(?:hidden|secret|invisible|embedded)\s+(?:instructions?|messages?|prompts?|"
        rf"commands?|directives?)\s+(?:for|to)\s+(?:the\s+|any\s+)?(?:\w+\s+)?{_AI}s?\b",
    ),
    rule(
        "indirect_injection",
        0.75,
        "<!--",
        r"<!--[^>]{0,300}?\b(?:ignore|disregard|assistant|a\.?i\.?|llm|instructions?|system "
        r"prompt|you must|do not tell)\b[^>]{0,300}?-->",
    ),
    # "ai" and "bot" would fire inside "again" or "robot"; the other names are distinctive.
    rule(
        "indirect_injection",
        0.75,
        "assistant|llm|language model|chatbot|copilot|gpt|claude",
        rf"(?:^|[.!?\n]\s*)(?:dear\s+|hey\s+|hi\s+)?{_AI}s?(?: assistants?)?\s*[,:]\s*"
        r"(?:please\s+)?(?:ignore|disregard|forget|do not|don't|stop|instead|you must|you "
        r"should|you will|override|reveal|send|forward|delete|tell the user)\b",
        lead=10,
    ),
    rule(
        "indirect_injection",
        0.7,
        "output|result|response|observation",
        r"\b(?:tool|function|api|plugin|search|browser)\s+(?:output|result|response|"
        r"observation)\s*:[^\n]{0,200}\b(?:ignore (?:all|previous|the)|new instructions|you "
        r"must now|system prompt|disregard)\b",
        lead=15,
    ),
    # Encoding tricks: the cue words; the payloads themselves are decoded in injection.py
    rule(
        "encoding_trick",
        0.85,
        "decode|decrypt|decipher|translate|convert|unscramble|reverse|read|interpret",
        r"\b(?:decode|decrypt|decipher|translate|convert|unscramble|reverse|read|interpret)"
        r"\w*\s+(?:\w+\s+){0,6}(?:and|then|,)\s+(?:then\s+)?(?:follow|execute|obey|do|run|"
        r"carry out|act on|perform|comply with|apply)\s+(?:it|them|that|this|the "
        r"(?:instructions?|commands?|result|message|text)|its (?:instructions?|contents?)|"
        r"what it says|whatever it says|the decoded)\b",
    ),
    rule(
        "encoding_trick",
        0.85,
        "follow|execute|obey",
        r"\b(?:follow|execute|obey|run|carry out)\s+(?:the\s+)?(?:base64|hex|encoded|hidden|"
        r"decoded|encrypted|reversed|rot13|obfuscated)\s+(?:\w+\s+)?(?:instructions?|"
        r"commands?|message|text|payload|prompt)\b",
    ),
    rule(
        "encoding_trick",
        0.7,
        "backward|reverse|right to left",
        r"\b(?:read|decode|execute|follow|interpret|process|reverse)\w*\s+(?:this|the "
        r"following|it|the text|my message|these words)\s+(?:backwards?|in reverse|reversed|"
        r"from right to left|from the end)\b",
        lead=60,
    ),
    rule(
        "encoding_trick",
        0.6,
        "respond|reply|answer|output",
        r"\b(?:respond|reply|answer|output|write)\s+(?:only\s+)?in\s+(?:base64|hex|rot13|"
        r"binary|morse|leetspeak)\b[^.?!]{0,60}\b(?:so|to avoid|to bypass|to evade|"
        r"filters?|detection|moderation)\b",
    ),
    rule(
        "encoding_trick",
        0.25,
        "rot13|rot-13|caesar|atbash|cipher",
        r"\b(?:rot-?13|caesar cipher|atbash|substitution cipher)\b",
    ),
)
