"""What the viewer tells a citizen about each public fact, in plain Dutch.

Why here and not in the mapping: ``mappings/poi.yml`` says what a feature *is* (the same text in
every download); the viewer must also say what it *means* for a tenant or a buyer, which is
advice, not data. One dict feeds the legend (server-side) and the popups and list (JavaScript),
so the two cannot say different things.
"""

from __future__ import annotations

SOURCE = "Wonen-Vlaanderen"

#: Per ``PRODUCT``: short code (CSS class), marker letter, layer title, the fact in one
#: sentence, what it is, what it means for a tenant or buyer, where to read more, and how the
#: one-line summary of an address point counts it (``een``: one fact, ``meer``: ``{n}`` facts).
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
        "een": "1 woning met een geldig conformiteitsattest",
        "meer_dan_een": "{n} woningen met een geldig conformiteitsattest",
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
        "een": "1 woning op de inventaris",
        "meer_dan_een": "{n} woningen op de inventaris",
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
        "een": "Gebouw: herstelvordering",
        "meer_dan_een": "Gebouw: {n} herstelvorderingen",
    },
}

#: The order in which an address point lists its facts (summary, marker letters, list):
#: the building's claim first, then the units declared unfit, then the certificates.
ORDER: tuple[str, ...] = ("RegisterHerstelvorderingen",
                          "VlaamseInventarisOngeschikteOnbewoonbareWoningen",
                          "Conformiteitsattest")

#: What the map and the search say where they show nothing, so that no reader takes an empty
#: spot, an unknown address or a typo for a clean record.
ABSENCE: dict[str, str] = {
    # Beside the legend and under every popup: what no dot means.
    "geen_stip": "Geen stip betekent niet dat een woning in orde is. De meeste woningen werden "
                 "nooit onderzocht: de kaart toont alleen wat de overheid heeft vastgesteld en "
                 "openbaar mag maken.",
    # Under a popup with facts: the other dwellings at the same address.
    "andere_woningen": "Staat een woning op dit adres hier niet bij? Dan is er over die woning "
                       "geen publiek feit bekend. Dat zegt niet dat ze in orde is.",
    # A found address without public facts ({adres}, {datum}).
    "geen_feiten": "Voor {adres} zijn op {datum} geen publieke feiten bekend.",
    # A search that found no address ({zoekterm}).
    "niet_gevonden": "Geen adres gevonden voor \u201c{zoekterm}\u201d. Controleer de straatnaam, "
                     "het huisnummer en de gemeente. Dat een adres niet gevonden wordt, zegt "
                     "niets over de woning.",
    # The search could not be answered (server or network).
    "fout": "Het zoeken lukte niet. Probeer het later opnieuw.",
}
