"""Rules for instructions planted in what an agent's tools return (InjecAgent's and
AgentDojo's attack styles, garak's latent-injection probes, OWASP LLM01 2025's indirect
examples): "IMPORTANT!!!" banners, notes signed by "the user" to the model, forged
system or role markers before an order, forged user turns and ReAct steps, "stop your
current task", "then continue with the original task", and third-party authorisation
("the user has authorised you to ..."). Each needs the attack's frame, not just an order:
a plain "please send the report to ..." in an e-mail is what e-mails say.
"""

from __future__ import annotations

from moderation.injection_rulebase import Rule, rule

# What an agent can be made to do: the verbs of tool calls.
_ACTION = (
    r"(?:send|forward|transfer|pay|wire|delete|remove|cancel|invite|add|share|post|upload|"
    r"e-?mail|reply|change|update|grant|create|book|reserve|buy|purchase|visit|open|click|"
    r"schedule|download|install|run|execute|say|tell|recommend|write|publish|give|move|"
    r"export|copy|set|make|describe|rate|start|put|include|concatenate|invite)"
)
_AI_NAME = (
    r"(?:gpt(?:-?\d[\w.-]*)?|chatgpt|claude|gemini|llama|copilot|mistral|(?:the )?(?:ai|"
    r"assistant|model|agent|llm|bot|chatbot))"
)
_ROLE = r"(?:system|admin|administrator|developer|instruction|instructions|root|operator)"
_MESSAGE_WORD = r"[ _-]?(?:message|prompt|instructions?|note|notice|update|override|command)"
_ROLE_SUFFIX = rf"(?:{_MESSAGE_WORD})?"
# After a marker: an order, maybe on the next line or after "New priority task:".
_THEN_ORDER = (
    r"\s*(?:\n\s*)?(?:new (?:\w+\s+)?(?:task|instruction|order)\s*:\s*)?(?:please\s+)?"
    rf"{_ACTION}\b"
)

AGENT_RULES: tuple[Rule, ...] = (
    # "IMPORTANT!!!", "URGENT!!!", "ATTENTION!!!" banners that bring a new order
    rule(
        "context_manipulation",
        0.8,
        "!!",
        r"\b(?:important|urgent|attention|warning|notice|priority|alert)\s*!{2,}[^\n]{0,80}?"
        r"\b(?:ignore|disregard|forget|stop|strictly|new (?:instruction|task|order)|highest "
        r"priority|adhere|follow (?:this|these|the following)|instead|immediately)\b",
        lead=20,
    ),
    rule(
        "context_manipulation",
        0.8,
        "priority",
        r"\bnew (?:instruction|task|order|directive)s?\b[^.\n]{0,30}\b(?:highest|top|"
        r"maximum|absolute) priority\b|\bpriority (?:override|instruction|task)\b\W{0,5}"
        rf"(?:\w+\W+){{0,3}}{_ACTION}\b",
        lead=40,
    ),
    # "Stop your current task and ...", "then continue with the original task"
    rule(
        "context_manipulation",
        0.75,
        "current task|original task|present task|current work",
        r"\b(?:stop|abandon|pause|drop|interrupt|leave)\s+(?:your|the|what is your)\s+"
        rf"(?:current|original|present)\s+(?:task|work|job)\b[^.\n]{{0,10}}\b(?:and|then|,)"
        rf"\s+(?:instead\s+)?(?:please\s+)?{_ACTION}\b",
        lead=20,
    ),
    rule(
        "indirect_injection",
        0.75,
        "continue|carry on|proceed|go back|return|resume",
        r"\b(?:then|and then|after that|afterwards|once done|when done)\s*,?\s+(?:you can\s+|"
        r"please\s+)?(?:continue|carry on|proceed|go back|return|resume)\s+(?:with|to)?\s*"
        r"(?:the|your|my|what i)\s+(?:original|previous|initial|main|actual|first|real)?\s*"
        r"(?:task|request|instructions?|work|job|asked)\b",
        lead=30,
    ),
    # Notes "from the user" to the model, ordering something first
    rule(
        "indirect_injection",
        0.8,
        "gave you|asked you|gave to you|assigned you|sent you",
        r"\b(?:before|after)\s+(?:you\s+(?:can\s+)?)?(?:solv|finish|complet|do|continu|"
        r"reply|answer|respond|handl|work)\w*\s+(?:on\s+)?(?:the|my)\s+(?:\w+\s+)?(?:task|"
        r"request|question)s?\s+(?:that\s+)?i\s+(?:gave|asked|gave to|assigned|sent)\s+you\b",
        lead=80,
    ),
    rule(
        "indirect_injection",
        0.8,
        "message from|note from|request from",
        r"\b(?:message|note|request|instructions?)\s+from\s+(?:me,?\s+)?(?:[\w.'-]+\s+){0,3}?"
        rf"to\s+(?:you,?\s+)?{_AI_NAME}\b",
        lead=30,
    ),
    rule(
        "indirect_injection",
        0.7,
        "forgot to mention|forgot to tell|forgot to say",
        rf"\b{_AI_NAME}\s*,\s*(?:it'?s|this is)\s+[^\n]{{1,40}}?\bi\s+forgot\s+to\s+(?:mention|"
        rf"tell you|say|add)\b",
        lead=60,
    ),
    # Third-party authorisation: "the user has authorised you to ..."
    rule(
        "fake_authorization",
        0.75,
        "authori|permitted|allowed you|approved|instructed you|wants you to|would like you to",
        r"\bthe\s+(?:user|owner|account holder|customer|admin(?:istrator)?)\s+(?:has|have)?\s*"
        r"(?:already\s+)?(?:authori[sz]ed|permitted|allowed|approved|instructed|asked)\s+you\s+"
        rf"to\s+(?:\w+\s+){{0,2}}{_ACTION}\b|\b(?:observation|note|update|result)\s*:\s*the "
        rf"user (?:actually |really )?(?:wants|would like|needs) you to\s+{_ACTION}\b",
        lead=40,
    ),
    # A forged system or role marker, then an order: a tag ("[SYSTEM]", "{system_message}",
    # "<|system|>", "(admin_note)") closed on both sides, or a heading ("###(...)",
    # "### SYSTEM:", "## admin notice") with a colon, brackets or a message word. A
    # document's "## Instructions" or "## Admin" heading followed by "Add..." is no marker.
    rule(
        "format_injection",
        0.8,
        "system|admin|developer|instruction|root|operator",
        rf"(?:[\[({{<]{{1,2}}\|?\s*{_ROLE}{_ROLE_SUFFIX}\s*\|?[\])}}>]{{1,2}}|(?:#{{2,}}|"
        rf"\*{{2,}})\s*(?:\(\s*{_ROLE}{_ROLE_SUFFIX}\s*\)|{_ROLE}{_MESSAGE_WORD}\b|{_ROLE}"
        rf"{_ROLE_SUFFIX}\s*(?:\*{{2,}}|#{{2,}})?\s*:))\s*(?:\*{{2,}}|#{{2,}})?\s*:?{_THEN_ORDER}",
        lead=12,
    ),
    rule(
        "format_injection",
        0.8,
        "system|developer|root",
        rf"(?:^|\n|[\"']|\w:)\s*(?:system|developer|root){_ROLE_SUFFIX}\s*:{_THEN_ORDER}",
        lead=12,
    ),
    # A spoofed tool result that carries the next step
    rule(
        "format_injection",
        0.75,
        "output|result|response|observation",
        r"\b(?:tool|function|api|plugin|search|browser)\s+(?:output|result|response|"
        r"observation)\s*:[^\n]{0,80}?\b(?:next|required|new|pending)\s+(?:required\s+)?"
        rf"(?:action|step|task|instruction)\s*:\s*(?:please\s+)?{_ACTION}\b",
        lead=15,
    ),
    # A forged user turn inside data: "User: Thanks. Now send ..."
    rule(
        "format_injection",
        0.75,
        "user|human",
        r"(?:^|\n)\s*(?:user|human)\s*:\s*(?:[\w,'!.]+\s+){0,4}?(?:now|instead|next|also)\s*,?"
        rf"\s+(?:please\s+)?{_ACTION}\b",
        lead=5,
    ),
    rule(
        "format_injection",
        0.8,
        "assistant",
        r"(?:^|\n)\s*assistant\s*:\s*(?:understood|ok(?:ay)?|sure|certainly|of course)\W+"
        rf"(?:i will|i'll|i am going to|let me)\s+(?:now\s+)?{_ACTION}\b",
        lead=5,
    ),
    # A forged ReAct step: "Thought: the user actually wants me to ... Action: ..."
    rule(
        "forged_reasoning",
        0.75,
        "thought|reasoning",
        r"\b(?:thought|reasoning)\s*:\s*(?:the user|i)\s+(?:actually|really|now)?\s*(?:wants?|"
        rf"needs?|should|must|have to)\s+(?:me\s+)?to\s+{_ACTION}\b[^\n]{{0,200}}?\baction\s*:",
        lead=5,
    ),
    # "AI agents processing this page must ...", with no article before it
    rule(
        "indirect_injection",
        0.8,
        "processing|reading|summari|crawling|ingest|parsing",
        r"(?:^|[.!?:\n\"]\s*)(?:ai|llm|language model|automated)\s+(?:agents?|assistants?|models?|"
        r"systems?|tools?)\s+(?:processing|reading|summari[sz]ing|crawling|ingesting|parsing)"
        r"\s+(?:this|these|the following)\b",
        lead=40,
    ),
)
