"""What the viewer tells a citizen about each public fact, in plain Dutch.

Why here and not in the mapping: ``mappings/poi.yml`` says what a feature *is* (the same text in
every download); the viewer must also say what it *means* for a tenant or a buyer, which is
advice, not data. One dict feeds the legend (server-side) and the popups and list (JavaScript),
so the two cannot say different things.
"""

from __future__ import annotations

SOURCE = "Wonen-Vlaanderen"

#: Per ``PRODUCT``: short code (CSS class, marker letter), layer title, the fact in one
#: sentence, what it is, what it means for a tenant or buyer, and where to read more.
PRODUCTS: dict[str, dict[str, str]] = {
    "Conformiteitsattest": {
        "code": "ca",
        "letter": "C",
        "titel": "Geldig conformiteitsattest",
        "feit": "Deze woning heeft een geldig conformiteitsattest.",
        "wat": "Een conformiteitsattest is het officiële bewijs dat de woning bij een "
               "woningonderzoek voldeed aan de Vlaamse normen voor veiligheid, gezondheid en "
               "woonkwaliteit. De gemeente of Wonen-Vlaanderen reikt het uit. Het is hoogstens "
               "tien jaar geldig (een gemeente kan een kortere termijn kiezen) en vervalt als de "
               "woning later ongeschikt of onbewoonbaar wordt verklaard.",
        "betekenis": "Huurt u? Dan was deze woning bij het onderzoek in orde. Koopt u? Een goed "
                     "teken, maar geen garantie over de staat van vandaag: vraag het attest aan "
                     "de verkoper of verhuurder.",
        "meer": "https://www.vlaanderen.be/conformiteitsattest",
    },
    "VlaamseInventarisOngeschikteOnbewoonbareWoningen": {
        "code": "vivoo",
        "letter": "I",
        "titel": "Ongeschikt of onbewoonbaar verklaard",
        "feit": "Deze woning staat op de Vlaamse inventaris van ongeschikte en onbewoonbare "
                "woningen.",
        "wat": "De burgemeester of de gewestelijke ambtenaar heeft beslist dat deze woning "
               "ernstige gebreken heeft (ongeschikt) of een gevaar is voor veiligheid of "
               "gezondheid (onbewoonbaar). De woning blijft op de inventaris tot ze hersteld is, "
               "meestal aangetoond met een nieuw conformiteitsattest.",
        "betekenis": "Huurt u? Een onbewoonbare woning mag niet bewoond of verhuurd worden; voor "
                     "een ongeschikte woning moet de verhuurder de gebreken herstellen. Koopt u? "
                     "Reken op renovatie en vraag de gemeente naar termijnen en een mogelijke "
                     "heffing.",
        "meer": "https://www.vlaanderen.be/ongeschikte-en-onbewoonbare-woningen",
    },
    "RegisterHerstelvorderingen": {
        "code": "hv",
        "letter": "H",
        "titel": "Herstelvordering",
        "feit": "Voor dit gebouw staat een herstelvordering in het register van "
                "herstelvorderingen.",
        "wat": "De Vlaamse Wooninspectie heeft een herstelvordering ingesteld: de eigenaar moet "
               "het gebouw in orde brengen omdat het niet voldoet aan de "
               "woningkwaliteitsnormen. Alleen het bestaan ervan is openbaar, geen details.",
        "betekenis": "Koopt u? De vordering blijft aan het gebouw verbonden, ook na een "
                     "verkoop, tot het herstel is vastgesteld: vraag de notaris ernaar. Huurt u? "
                     "Het gebouw heeft vastgestelde gebreken die nog niet hersteld zijn.",
        "meer": "https://www.vlaanderen.be/register-van-herstelvorderingen",
    },
}
