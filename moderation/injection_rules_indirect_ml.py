"""German, French, Spanish, Italian, Russian and Estonian rules for the pasted-content
families: addressed to an AI, rules changed, memory writes, output manipulation and data
sent out. Written naturally and folded at compile time like the input."""

from __future__ import annotations

from moderation.injection_rulebase import Rule, rule

# Up to 60 characters of the same sentence; a dot inside a link or domain does not end it.
_GAP = r"(?:[^.\n]|\.(?=\w)){0,60}"

ML_INDIRECT_RULES: tuple[Rule, ...] = (
    rule(
        "indirect_injection",
        0.8,
        "hinweis|nachricht|anweisung|note|message|instruction|nota|mensaje|instrucci|messaggio|"
        "istruzion|примечание|сообщение|инструкция|указание|märkus|sõnum|juhis",
        r"(?<!\w)(?:(?:hinweis|nachricht|anweisung) (?:an|f[uü]r) (?:die |jede |alle )?(?:ki|"
        r"k[uü]nstliche intelligenz|assistent\w*|sprachmodell\w*|ki-assistent\w*)|(?:note|"
        r"message|instruction) (?:pour|[aà]) (?:l'|la |le )?(?:ia|assistant|mod[eè]le|"
        r"intelligence artificielle)|(?:nota|mensaje|instrucci[oó]n) para (?:la |el )?(?:ia|"
        r"asistente|modelo)|(?:nota|messaggio|istruzione) per (?:l'|il |la )?(?:ia|assistente|"
        r"modello)|(?:примечание|сообщение|инструкция|указание) для (?:ии|ассистента|модели|"
        r"бота|нейросети)|(?:m[aä]rkus|s[oõ]num|juhis) (?:tehisintellektile|tehisarule|"
        r"assistendile|mudelile))(?!\w)",
    ),
    rule(
        "context_manipulation",
        0.8,
        "geändert|geandert|aktualisiert|gelten nicht|mises à jour|mises a jour|modifiées|"
        "modifiees|changées|changees|s'appliquent plus|han cambiado|ya no|sono cambiate|"
        "non valgono|изменились|изменены|больше не действуют|muutunud|ei kehti",
        r"(?<!\w)(?:(?:richtlinien|regeln|anweisungen) (?:wurden|sind|haben sich) (?:ge[aä]ndert|"
        r"aktualisiert|ersetzt|aufgehoben)|regeln gelten nicht mehr|(?:r[eè]gles|consignes|"
        r"instructions) (?:ont [eé]t[eé]|sont) (?:mises? [aà] jour|modifi[eé]es|chang[eé]es|"
        r"remplac[eé]es)|ne s'appliquent plus|(?:reglas|instrucciones|normas) han (?:cambiado|"
        r"sido (?:actualizadas|cambiadas|reemplazadas))|ya no (?:son v[aá]lidas|valen|aplican)|"
        r"(?:regole|istruzioni) sono (?:cambiate|state aggiornate|state sostituite)|non "
        r"valgono pi[uù]|(?:правила|инструкции) (?:изменились|были изменены|обновлены)|больше "
        r"не действуют|(?:reeglid|juhised) on (?:muutunud|muudetud)|ei kehti enam)(?!\w)",
        lead=40,
    ),
    rule(
        "memory_persistence",
        0.75,
        "merke dir|souviens|recuerda|ricorda|запомни|jäta|jata",
        r"(?<!\w)(?:merke? dir f[uü]r (?:alle|jede) (?:zuk[uü]nftigen|weiteren)|souviens-toi pour "
        r"(?:toutes les|tous les) (?:t[aâ]ches|conversations)|recuerda para todas las "
        r"(?:tareas|conversaciones) futuras|ricorda per tutte le (?:attivit[aà]|conversazioni) "
        r"future|запомни (?:для|на) (?:всех|все) (?:будущих|последующих)|j[aä]ta (?:k[oõ]igiks|"
        r"k[oõ]igi) (?:tulevasteks|j[aä]rgmisteks))(?!\w)",
    ),
    rule(
        "output_manipulation",
        0.75,
        "jede antwort|chaque réponse|chaque reponse|cada respuesta|ogni risposta|"
        "каждого ответа|каждый ответ|iga vastuse",
        rf"(?<!\w)(?:f[uü]ge{_GAP}(?:in|an) jede antwort|(?:ajoute|ajoutez){_GAP}chaque "
        rf"r[eé]ponse|a[nñ]ade{_GAP}cada respuesta|aggiungi{_GAP}ogni risposta|добавляй{_GAP}"
        rf"каждо(?:го|м|й) ответ\w*|lisa{_GAP}iga vastuse)",
        lead=70,
    ),
    rule(
        "exfiltration",
        0.8,
        "kundenliste|liste complète|liste complete|liste des clients|lista de clientes|"
        "elenco completo|elenco dei clienti|список клиентов|kliendinimekiri",
        r"(?<!\w)(?:sende|envoie|env[ií]a|invia|отправь|saada)[^.\n]{0,40}(?:kundenliste|liste "
        r"(?:compl[eè]te )?des clients|lista (?:completa )?de clientes|elenco (?:completo )?dei "
        r"clienti|список клиентов|kliendinimekiri)[^.\n]{0,40}(?:@|https?://|www\.)",
        lead=60,
    ),
)
