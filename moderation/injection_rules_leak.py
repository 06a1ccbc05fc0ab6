"""Rules for delimiter, tag and format injection, prompt leaks, exfiltration, and claims of
authority, authorization or emergency (English)."""

from __future__ import annotations

from moderation.injection_rulebase import Rule, rule

MARKUP: tuple[Rule, ...] = (
    # Delimiter and tag injection
    rule(
        "delimiter_injection",
        0.95,
        ("<|",),
        r"<\|\s*(?:im_start|im_end|im_sep|system|endoftext|end_of_text|eot_id|"
        r"start_header_id|end_header_id|begin_of_text|assistant|user|human|fim_\w+)\s*\|>",
    ),
    rule("tag_injection", 0.85, "[inst|[/inst|<<sys|<</sys", r"(?:\[/?inst\]|<</?sys>>)", lead=2),
    rule(
        "tag_injection",
        0.9,
        "<system|</system|<admin|<tool|<instruction|</instruction",
        r"</?\s*(?:system(?:_prompt|_message|_instructions?)?|admin(?:_override)?|"
        r"tool_(?:response|output|result)|instructions?|developer_message)\s*>",
        lead=2,
    ),
    rule(
        "tag_injection",
        0.45,
        "<human|</human|<assistant|</assistant|<bot|</bot|<user|</user",
        r"</?\s*(?:human|assistant|bot|user|ai)\s*>",
        lead=2,
    ),
    rule(
        "tag_injection",
        0.6,
        "[system|[admin|[developer|[assistant",
        r"\[(?:system|admin|developer|assistant)(?: (?:message|note|prompt|override|"
        r"instruction))?\]\s*:?",
    ),
    # Format injection
    rule(
        "format_injection",
        0.8,
        "##",
        r"^\s*#{2,}\s*(?:system(?:\s+(?:prompt|message|override))?|new (?:instructions?|"
        r"rules)|human|assistant|admin(?:istrator)? (?:note|message))\s*:?\s*$",
        lead=5,
    ),
    # A bare "## Instructions" or "## Response" heading is how documents and READMEs are
    # laid out; next to a real attack it still raises the score.
    rule(
        "format_injection", 0.25, "##", r"^\s*#{2,}\s*(?:instructions?|response)\s*:?\s*$", lead=5
    ),
    rule(
        "format_injection",
        0.85,
        ("---", "===", "***", "###"),
        r"[-=*#]{3,}\s*(?:begin|start|end)?\s*(?:of\s+)?(?:new\s+)?(?:system|admin|developer|"
        r"hidden|secret)\s+(?:prompt|instructions?|message|override)\s*[-=*#]{3,}",
        lead=30,
    ),
    rule(
        "format_injection",
        0.75,
        "system|assistant",
        r"(?:^|\n)\s*(?:system|assistant|ai)\s*:\s*(?:you (?:are|must|will|should)|ignore|"
        r"disregard|from now on|new (?:instructions|rules)|override|forget)",
        lead=5,
    ),
    rule(
        "format_injection", 0.8, "```", r"```\s*(?:system|instructions?|prompt|admin|override)\s*$"
    ),
)

PROMPT_LEAK: tuple[Rule, ...] = (
    # Prompt leak
    rule(
        "prompt_leak",
        0.85,
        "prompt|instruction|rules|guidelines|directive|configuration|programming|system message",
        r"\b(?:reveal|show|print|display|output|repeat|recite|echo|quote|dump|leak|expose|"
        r"disclose|share|give|tell|write|type|list|paste|copy|spell out|translate)\s+(?:me\s+|"
        r"us\s+)?(?:out\s+)?(?:all\s+(?:of\s+)?)?(?:your|the)\s+(?:full\s+|entire\s+|"
        r"complete\s+|exact\s+|original\s+|initial\s+|hidden\s+|secret\s+|internal\s+|"
        r"underlying\s+|first\s+|real\s+|actual\s+)*(?:system\s+(?:prompt|message|"
        r"instructions)|initial (?:prompt|instructions)|hidden (?:prompt|instructions)|"
        r"(?<=your )(?:\w+\s+)?(?:prompt|instructions|rules|guidelines|directives|"
        r"configuration|programming)|pre-?prompt|meta-?prompt)\b",
        lead=80,
    ),
    rule(
        "prompt_leak",
        0.85,
        "above|before|previous|prior|verbatim|word for word|starting",
        r"\b(?:repeat|print|output|reveal|show|write|echo|recite|copy|quote)\s+(?:back\s+)?"
        r"(?:everything|all(?: the)? (?:text|words|messages)|the (?:text|words|content|"
        r"instructions|messages?)|what (?:was|is) written)\s+(?:above|before (?:this|my)|"
        r"preceding|prior to (?:this|my))\b",
        lead=80,
    ),
    rule(
        "prompt_leak",
        0.85,
        "verbatim|word for word|starting with",
        r"\b(?:verbatim|word[- ]for[- ]word|starting with ['\"]?you are)\b[^.?!]{0,60}"
        r"\b(?:prompt|instructions|rules|guidelines|above|message)\b|\b(?:prompt|instructions|"
        r"rules|guidelines)\b[^.?!]{0,40}\b(?:verbatim|word[- ]for[- ]word)\b",
        lead=80,
    ),
    rule(
        "prompt_leak",
        0.75,
        "what|which",
        r"\b(?:what|which)\s+(?:is|are|was|were)\s+(?:your|the)\s+(?:exact\s+|full\s+|"
        r"original\s+|initial\s+|hidden\s+|secret\s+)*(?:system\s+prompt|system\s+message|"
        r"initial\s+prompt|hidden\s+(?:prompt|instructions))\b"
        # "the system prompt of a custom GPT" is about something else
        r"(?!\s+(?:of|for|in|on|when|with)\s+(?:a|an|the|my|our|their|this|that)\b)",
    ),
    rule(
        "prompt_leak",
        0.45,
        "what|which",
        r"\bwhat (?:are|were) your (?:exact |original |initial |secret |hidden )?"
        r"(?:instructions|rules|guidelines|directives)\b",
    ),
)

_VENDORS = "openai|anthropic|google|deepmind|meta|microsoft|mistral|waldur"
_VENDOR_CLAIM = (
    r"\b(?:i am|i'm|im|this is|we are|speaking as)\s+(?:a|an|the|your)?\s*(?:senior\s+|"
    r"lead\s+|head\s+)?(?:openai|anthropic|google|deepmind|meta|microsoft|mistral|waldur"
    r"(?:'s)?)\s+(?:\w+\s+)?(?:employee|engineer|developer|researcher|staff|admin|"
    r"administrator|team|safety team|red team|official|representative)\b"
)
# What such a claim is used for: switching the assistant's safeguards off or reading them.
_DEMAND = (
    r"\b(?:disable|ignore|bypass|override|reveal|unlock|turn off|switch off|lift|suspend|"
    r"grant (?:me|us)|elevate|show (?:me |us )?(?:your|the) (?:system|hidden|internal|full)|"
    r"(?:your|the) (?:system prompt|hidden instructions|filters|safety|restrictions|"
    r"guardrails|rules|guidelines|safeguards)|(?:debug|test|developer|maintenance|god) "
    r"mode|without (?:restrictions|filters|limits)|no restrictions|you (?:must|can|are "
    r"allowed to|may) now)\b"
)

# Exfiltration, then authority, privilege, fake authorization and emergency bypass.
EXFILTRATION_AND_AUTHORITY: tuple[Rule, ...] = (
    # Exfiltration
    rule(
        "exfiltration",
        0.9,
        "send|post|forward|upload|append|transmit|email|exfiltrat|"
        "leak|submit|include|attach|copy|paste|encode|embed",
        r"\b(?:send|post|forward|upload|append|transmit|e-?mail|exfiltrate|leak|submit|"
        r"attach|embed|encode|copy|paste|include)\w*\s+(?:\w+\s+){0,3}(?:conversation|chat "
        r"(?:history|log|transcript)|this chat|(?:previous|prior|all|user'?s?|our|the) "
        r"messages|(?:the )?context window|system prompt|(?:chat |conversation )?history|"
        r"user (?:data|details|information)|the user'?s (?:\w+ )?(?:data|details|"
        r"messages|information|email|password|credentials)|api keys?|credentials|secrets|"
        r"session (?:tokens?|cookies?))\b[^.\n]{0,60}\b(?:to|into|at|via|in)\s+(?:this |the "
        r"following |my |our |an? )?(?:https?://|url|link|endpoint|webhook|server|address|"
        r"domain|attacker|[\w.-]+@[\w-]+\.\w+|[\w-]+\.(?:com|net|org|io|xyz|ru|tk|top)\b)",
    ),
    rule(
        "exfiltration",
        0.85,
        "![",
        r"!\[[^\]\n]{0,100}\]\(\s*https?://[^\s)]{1,300}?[?&/][^\s)]{0,200}?(?:\{|\[|%7b|"
        r"\$\{?|<)[^\s)]{0,200}\)",
    ),
    rule(
        "exfiltration",
        0.85,
        "![|image|img",
        r"(?:!\[[^\]\n]{0,100}\]\(\s*https?://[^\s)]{0,300}?[?&][\w-]{1,30}=[^\s)]{0,40}?"
        r"(?:conversation|history|chat|secret|password|prompt|messages|summary|user_?data|"
        r"token|apikey|api_key|credential|memory)|\b(?:render|display|show|output|include|"
        r"embed|insert)\s+(?:this |the following |an? )?(?:markdown )?image\b[^.\n]{0,120}"
        r"\b(?:append|replace|add|include|insert|substitute|encode)\w*\b[^.\n]{0,80}"
        r"\b(?:conversation|history|chat|secret|password|prompt|messages|summary|user'?s?|"
        r"data|credentials))",
        lead=60,
    ),
    rule(
        "exfiltration",
        0.8,
        "http",
        r"https?://[^\s)]{1,200}?[?&][\w-]{1,30}=\{?\{?\s*(?:conversation|chat_?history|"
        r"history|secret|system_?prompt|prompt|messages|summary|user_?data|credentials|"
        r"password|api_?key)\b",
    ),
    # Authority, privilege, fake authorization, emergency bypass
    # Working for a vendor is ordinary ("I am a Google Cloud engineer migrating to your
    # platform"): the claim is an attack when it comes with a demand on the assistant.
    rule(
        "authority_claim",
        0.85,
        _VENDORS,
        rf"{_VENDOR_CLAIM}[^\n]{{0,150}}?{_DEMAND}|{_DEMAND}[^\n]{{0,100}}?{_VENDOR_CLAIM}",
        lead=140,
    ),
    rule("authority_claim", 0.25, _VENDORS, _VENDOR_CLAIM, lead=40),
    rule(
        "authority_claim",
        0.8,
        "creator|developer|owner|programmer|administrator|maker|admin",
        r"\b(?:i am|i'm|im|this is|we are)\s+(?:one of\s+)?(?:your|the model'?s|the ai'?s)\s+"
        r"(?:creator|creators|developer|developers|owner|owners|programmer|programmers|"
        r"maker|makers|administrator|admin|operator|trainer|master|god)\b",
        lead=40,
    ),
    rule(
        "authority_claim",
        0.75,
        "access|privilege|clearance|rights|permission",
        r"\bi (?:have|possess|hold|got)\s+(?:full\s+|special\s+)?(?:admin(?:istrator)?|root|"
        r"elevated|sudo|superuser|developer|god|override|level[- ]\d+|top[- ]secret)\s+"
        r"(?:access|privileges|rights|clearance|permissions|authority)\b[^.?!]{0,60}\b(?:so|"
        r"therefore|thus|which means|hence)\s+(?:you|ignore|override|disable|reveal|give|"
        r"grant|show|bypass|unlock|answer|tell)",
        lead=60,
    ),
    rule(
        "authority_claim",
        0.75,
        "clearance|authorization|authorisation",
        r"\b(?:admin|root|developer|elevated|special|security|level[- ]\d+|top[- ]secret)\s+"
        r"(?:clearance|authori[sz]ation|override)\s+(?:level\s+\w+\s+)?(?:code\s+\S+\s+)?"
        r"(?:granted|confirmed|verified|accepted|activated)\b",
        lead=30,
    ),
    rule(
        "fake_authorization",
        0.8,
        "authorized|authorised|approved|sanctioned|permission",
        r"\b(?:this|it) is an? (?:fully\s+)?(?:authori[sz]ed|approved|sanctioned|official|"
        r"legitimate|permitted)\s+(?:\w+\s+){0,2}(?:test|audit|assessment|exercise|"
        r"evaluation|engagement|request)\b[^.?!]{0,80}\b(?:so|therefore|you (?:can|may|must|"
        r"should|are allowed)|ignore|bypass|reveal|disable|without)",
        lead=40,
    ),
    rule(
        "fake_authorization",
        0.8,
        "authorized|authorised|approved|permission|allowed|cleared",
        r"\b(?:you (?:are|have been|'re) (?:now\s+)?(?:authori[sz]ed|allowed|permitted|"
        r"cleared|given permission)|(?:openai|anthropic|your (?:developers|creators|admins?))"
        r" (?:has|have) (?:authori[sz]ed|approved|allowed|permitted))\s+(?:you\s+)?to\s+"
        r"(?:ignore|bypass|disable|break|override|reveal|share|answer anything|disregard|"
        r"produce|generate|discuss)\b",
        lead=60,
    ),
    rule(
        "fake_authorization",
        0.55,
        "authorized|authorised|approved|sanctioned",
        r"\bthis is an? (?:authori[sz]ed|approved|sanctioned) (?:security |penetration |pen |"
        r"red[- ]team )?(?:test|audit|assessment|exercise)\b",
        lead=30,
    ),
    rule(
        "emergency_bypass",
        0.85,
        "emergency|urgent|critical|priority",
        r"\b(?:emergency|urgent|critical|priority|crisis)\s+(?:safety\s+)?(?:override|bypass|"
        r"unlock|protocol override|exception to (?:your|the) rules|mode (?:activated|"
        r"enabled|engaged))\b",
    ),
    rule(
        "emergency_bypass",
        0.75,
        "life or death|will die|lives are|lives at stake|emergency",
        r"\b(?:life or death|someone will die|people will die|lives (?:are|is) at stake|"
        r"this is an emergency)\b[^.?!]{0,80}\b(?:ignore|bypass|override|skip|forget|no time "
        r"for) (?:your|the|all|any|safety)\s*(?:rules|restrictions|guidelines|filters|"
        r"safety|protocols|policies)?",
        lead=5,
    ),
)
