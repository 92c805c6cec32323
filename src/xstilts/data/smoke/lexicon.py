"""The hand-written multilingual lexicon of the synthetic data (data only; :mod:`.render` applies it).

One language-neutral inventory (people, nouns, verbs, adjectives, places, reasons, hours) and, for each
of the 15 XNLI languages, a :class:`Lang` record with real words in the language's own script and the
few facts the renderer needs to build grammatical simple clauses:

- word order of a clause (``order``: A agent, V verb, O object, C companion, P place, T time, R reason):
  SVO for most languages, SOV for hi/ur/tr, VSO for ar;
- noun tags: grammatical gender (de fr es ru bg el ar hi ur), noun class (sw) or classifier (zh vi);
- the indefinite article as a function of (tag, mass noun?, negated?) — e.g. German ``kein``, French
  partitive ``du``/``de``, Chinese ``一本``; languages without articles return "";
- adjective forms per gender/class and their position;
- verbs as (affirmative, negated) 3rd-person-singular present forms; hi/ur keep stems and ar the
  masculine form, gendered by ``verb_rule``.

Scope, said plainly: clauses are simple present-tense statements with an indefinite object; objects are
inanimate (so Russian accusative adjectives use the inanimate masculine form); person names are
transliterated per script and keep their grammatical gender; numerals are digits in every language
(Swahili counts hours from 6 a.m. as its speakers do, so "at 5 o'clock" is "saa 11"). Thai and
Chinese words are separated by spaces here only to mark word boundaries (for the tokenized columns);
the renderer joins them without spaces, as those languages are written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# --- language-neutral inventory --------------------------------------------------------------------

PERSONS = {  # name -> grammatical gender (drives agreement in fr bg el hi ur ar)
    "anna": "f", "maria": "f", "sara": "f", "elena": "f",
    "david": "m", "adam": "m", "daniel": "m", "omar": "m",
}  # fmt: skip

# noun -> (mass noun?, adjectives that make sense with it)
NOUNS = {
    "book": (False, ("new", "old", "big", "small", "red", "black", "white", "expensive")),
    "newspaper": (False, ("new", "old")),
    "letter": (False, ("new", "old")),
    "magazine": (False, ("new", "old", "expensive")),
    "map": (False, ("new", "old", "big", "small")),
    "apple": (False, ("big", "small", "red", "fresh")),
    "bread": (True, ("fresh", "hot", "white")),
    "cake": (False, ("big", "small", "fresh", "expensive")),
    "fish": (True, ("fresh",)),
    "rice": (True, ("hot", "white")),
    "soup": (True, ("hot", "cold", "fresh")),
    "egg": (False, ("fresh", "white")),
    "tea": (True, ("hot", "cold")),
    "coffee": (True, ("hot", "cold")),
    "water": (True, ("hot", "cold")),
    "milk": (True, ("hot", "cold", "fresh")),
    "juice": (True, ("cold", "fresh")),
    "box": (False, ("new", "old", "big", "small", "heavy", "red", "black", "white")),
    "bag": (False, ("new", "old", "big", "small", "heavy", "red", "black", "white", "expensive")),
    "chair": (False, ("new", "old", "big", "small", "heavy", "red", "black", "white")),
    "table": (False, ("new", "old", "big", "small", "heavy", "black", "white")),
    "lamp": (False, ("new", "old", "big", "small", "red", "black", "white", "expensive")),
    "phone": (False, ("new", "old", "small", "black", "white", "expensive")),
    "cup": (False, ("new", "old", "big", "small", "red", "black", "white")),
    "bottle": (False, ("big", "small", "heavy", "red", "black", "white")),
    "car": (False, ("new", "old", "big", "small", "red", "black", "white", "expensive")),
    "bicycle": (False, ("new", "old", "heavy", "red", "black", "white", "expensive")),
    "shirt": (False, ("new", "old", "red", "black", "white", "expensive")),
    "hat": (False, ("new", "old", "big", "small", "red", "black", "white", "expensive")),
    "picture": (False, ("new", "old", "big", "small", "expensive")),
    "door": (False, ("new", "old", "big", "small", "heavy", "red", "black", "white")),
    "window": (False, ("new", "old", "big", "small")),
    "ball": (False, ("new", "old", "big", "small", "heavy", "red", "black", "white")),
}

# verb -> the objects it takes (selectional restrictions keep sentences sensible in every language)
VERBS = {
    "read": ("book", "newspaper", "letter", "magazine", "map"),
    "write": ("letter", "book"),
    "eat": ("apple", "bread", "cake", "fish", "rice", "egg"),
    "drink": ("tea", "coffee", "water", "milk", "juice"),
    "buy": ("book", "newspaper", "magazine", "map", "apple", "bread", "cake", "fish", "rice", "egg", "tea",
            "coffee", "milk", "juice", "bag", "chair", "table", "lamp", "phone", "cup", "bottle", "car",
            "bicycle", "shirt", "hat", "picture", "ball", "box"),
    "sell": ("book", "magazine", "apple", "bread", "cake", "fish", "bag", "chair", "table", "lamp", "phone",
             "car", "bicycle", "shirt", "hat", "picture", "ball"),
    "carry": ("box", "bag", "chair", "table", "lamp", "bottle", "cup", "picture", "bicycle", "ball"),
    "wash": ("car", "cup", "bottle", "shirt", "apple", "bicycle", "window"),
    "open": ("box", "bag", "bottle", "door", "window", "letter", "book"),
    "repair": ("car", "bicycle", "chair", "table", "lamp", "phone", "door", "window"),
    "cook": ("rice", "fish", "soup", "egg"),
    "clean": ("car", "table", "chair", "window", "door", "cup", "bicycle", "lamp"),
    "send": ("letter", "book", "box", "picture", "map", "cake", "magazine"),
    "draw": ("picture", "map"),
    "order": ("tea", "coffee", "juice", "cake", "soup", "fish", "rice", "water"),
}  # fmt: skip

ADJECTIVES = ("new", "old", "big", "small", "red", "black", "white", "heavy", "expensive", "hot", "cold", "fresh")
PLACES = ("park", "market", "kitchen", "station", "library", "school", "garden", "beach", "office", "airport",
          "museum", "hotel", "restaurant", "city", "home")  # fmt: skip
REASONS = ("rain", "cold", "nice_weather", "train_late", "shop_closed", "holiday")
HOURS = tuple(range(2, 12))  # "at 2 o'clock" .. "at 11 o'clock"; 1 and 12 avoided (singular forms)

# --- per-language record ---------------------------------------------------------------------------

Forms = str | dict[str, str]  # one form, or one per gender / noun class / name case


@dataclass(frozen=True)
class Lang:
    """Everything the renderer needs for one language (see the module docstring)."""

    code: str
    script: str  # Unicode script of its letters (tests/data/test_smoke.py checks it): Latin, Arabic, ...
    names: dict[str, Forms]  # person -> name, or {case: form} (ru gen/ins, el nom/acc, tr abl, bg with)
    nouns: dict[str, tuple[str, object]]  # noun -> (form used as object, tag: gender/class/classifier)
    article: Callable[[object, bool, bool], str]  # (tag, mass, negated) -> article ("" for none)
    adjectives: dict[str, Forms]  # adjective -> form, or {tag: form}
    verbs: dict[str, tuple[str, str] | str]  # verb -> (affirmative, negated), or a stem for verb_rule
    places: dict[str, str]  # place -> locative phrase ("in the park")
    reasons: dict[str, str]  # reason -> clause with its conjunction ("because it is raining")
    time: Callable[[int], str]  # hour -> "at 5 o'clock"
    companion: str  # "with {B}"; {B.case} picks a name case
    older: Forms  # "{A} is older than {B}", or {gender of A: pattern}
    younger: Forms
    order: str  # clause slots in order, e.g. "AVOCPTR"
    and_: str  # clause coordinator; a trailing "+" glues it to the next word (Arabic و)
    stop: str  # sentence-final punctuation ("" for Thai, which separates sentences by a space)
    adj_after: bool = False  # adjectives follow the noun
    pre_adjectives: frozenset = frozenset()  # exceptions that precede the noun (French vieux, grand, petit)
    article_after_adj: bool = False  # Turkish "kırmızı bir kitap"
    reason_comma: str = ""  # punctuation before a reason clause (German ", weil")
    comma: str = ","  # closes a reason clause before a coordinated clause ("..., weil es regnet, und ...")
    spaced: bool = True  # words separated by spaces (False: zh, th)
    cased: bool = True  # capitalise the first letter of a sentence
    verb_rule: Callable[[str, str, bool], str] | None = None  # (stem, gender, negated) -> verb form


def _gendered(m: str, f: str, n: str | None = None) -> dict[str, str]:
    return {"m": m, "f": f} if n is None else {"m": m, "f": f, "n": n}


def _sw(c3: str, c5: str, c6: str, c7: str, c9: str, c14: str) -> dict[int, str]:
    """A Swahili adjective agreeing with noun classes 3, 5, 6, 7, 9 and 14."""
    return {3: c3, 5: c5, 6: c6, 7: c7, 9: c9, 14: c14}


# --- English ---------------------------------------------------------------------------------------

EN = Lang(
    code="en",
    script="Latin",
    names={"anna": "Anna", "maria": "Maria", "sara": "Sara", "elena": "Elena",
           "david": "David", "adam": "Adam", "daniel": "Daniel", "omar": "Omar"},
    nouns={n: (n, None) for n in NOUNS},
    article=lambda tag, mass, neg: "" if mass else "a",  # "a" -> "an" before a vowel (renderer)
    adjectives={a: a for a in ADJECTIVES},
    verbs={
        "read": ("reads", "does not read"), "write": ("writes", "does not write"),
        "eat": ("eats", "does not eat"), "drink": ("drinks", "does not drink"),
        "buy": ("buys", "does not buy"), "sell": ("sells", "does not sell"),
        "carry": ("carries", "does not carry"), "wash": ("washes", "does not wash"),
        "open": ("opens", "does not open"), "repair": ("repairs", "does not repair"),
        "cook": ("cooks", "does not cook"), "clean": ("cleans", "does not clean"),
        "send": ("sends", "does not send"), "draw": ("draws", "does not draw"),
        "order": ("orders", "does not order"),
    },
    places={
        "park": "in the park", "market": "at the market", "kitchen": "in the kitchen",
        "station": "at the station", "library": "in the library", "school": "at school",
        "garden": "in the garden", "beach": "on the beach", "office": "in the office",
        "airport": "at the airport", "museum": "in the museum", "hotel": "at the hotel",
        "restaurant": "in the restaurant", "city": "in the city", "home": "at home",
    },
    reasons={
        "rain": "because it is raining", "cold": "because it is cold",
        "nice_weather": "because the weather is nice", "train_late": "because the train is late",
        "shop_closed": "because the shop is closed", "holiday": "because today is a holiday",
    },
    time=lambda h: f"at {h} o'clock",
    companion="with {B}",
    older="{A} is older than {B}",
    younger="{A} is younger than {B}",
    order="AVOCPTR",
    and_=", and",
    stop=".",
)  # fmt: skip

# --- German ----------------------------------------------------------------------------------------

_DE_ADJ = {  # accusative after ein/kein and without article: -en (m), -e (f), -es (n)
    "new": "neu", "old": "alt", "big": "groß", "small": "klein", "red": "rot", "black": "schwarz",
    "white": "weiß", "heavy": "schwer", "expensive": "teur", "hot": "heiß", "cold": "kalt", "fresh": "frisch",
}  # fmt: skip
DE = Lang(
    code="de",
    script="Latin",
    names=dict(EN.names),
    nouns={
        "book": ("Buch", "n"), "newspaper": ("Zeitung", "f"), "letter": ("Brief", "m"),
        "magazine": ("Zeitschrift", "f"), "map": ("Landkarte", "f"), "apple": ("Apfel", "m"),
        "bread": ("Brot", "n"), "cake": ("Kuchen", "m"), "fish": ("Fisch", "m"), "rice": ("Reis", "m"),
        "soup": ("Suppe", "f"), "egg": ("Ei", "n"), "tea": ("Tee", "m"), "coffee": ("Kaffee", "m"),
        "water": ("Wasser", "n"), "milk": ("Milch", "f"), "juice": ("Saft", "m"), "box": ("Kiste", "f"),
        "bag": ("Tasche", "f"), "chair": ("Stuhl", "m"), "table": ("Tisch", "m"), "lamp": ("Lampe", "f"),
        "phone": ("Handy", "n"), "cup": ("Tasse", "f"), "bottle": ("Flasche", "f"), "car": ("Auto", "n"),
        "bicycle": ("Fahrrad", "n"), "shirt": ("Hemd", "n"), "hat": ("Hut", "m"), "picture": ("Bild", "n"),
        "door": ("Tür", "f"), "window": ("Fenster", "n"), "ball": ("Ball", "m"),
    },
    # negation is "kein" on the object ("Anna liest kein Buch"), so negated verbs are unchanged
    article=lambda g, mass, neg: ({"m": "keinen", "f": "keine", "n": "kein"}[g] if neg
                                  else "" if mass else {"m": "einen", "f": "eine", "n": "ein"}[g]),
    adjectives={a: _gendered(s + "en", s + "e", s + "es") for a, s in _DE_ADJ.items()},
    verbs={
        "read": ("liest", "liest"), "write": ("schreibt", "schreibt"), "eat": ("isst", "isst"),
        "drink": ("trinkt", "trinkt"), "buy": ("kauft", "kauft"), "sell": ("verkauft", "verkauft"),
        "carry": ("trägt", "trägt"), "wash": ("wäscht", "wäscht"), "open": ("öffnet", "öffnet"),
        "repair": ("repariert", "repariert"), "cook": ("kocht", "kocht"), "clean": ("putzt", "putzt"),
        "send": ("schickt", "schickt"), "draw": ("zeichnet", "zeichnet"), "order": ("bestellt", "bestellt"),
    },
    places={
        "park": "im Park", "market": "auf dem Markt", "kitchen": "in der Küche", "station": "am Bahnhof",
        "library": "in der Bibliothek", "school": "in der Schule", "garden": "im Garten",
        "beach": "am Strand", "office": "im Büro", "airport": "am Flughafen", "museum": "im Museum",
        "hotel": "im Hotel", "restaurant": "im Restaurant", "city": "in der Stadt", "home": "zu Hause",
    },
    reasons={
        "rain": "weil es regnet", "cold": "weil es kalt ist", "nice_weather": "weil das Wetter schön ist",
        "train_late": "weil der Zug Verspätung hat", "shop_closed": "weil der Laden geschlossen ist",
        "holiday": "weil heute ein Feiertag ist",
    },
    time=lambda h: f"um {h} Uhr",
    companion="mit {B}",
    older="{A} ist älter als {B}",
    younger="{A} ist jünger als {B}",
    order="AVTCPOR",  # time before manner before place; the indefinite object comes last
    and_="und",
    stop=".",
    reason_comma=",",
)  # fmt: skip

# --- French ----------------------------------------------------------------------------------------

FR = Lang(
    code="fr",
    script="Latin",
    names=dict(EN.names),
    nouns={
        "book": ("livre", "m"), "newspaper": ("journal", "m"), "letter": ("lettre", "f"),
        "magazine": ("magazine", "m"), "map": ("carte", "f"), "apple": ("pomme", "f"),
        "bread": ("pain", "m"), "cake": ("gâteau", "m"), "fish": ("poisson", "m"), "rice": ("riz", "m"),
        "soup": ("soupe", "f"), "egg": ("œuf", "m"), "tea": ("thé", "m"), "coffee": ("café", "m"),
        "water": ("eau", "f"), "milk": ("lait", "m"), "juice": ("jus", "m"), "box": ("boîte", "f"),
        "bag": ("sac", "m"), "chair": ("chaise", "f"), "table": ("table", "f"), "lamp": ("lampe", "f"),
        "phone": ("téléphone", "m"), "cup": ("tasse", "f"), "bottle": ("bouteille", "f"),
        "car": ("voiture", "f"), "bicycle": ("vélo", "m"), "shirt": ("chemise", "f"),
        "hat": ("chapeau", "m"), "picture": ("tableau", "m"), "door": ("porte", "f"),
        "window": ("fenêtre", "f"), "ball": ("ballon", "m"),
    },
    # partitive for mass nouns, "de" after a negation; elision (de l'eau, d'œuf) is done by the renderer
    article=lambda g, mass, neg: "de" if neg else ({"m": "du", "f": "de la"}[g] if mass
                                                   else {"m": "un", "f": "une"}[g]),
    adjectives={
        "new": _gendered("neuf", "neuve"), "old": _gendered("vieux", "vieille"),
        "big": _gendered("grand", "grande"), "small": _gendered("petit", "petite"),
        "red": "rouge", "black": _gendered("noir", "noire"), "white": _gendered("blanc", "blanche"),
        "heavy": _gendered("lourd", "lourde"), "expensive": _gendered("cher", "chère"),
        "hot": _gendered("chaud", "chaude"), "cold": _gendered("froid", "froide"),
        "fresh": _gendered("frais", "fraîche"),
    },
    verbs={
        "read": ("lit", "ne lit pas"), "write": ("écrit", "n'écrit pas"), "eat": ("mange", "ne mange pas"),
        "drink": ("boit", "ne boit pas"), "buy": ("achète", "n'achète pas"), "sell": ("vend", "ne vend pas"),
        "carry": ("porte", "ne porte pas"), "wash": ("lave", "ne lave pas"), "open": ("ouvre", "n'ouvre pas"),
        "repair": ("répare", "ne répare pas"), "cook": ("prépare", "ne prépare pas"),
        "clean": ("nettoie", "ne nettoie pas"), "send": ("envoie", "n'envoie pas"),
        "draw": ("dessine", "ne dessine pas"), "order": ("commande", "ne commande pas"),
    },
    places={
        "park": "au parc", "market": "au marché", "kitchen": "dans la cuisine", "station": "à la gare",
        "library": "à la bibliothèque", "school": "à l'école", "garden": "dans le jardin",
        "beach": "à la plage", "office": "au bureau", "airport": "à l'aéroport", "museum": "au musée",
        "hotel": "à l'hôtel", "restaurant": "au restaurant", "city": "en ville", "home": "à la maison",
    },
    reasons={
        "rain": "parce qu'il pleut", "cold": "parce qu'il fait froid", "nice_weather": "parce qu'il fait beau",
        "train_late": "parce que le train est en retard", "shop_closed": "parce que le magasin est fermé",
        "holiday": "parce qu'aujourd'hui est un jour férié",
    },
    time=lambda h: f"à {h} heures",
    companion="avec {B}",
    older=_gendered("{A} est plus âgé que {B}", "{A} est plus âgée que {B}"),
    younger="{A} est plus jeune que {B}",
    order="AVOCPTR",
    and_="et",
    stop=".",
    adj_after=True,
    pre_adjectives=frozenset({"old", "big", "small"}),
)  # fmt: skip

# --- Spanish ---------------------------------------------------------------------------------------

ES = Lang(
    code="es",
    script="Latin",
    names=dict(EN.names),
    nouns={
        "book": ("libro", "m"), "newspaper": ("periódico", "m"), "letter": ("carta", "f"),
        "magazine": ("revista", "f"), "map": ("mapa", "m"), "apple": ("manzana", "f"), "bread": ("pan", "m"),
        "cake": ("pastel", "m"), "fish": ("pescado", "m"), "rice": ("arroz", "m"), "soup": ("sopa", "f"),
        "egg": ("huevo", "m"), "tea": ("té", "m"), "coffee": ("café", "m"), "water": ("agua", "f"),
        "milk": ("leche", "f"), "juice": ("zumo", "m"), "box": ("caja", "f"), "bag": ("bolso", "m"),
        "chair": ("silla", "f"), "table": ("mesa", "f"), "lamp": ("lámpara", "f"),
        "phone": ("teléfono", "m"), "cup": ("taza", "f"), "bottle": ("botella", "f"), "car": ("coche", "m"),
        "bicycle": ("bicicleta", "f"), "shirt": ("camisa", "f"), "hat": ("sombrero", "m"),
        "picture": ("cuadro", "m"), "door": ("puerta", "f"), "window": ("ventana", "f"),
        "ball": ("pelota", "f"),
    },
    article=lambda g, mass, neg: "" if mass else {"m": "un", "f": "una"}[g],
    adjectives={
        "new": _gendered("nuevo", "nueva"), "old": _gendered("viejo", "vieja"), "big": "grande",
        "small": _gendered("pequeño", "pequeña"), "red": _gendered("rojo", "roja"),
        "black": _gendered("negro", "negra"), "white": _gendered("blanco", "blanca"),
        "heavy": _gendered("pesado", "pesada"), "expensive": _gendered("caro", "cara"), "hot": "caliente",
        "cold": _gendered("frío", "fría"), "fresh": _gendered("fresco", "fresca"),
    },
    verbs={v: (p, "no " + p) for v, p in {
        "read": "lee", "write": "escribe", "eat": "come", "drink": "bebe", "buy": "compra", "sell": "vende",
        "carry": "lleva", "wash": "lava", "open": "abre", "repair": "repara", "cook": "cocina",
        "clean": "limpia", "send": "envía", "draw": "dibuja", "order": "pide"}.items()},
    places={
        "park": "en el parque", "market": "en el mercado", "kitchen": "en la cocina",
        "station": "en la estación", "library": "en la biblioteca", "school": "en la escuela",
        "garden": "en el jardín", "beach": "en la playa", "office": "en la oficina",
        "airport": "en el aeropuerto", "museum": "en el museo", "hotel": "en el hotel",
        "restaurant": "en el restaurante", "city": "en la ciudad", "home": "en casa",
    },
    reasons={
        "rain": "porque llueve", "cold": "porque hace frío", "nice_weather": "porque hace buen tiempo",
        "train_late": "porque el tren llega tarde", "shop_closed": "porque la tienda está cerrada",
        "holiday": "porque hoy es festivo",
    },
    time=lambda h: f"a las {h}",
    companion="con {B}",
    older="{A} es mayor que {B}",
    younger="{A} es menor que {B}",
    order="AVOCPTR",
    and_="y",
    stop=".",
    adj_after=True,
)  # fmt: skip

# --- Russian ---------------------------------------------------------------------------------------

RU = Lang(
    code="ru",
    script="Cyrillic",
    names={
        "anna": {"nom": "Анна", "gen": "Анны", "ins": "Анной"},
        "maria": {"nom": "Мария", "gen": "Марии", "ins": "Марией"},
        "sara": {"nom": "Сара", "gen": "Сары", "ins": "Сарой"},
        "elena": {"nom": "Елена", "gen": "Елены", "ins": "Еленой"},
        "david": {"nom": "Давид", "gen": "Давида", "ins": "Давидом"},
        "adam": {"nom": "Адам", "gen": "Адама", "ins": "Адамом"},
        "daniel": {"nom": "Даниил", "gen": "Даниила", "ins": "Даниилом"},
        "omar": {"nom": "Омар", "gen": "Омара", "ins": "Омаром"},
    },
    nouns={  # accusative singular (inanimate)
        "book": ("книгу", "f"), "newspaper": ("газету", "f"), "letter": ("письмо", "n"),
        "magazine": ("журнал", "m"), "map": ("карту", "f"), "apple": ("яблоко", "n"), "bread": ("хлеб", "m"),
        "cake": ("торт", "m"), "fish": ("рыбу", "f"), "rice": ("рис", "m"), "soup": ("суп", "m"),
        "egg": ("яйцо", "n"), "tea": ("чай", "m"), "coffee": ("кофе", "m"), "water": ("воду", "f"),
        "milk": ("молоко", "n"), "juice": ("сок", "m"), "box": ("коробку", "f"), "bag": ("сумку", "f"),
        "chair": ("стул", "m"), "table": ("стол", "m"), "lamp": ("лампу", "f"), "phone": ("телефон", "m"),
        "cup": ("чашку", "f"), "bottle": ("бутылку", "f"), "car": ("машину", "f"),
        "bicycle": ("велосипед", "m"), "shirt": ("рубашку", "f"), "hat": ("шляпу", "f"),
        "picture": ("картину", "f"), "door": ("дверь", "f"), "window": ("окно", "n"), "ball": ("мяч", "m"),
    },
    article=lambda g, mass, neg: "",
    adjectives={  # accusative: masculine inanimate, feminine, neuter
        "new": _gendered("новый", "новую", "новое"), "old": _gendered("старый", "старую", "старое"),
        "big": _gendered("большой", "большую", "большое"),
        "small": _gendered("маленький", "маленькую", "маленькое"),
        "red": _gendered("красный", "красную", "красное"), "black": _gendered("чёрный", "чёрную", "чёрное"),
        "white": _gendered("белый", "белую", "белое"), "heavy": _gendered("тяжёлый", "тяжёлую", "тяжёлое"),
        "expensive": _gendered("дорогой", "дорогую", "дорогое"),
        "hot": _gendered("горячий", "горячую", "горячее"),
        "cold": _gendered("холодный", "холодную", "холодное"),
        "fresh": _gendered("свежий", "свежую", "свежее"),
    },
    verbs={v: (p, "не " + p) for v, p in {
        "read": "читает", "write": "пишет", "eat": "ест", "drink": "пьёт", "buy": "покупает",
        "sell": "продаёт", "carry": "несёт", "wash": "моет", "open": "открывает", "repair": "чинит",
        "cook": "готовит", "clean": "чистит", "send": "отправляет", "draw": "рисует",
        "order": "заказывает"}.items()},
    places={
        "park": "в парке", "market": "на рынке", "kitchen": "на кухне", "station": "на вокзале",
        "library": "в библиотеке", "school": "в школе", "garden": "в саду", "beach": "на пляже",
        "office": "в офисе", "airport": "в аэропорту", "museum": "в музее", "hotel": "в гостинице",
        "restaurant": "в ресторане", "city": "в городе", "home": "дома",
    },
    reasons={
        "rain": "потому что идёт дождь", "cold": "потому что холодно",
        "nice_weather": "потому что хорошая погода", "train_late": "потому что поезд опаздывает",
        "shop_closed": "потому что магазин закрыт", "holiday": "потому что сегодня праздник",
    },
    time=lambda h: f"в {h} {'часа' if h <= 4 else 'часов'}",
    companion="с {B.ins}",
    older="{A} старше {B.gen}",
    younger="{A} младше {B.gen}",
    order="AVOCPTR",
    and_=", и",
    stop=".",
    reason_comma=",",
)  # fmt: skip

# --- Bulgarian -------------------------------------------------------------------------------------

_BG_NAMES = {"anna": "Анна", "maria": "Мария", "sara": "Сара", "elena": "Елена",
             "david": "Давид", "adam": "Адам", "daniel": "Даниел", "omar": "Омар"}  # fmt: skip
BG = Lang(
    code="bg",
    script="Cyrillic",
    # "с" becomes "със" before a word starting with с or з
    names={k: {"nom": v, "with": ("със " if v[0] in "СЗ" else "с ") + v} for k, v in _BG_NAMES.items()},
    nouns={
        "book": ("книга", "f"), "newspaper": ("вестник", "m"), "letter": ("писмо", "n"),
        "magazine": ("списание", "n"), "map": ("карта", "f"), "apple": ("ябълка", "f"), "bread": ("хляб", "m"),
        "cake": ("торта", "f"), "fish": ("риба", "f"), "rice": ("ориз", "m"), "soup": ("супа", "f"),
        "egg": ("яйце", "n"), "tea": ("чай", "m"), "coffee": ("кафе", "n"), "water": ("вода", "f"),
        "milk": ("мляко", "n"), "juice": ("сок", "m"), "box": ("кутия", "f"), "bag": ("чанта", "f"),
        "chair": ("стол", "m"), "table": ("маса", "f"), "lamp": ("лампа", "f"), "phone": ("телефон", "m"),
        "cup": ("чаша", "f"), "bottle": ("бутилка", "f"), "car": ("кола", "f"), "bicycle": ("велосипед", "m"),
        "shirt": ("риза", "f"), "hat": ("шапка", "f"), "picture": ("картина", "f"), "door": ("врата", "f"),
        "window": ("прозорец", "m"), "ball": ("топка", "f"),
    },
    article=lambda g, mass, neg: "",  # indefinite nouns are bare
    adjectives={
        "new": _gendered("нов", "нова", "ново"), "old": _gendered("стар", "стара", "старо"),
        "big": _gendered("голям", "голяма", "голямо"), "small": _gendered("малък", "малка", "малко"),
        "red": _gendered("червен", "червена", "червено"), "black": _gendered("черен", "черна", "черно"),
        "white": _gendered("бял", "бяла", "бяло"), "heavy": _gendered("тежък", "тежка", "тежко"),
        "expensive": _gendered("скъп", "скъпа", "скъпо"), "hot": _gendered("горещ", "гореща", "горещо"),
        "cold": _gendered("студен", "студена", "студено"), "fresh": _gendered("пресен", "прясна", "прясно"),
    },
    verbs={v: (p, "не " + p) for v, p in {
        "read": "чете", "write": "пише", "eat": "яде", "drink": "пие", "buy": "купува", "sell": "продава",
        "carry": "носи", "wash": "мие", "open": "отваря", "repair": "поправя", "cook": "готви",
        "clean": "чисти", "send": "изпраща", "draw": "рисува", "order": "поръчва"}.items()},
    places={
        "park": "в парка", "market": "на пазара", "kitchen": "в кухнята", "station": "на гарата",
        "library": "в библиотеката", "school": "в училище", "garden": "в градината", "beach": "на плажа",
        "office": "в офиса", "airport": "на летището", "museum": "в музея", "hotel": "в хотела",
        "restaurant": "в ресторанта", "city": "в града", "home": "вкъщи",
    },
    reasons={
        "rain": "защото вали", "cold": "защото е студено", "nice_weather": "защото времето е хубаво",
        "train_late": "защото влакът закъснява", "shop_closed": "защото магазинът е затворен",
        "holiday": "защото днес е празник",
    },
    time=lambda h: f"в {h} часа",
    companion="{B.with}",
    older=_gendered("{A} е по-възрастен от {B}", "{A} е по-възрастна от {B}"),
    younger=_gendered("{A} е по-млад от {B}", "{A} е по-млада от {B}"),
    order="AVOCPTR",
    and_="и",
    stop=".",
    reason_comma=",",
)  # fmt: skip

# --- Greek -----------------------------------------------------------------------------------------

EL = Lang(
    code="el",
    script="Greek",
    names={  # names take the article; the biblical ones are indeclinable
        "anna": {"nom": "η Άννα", "acc": "την Άννα"}, "maria": {"nom": "η Μαρία", "acc": "τη Μαρία"},
        "sara": {"nom": "η Σάρα", "acc": "τη Σάρα"}, "elena": {"nom": "η Ελένη", "acc": "την Ελένη"},
        "david": {"nom": "ο Δαβίδ", "acc": "τον Δαβίδ"}, "adam": {"nom": "ο Αδάμ", "acc": "τον Αδάμ"},
        "daniel": {"nom": "ο Δανιήλ", "acc": "τον Δανιήλ"}, "omar": {"nom": "ο Ομάρ", "acc": "τον Ομάρ"},
    },
    nouns={  # accusative singular
        "book": ("βιβλίο", "n"), "newspaper": ("εφημερίδα", "f"), "letter": ("γράμμα", "n"),
        "magazine": ("περιοδικό", "n"), "map": ("χάρτη", "m"), "apple": ("μήλο", "n"), "bread": ("ψωμί", "n"),
        "cake": ("τούρτα", "f"), "fish": ("ψάρι", "n"), "rice": ("ρύζι", "n"), "soup": ("σούπα", "f"),
        "egg": ("αυγό", "n"), "tea": ("τσάι", "n"), "coffee": ("καφέ", "m"), "water": ("νερό", "n"),
        "milk": ("γάλα", "n"), "juice": ("χυμό", "m"), "box": ("κουτί", "n"), "bag": ("τσάντα", "f"),
        "chair": ("καρέκλα", "f"), "table": ("τραπέζι", "n"), "lamp": ("λάμπα", "f"),
        "phone": ("τηλέφωνο", "n"), "cup": ("φλιτζάνι", "n"), "bottle": ("μπουκάλι", "n"),
        "car": ("αυτοκίνητο", "n"), "bicycle": ("ποδήλατο", "n"), "shirt": ("πουκάμισο", "n"),
        "hat": ("καπέλο", "n"), "picture": ("εικόνα", "f"), "door": ("πόρτα", "f"),
        "window": ("παράθυρο", "n"), "ball": ("μπάλα", "f"),
    },
    # after a negation the object is bare ("δεν διαβάζει βιβλίο")
    article=lambda g, mass, neg: "" if mass or neg else {"m": "έναν", "f": "μια", "n": "ένα"}[g],
    adjectives={  # accusative m, f, n
        "new": _gendered("καινούργιο", "καινούργια", "καινούργιο"), "old": _gendered("παλιό", "παλιά", "παλιό"),
        "big": _gendered("μεγάλο", "μεγάλη", "μεγάλο"), "small": _gendered("μικρό", "μικρή", "μικρό"),
        "red": _gendered("κόκκινο", "κόκκινη", "κόκκινο"), "black": _gendered("μαύρο", "μαύρη", "μαύρο"),
        "white": _gendered("άσπρο", "άσπρη", "άσπρο"), "heavy": _gendered("βαρύ", "βαριά", "βαρύ"),
        "expensive": _gendered("ακριβό", "ακριβή", "ακριβό"), "hot": _gendered("ζεστό", "ζεστή", "ζεστό"),
        "cold": _gendered("κρύο", "κρύα", "κρύο"), "fresh": _gendered("φρέσκο", "φρέσκια", "φρέσκο"),
    },
    verbs={v: (p, "δεν " + p) for v, p in {
        "read": "διαβάζει", "write": "γράφει", "eat": "τρώει", "drink": "πίνει", "buy": "αγοράζει",
        "sell": "πουλάει", "carry": "κουβαλάει", "wash": "πλένει", "open": "ανοίγει",
        "repair": "επισκευάζει", "cook": "μαγειρεύει", "clean": "καθαρίζει", "send": "στέλνει",
        "draw": "σχεδιάζει", "order": "παραγγέλνει"}.items()},
    places={
        "park": "στο πάρκο", "market": "στην αγορά", "kitchen": "στην κουζίνα", "station": "στον σταθμό",
        "library": "στη βιβλιοθήκη", "school": "στο σχολείο", "garden": "στον κήπο",
        "beach": "στην παραλία", "office": "στο γραφείο", "airport": "στο αεροδρόμιο",
        "museum": "στο μουσείο", "hotel": "στο ξενοδοχείο", "restaurant": "στο εστιατόριο",
        "city": "στην πόλη", "home": "στο σπίτι",
    },
    reasons={
        "rain": "επειδή βρέχει", "cold": "επειδή κάνει κρύο", "nice_weather": "επειδή ο καιρός είναι ωραίος",
        "train_late": "επειδή το τρένο έχει καθυστέρηση", "shop_closed": "επειδή το μαγαζί είναι κλειστό",
        "holiday": "επειδή σήμερα είναι αργία",
    },
    time=lambda h: f"στις {h}",
    companion="με {B.acc}",
    older=_gendered("{A} είναι μεγαλύτερος από {B.acc}", "{A} είναι μεγαλύτερη από {B.acc}"),
    younger=_gendered("{A} είναι μικρότερος από {B.acc}", "{A} είναι μικρότερη από {B.acc}"),
    order="AVOCPTR",
    and_="και",
    stop=".",
)  # fmt: skip

# --- Turkish ---------------------------------------------------------------------------------------

_TR_LOCATIVE = {2: "de", 3: "te", 4: "te", 5: "te", 6: "da", 7: "de", 8: "de", 9: "da", 10: "da", 11: "de"}
TR = Lang(
    code="tr",
    script="Latin",
    names={  # ablative for comparisons (vowel harmony, y-buffer after vowels)
        "anna": {"nom": "Anna", "abl": "Anna'dan"}, "maria": {"nom": "Maria", "abl": "Maria'dan"},
        "sara": {"nom": "Sara", "abl": "Sara'dan"}, "elena": {"nom": "Elena", "abl": "Elena'dan"},
        "david": {"nom": "David", "abl": "David'den"}, "adam": {"nom": "Adam", "abl": "Adam'dan"},
        "daniel": {"nom": "Daniel", "abl": "Daniel'den"}, "omar": {"nom": "Omar", "abl": "Omar'dan"},
    },
    nouns={
        "book": ("kitap", None), "newspaper": ("gazete", None), "letter": ("mektup", None),
        "magazine": ("dergi", None), "map": ("harita", None), "apple": ("elma", None), "bread": ("ekmek", None),
        "cake": ("pasta", None), "fish": ("balık", None), "rice": ("pilav", None), "soup": ("çorba", None),
        "egg": ("yumurta", None), "tea": ("çay", None), "coffee": ("kahve", None), "water": ("su", None),
        "milk": ("süt", None), "juice": ("meyve suyu", None), "box": ("kutu", None), "bag": ("çanta", None),
        "chair": ("sandalye", None), "table": ("masa", None), "lamp": ("lamba", None),
        "phone": ("telefon", None), "cup": ("fincan", None), "bottle": ("şişe", None), "car": ("araba", None),
        "bicycle": ("bisiklet", None), "shirt": ("gömlek", None), "hat": ("şapka", None),
        "picture": ("resim", None), "door": ("kapı", None), "window": ("pencere", None), "ball": ("top", None),
    },
    article=lambda tag, mass, neg: "" if mass or neg else "bir",  # "kırmızı bir kitap"
    adjectives={
        "new": "yeni", "old": "eski", "big": "büyük", "small": "küçük", "red": "kırmızı", "black": "siyah",
        "white": "beyaz", "heavy": "ağır", "expensive": "pahalı", "hot": "sıcak", "cold": "soğuk",
        "fresh": "taze",
    },
    verbs={
        "read": ("okuyor", "okumuyor"), "write": ("yazıyor", "yazmıyor"), "eat": ("yiyor", "yemiyor"),
        "drink": ("içiyor", "içmiyor"), "buy": ("satın alıyor", "satın almıyor"),
        "sell": ("satıyor", "satmıyor"), "carry": ("taşıyor", "taşımıyor"), "wash": ("yıkıyor", "yıkamıyor"),
        "open": ("açıyor", "açmıyor"), "repair": ("tamir ediyor", "tamir etmiyor"),
        "cook": ("pişiriyor", "pişirmiyor"), "clean": ("temizliyor", "temizlemiyor"),
        "send": ("gönderiyor", "göndermiyor"), "draw": ("çiziyor", "çizmiyor"),
        "order": ("sipariş ediyor", "sipariş etmiyor"),
    },
    places={
        "park": "parkta", "market": "pazarda", "kitchen": "mutfakta", "station": "istasyonda",
        "library": "kütüphanede", "school": "okulda", "garden": "bahçede", "beach": "plajda",
        "office": "ofiste", "airport": "havalimanında", "museum": "müzede", "hotel": "otelde",
        "restaurant": "restoranda", "city": "şehirde", "home": "evde",
    },
    reasons={  # a Turkish reason clause comes before the main clause
        "rain": "yağmur yağdığı için", "cold": "hava soğuk olduğu için", "nice_weather": "hava güzel olduğu için",
        "train_late": "tren geciktiği için", "shop_closed": "dükkân kapalı olduğu için",
        "holiday": "bugün tatil olduğu için",
    },
    time=lambda h: f"saat {h}'{_TR_LOCATIVE[h]}",
    companion="{B} ile",
    older="{A} {B.abl} yaşça büyük",
    younger="{A} {B.abl} yaşça küçük",
    order="RATCPOV",
    and_="ve",
    stop=".",
    article_after_adj=True,
)  # fmt: skip

# --- Arabic ----------------------------------------------------------------------------------------

AR = Lang(
    code="ar",
    script="Arabic",
    names={"anna": "آنا", "maria": "ماريا", "sara": "سارة", "elena": "إيلينا",
           "david": "داود", "adam": "آدم", "daniel": "دانيال", "omar": "عمر"},
    nouns={  # indefinite accusative, unvowelled (tanwin alif on masculine nouns: كتابا)
        "book": ("كتابا", "m"), "newspaper": ("جريدة", "f"), "letter": ("رسالة", "f"),
        "magazine": ("مجلة", "f"), "map": ("خريطة", "f"), "apple": ("تفاحة", "f"), "bread": ("خبزا", "m"),
        "cake": ("كعكة", "f"), "fish": ("سمكا", "m"), "rice": ("أرزا", "m"), "soup": ("حساء", "m"),
        "egg": ("بيضة", "f"), "tea": ("شايا", "m"), "coffee": ("قهوة", "f"), "water": ("ماء", "m"),
        "milk": ("حليبا", "m"), "juice": ("عصيرا", "m"), "box": ("صندوقا", "m"), "bag": ("حقيبة", "f"),
        "chair": ("كرسيا", "m"), "table": ("طاولة", "f"), "lamp": ("مصباحا", "m"), "phone": ("هاتفا", "m"),
        "cup": ("كوبا", "m"), "bottle": ("زجاجة", "f"), "car": ("سيارة", "f"), "bicycle": ("دراجة", "f"),
        "shirt": ("قميصا", "m"), "hat": ("قبعة", "f"), "picture": ("صورة", "f"), "door": ("بابا", "m"),
        "window": ("نافذة", "f"), "ball": ("كرة", "f"),
    },
    article=lambda g, mass, neg: "",
    adjectives={  # masculine accusative (colour adjectives are diptotes: no alif), feminine
        "new": _gendered("جديدا", "جديدة"), "old": _gendered("قديما", "قديمة"), "big": _gendered("كبيرا", "كبيرة"),
        "small": _gendered("صغيرا", "صغيرة"), "red": _gendered("أحمر", "حمراء"),
        "black": _gendered("أسود", "سوداء"), "white": _gendered("أبيض", "بيضاء"),
        "heavy": _gendered("ثقيلا", "ثقيلة"), "expensive": _gendered("غاليا", "غالية"),
        "hot": _gendered("ساخنا", "ساخنة"), "cold": _gendered("باردا", "باردة"),
        "fresh": _gendered("طازجا", "طازجة"),
    },
    verbs={  # masculine imperfect; the feminine swaps the prefix ي for ت (verb_rule)
        "read": "يقرأ", "write": "يكتب", "eat": "يأكل", "drink": "يشرب", "buy": "يشتري", "sell": "يبيع",
        "carry": "يحمل", "wash": "يغسل", "open": "يفتح", "repair": "يصلح", "cook": "يطبخ", "clean": "ينظف",
        "send": "يرسل", "draw": "يرسم", "order": "يطلب",
    },
    verb_rule=lambda m, g, neg: ("لا " if neg else "") + (m if g == "m" else "ت" + m[1:]),
    places={
        "park": "في المنتزه", "market": "في السوق", "kitchen": "في المطبخ", "station": "في المحطة",
        "library": "في المكتبة", "school": "في المدرسة", "garden": "في الحديقة", "beach": "على الشاطئ",
        "office": "في المكتب", "airport": "في المطار", "museum": "في المتحف", "hotel": "في الفندق",
        "restaurant": "في المطعم", "city": "في المدينة", "home": "في البيت",
    },
    reasons={
        "rain": "لأن السماء تمطر", "cold": "لأن الجو بارد", "nice_weather": "لأن الطقس جميل",
        "train_late": "لأن القطار متأخر", "shop_closed": "لأن المتجر مغلق", "holiday": "لأن اليوم عطلة",
    },
    time=lambda h: f"في الساعة {h}",
    companion="مع {B}",
    older="{A} أكبر سنا من {B}",
    younger="{A} أصغر سنا من {B}",
    order="VAOCPTR",  # verb-subject-object; the verb agrees with the following subject in gender
    and_="و+",  # the conjunction is written joined to the next word
    comma="،",
    stop=".",
    adj_after=True,
)  # fmt: skip

# --- Hindi and Urdu (one spoken language, two scripts and vocabularies) ------------------------------

HI = Lang(
    code="hi",
    script="Devanagari",
    names={"anna": "अन्ना", "maria": "मारिया", "sara": "सारा", "elena": "एलेना",
           "david": "डेविड", "adam": "आदम", "daniel": "डैनियल", "omar": "उमर"},
    nouns={
        "book": ("किताब", "f"), "newspaper": ("अख़बार", "m"), "letter": ("चिट्ठी", "f"),
        "magazine": ("पत्रिका", "f"), "map": ("नक्शा", "m"), "apple": ("सेब", "m"), "bread": ("रोटी", "f"),
        "cake": ("केक", "m"), "fish": ("मछली", "f"), "rice": ("चावल", "m"), "soup": ("सूप", "m"),
        "egg": ("अंडा", "m"), "tea": ("चाय", "f"), "coffee": ("कॉफ़ी", "f"), "water": ("पानी", "m"),
        "milk": ("दूध", "m"), "juice": ("जूस", "m"), "box": ("डिब्बा", "m"), "bag": ("बैग", "m"),
        "chair": ("कुर्सी", "f"), "table": ("मेज़", "f"), "lamp": ("लैंप", "m"), "phone": ("फ़ोन", "m"),
        "cup": ("कप", "m"), "bottle": ("बोतल", "f"), "car": ("गाड़ी", "f"), "bicycle": ("साइकिल", "f"),
        "shirt": ("कमीज़", "f"), "hat": ("टोपी", "f"), "picture": ("तस्वीर", "f"),
        "door": ("दरवाज़ा", "m"), "window": ("खिड़की", "f"), "ball": ("गेंद", "f"),
    },
    article=lambda g, mass, neg: "" if mass or neg else "एक",
    adjectives={
        "new": _gendered("नया", "नई"), "old": _gendered("पुराना", "पुरानी"), "big": _gendered("बड़ा", "बड़ी"),
        "small": _gendered("छोटा", "छोटी"), "red": "लाल", "black": _gendered("काला", "काली"),
        "white": "सफ़ेद", "heavy": "भारी", "expensive": _gendered("महँगा", "महँगी"), "hot": "गरम",
        "cold": _gendered("ठंडा", "ठंडी"), "fresh": _gendered("ताज़ा", "ताज़ी"),
    },
    verbs={  # stems; habitual present agrees with the subject's gender
        "read": "पढ़", "write": "लिख", "eat": "खा", "drink": "पी", "buy": "ख़रीद", "sell": "बेच",
        "carry": "ले जा", "wash": "धो", "open": "खोल", "repair": "ठीक कर", "cook": "पका",
        "clean": "साफ़ कर", "send": "भेज", "draw": "बना", "order": "मँगा",
    },
    verb_rule=lambda stem, g, neg: (f"नहीं {stem}{'ता' if g == 'm' else 'ती'}" if neg
                                    else f"{stem}{'ता' if g == 'm' else 'ती'} है"),
    places={
        "park": "पार्क में", "market": "बाज़ार में", "kitchen": "रसोई में", "station": "स्टेशन पर",
        "library": "पुस्तकालय में", "school": "स्कूल में", "garden": "बगीचे में", "beach": "समुद्र तट पर",
        "office": "दफ़्तर में", "airport": "हवाई अड्डे पर", "museum": "संग्रहालय में", "hotel": "होटल में",
        "restaurant": "रेस्तराँ में", "city": "शहर में", "home": "घर पर",
    },
    reasons={
        "rain": "क्योंकि बारिश हो रही है", "cold": "क्योंकि ठंड है", "nice_weather": "क्योंकि मौसम अच्छा है",
        "train_late": "क्योंकि ट्रेन देर से चल रही है", "shop_closed": "क्योंकि दुकान बंद है",
        "holiday": "क्योंकि आज छुट्टी है",
    },
    time=lambda h: f"{h} बजे",
    companion="{B} के साथ",
    older=_gendered("{A} उम्र में {B} से बड़ा है", "{A} उम्र में {B} से बड़ी है"),
    younger=_gendered("{A} उम्र में {B} से छोटा है", "{A} उम्र में {B} से छोटी है"),
    order="ATCPOVR",
    and_="और",
    stop="।",
)  # fmt: skip

UR = Lang(
    code="ur",
    script="Arabic",
    names={"anna": "اینا", "maria": "ماریہ", "sara": "سارہ", "elena": "ایلینا",
           "david": "داؤد", "adam": "آدم", "daniel": "دانیال", "omar": "عمر"},
    nouns={
        "book": ("کتاب", "f"), "newspaper": ("اخبار", "m"), "letter": ("خط", "m"), "magazine": ("رسالہ", "m"),
        "map": ("نقشہ", "m"), "apple": ("سیب", "m"), "bread": ("روٹی", "f"), "cake": ("کیک", "m"),
        "fish": ("مچھلی", "f"), "rice": ("چاول", "m"), "soup": ("سوپ", "m"), "egg": ("انڈا", "m"),
        "tea": ("چائے", "f"), "coffee": ("کافی", "f"), "water": ("پانی", "m"), "milk": ("دودھ", "m"),
        "juice": ("جوس", "m"), "box": ("ڈبا", "m"), "bag": ("بیگ", "m"), "chair": ("کرسی", "f"),
        "table": ("میز", "f"), "lamp": ("لیمپ", "m"), "phone": ("فون", "m"), "cup": ("کپ", "m"),
        "bottle": ("بوتل", "f"), "car": ("گاڑی", "f"), "bicycle": ("سائیکل", "f"), "shirt": ("قمیص", "f"),
        "hat": ("ٹوپی", "f"), "picture": ("تصویر", "f"), "door": ("دروازہ", "m"), "window": ("کھڑکی", "f"),
        "ball": ("گیند", "f"),
    },
    article=lambda g, mass, neg: "" if mass or neg else "ایک",
    adjectives={
        "new": _gendered("نیا", "نئی"), "old": _gendered("پرانا", "پرانی"), "big": _gendered("بڑا", "بڑی"),
        "small": _gendered("چھوٹا", "چھوٹی"), "red": "لال", "black": _gendered("کالا", "کالی"),
        "white": "سفید", "heavy": "بھاری", "expensive": _gendered("مہنگا", "مہنگی"), "hot": "گرم",
        "cold": _gendered("ٹھنڈا", "ٹھنڈی"), "fresh": "تازہ",
    },
    verbs={
        "read": "پڑھ", "write": "لکھ", "eat": "کھا", "drink": "پی", "buy": "خرید", "sell": "بیچ",
        "carry": "لے جا", "wash": "دھو", "open": "کھول", "repair": "ٹھیک کر", "cook": "پکا",
        "clean": "صاف کر", "send": "بھیج", "draw": "بنا", "order": "منگوا",
    },
    verb_rule=lambda stem, g, neg: (f"نہیں {stem}{'تا' if g == 'm' else 'تی'}" if neg
                                    else f"{stem}{'تا' if g == 'm' else 'تی'} ہے"),
    places={
        "park": "پارک میں", "market": "بازار میں", "kitchen": "باورچی خانے میں", "station": "اسٹیشن پر",
        "library": "کتب خانے میں", "school": "اسکول میں", "garden": "باغ میں", "beach": "ساحل پر",
        "office": "دفتر میں", "airport": "ہوائی اڈے پر", "museum": "عجائب گھر میں", "hotel": "ہوٹل میں",
        "restaurant": "ریستوران میں", "city": "شہر میں", "home": "گھر پر",
    },
    reasons={
        "rain": "کیونکہ بارش ہو رہی ہے", "cold": "کیونکہ سردی ہے", "nice_weather": "کیونکہ موسم اچھا ہے",
        "train_late": "کیونکہ ٹرین دیر سے چل رہی ہے", "shop_closed": "کیونکہ دکان بند ہے",
        "holiday": "کیونکہ آج چھٹی ہے",
    },
    time=lambda h: f"{h} بجے",
    companion="{B} کے ساتھ",
    older=_gendered("{A} عمر میں {B} سے بڑا ہے", "{A} عمر میں {B} سے بڑی ہے"),
    younger=_gendered("{A} عمر میں {B} سے چھوٹا ہے", "{A} عمر میں {B} سے چھوٹی ہے"),
    order="ATCPOVR",
    and_="اور",
    stop="۔",
    comma="،",
)  # fmt: skip

# --- Swahili ---------------------------------------------------------------------------------------

SW = Lang(
    code="sw",
    script="Latin",
    names=dict(EN.names),
    nouns={  # (noun, noun class); adjectives agree with the class
        "book": ("kitabu", 7), "newspaper": ("gazeti", 5), "letter": ("barua", 9), "magazine": ("jarida", 5),
        "map": ("ramani", 9), "apple": ("tufaha", 5), "bread": ("mkate", 3), "cake": ("keki", 9),
        "fish": ("samaki", 9), "rice": ("wali", 14), "soup": ("supu", 9), "egg": ("yai", 5),
        "tea": ("chai", 9), "coffee": ("kahawa", 9), "water": ("maji", 6), "milk": ("maziwa", 6),
        "juice": ("juisi", 9), "box": ("sanduku", 5), "bag": ("begi", 9), "chair": ("kiti", 7),
        "table": ("meza", 9), "lamp": ("taa", 9), "phone": ("simu", 9), "cup": ("kikombe", 7),
        "bottle": ("chupa", 9), "car": ("gari", 5), "bicycle": ("baiskeli", 9), "shirt": ("shati", 5),
        "hat": ("kofia", 9), "picture": ("picha", 9), "door": ("mlango", 3), "window": ("dirisha", 5),
        "ball": ("mpira", 3),
    },
    article=lambda c, mass, neg: "",
    adjectives={
        "new": _sw("mpya", "jipya", "mapya", "kipya", "mpya", "mpya"),
        "old": _sw("wa zamani", "la zamani", "ya zamani", "cha zamani", "ya zamani", "wa zamani"),
        "big": _sw("mkubwa", "kubwa", "makubwa", "kikubwa", "kubwa", "mkubwa"),
        "small": _sw("mdogo", "dogo", "madogo", "kidogo", "ndogo", "mdogo"),
        "red": _sw("mwekundu", "jekundu", "mekundu", "chekundu", "nyekundu", "mwekundu"),
        "black": _sw("mweusi", "jeusi", "meusi", "cheusi", "nyeusi", "mweusi"),
        "white": _sw("mweupe", "jeupe", "meupe", "cheupe", "nyeupe", "mweupe"),
        "heavy": _sw("mzito", "zito", "mazito", "kizito", "nzito", "mzito"),
        "expensive": "ghali",
        "hot": _sw("wa moto", "la moto", "ya moto", "cha moto", "ya moto", "wa moto"),
        "cold": "baridi",
        "fresh": "safi",
    },
    verbs={
        "read": ("anasoma", "hasomi"), "write": ("anaandika", "haandiki"), "eat": ("anakula", "hali"),
        "drink": ("anakunywa", "hanywi"), "buy": ("ananunua", "hanunui"), "sell": ("anauza", "hauzi"),
        "carry": ("anabeba", "habebi"), "wash": ("anaosha", "haoshi"), "open": ("anafungua", "hafungui"),
        "repair": ("anatengeneza", "hatengenezi"), "cook": ("anapika", "hapiki"),
        "clean": ("anasafisha", "hasafishi"), "send": ("anatuma", "hatumi"), "draw": ("anachora", "hachori"),
        "order": ("anaagiza", "haagizi"),
    },
    places={
        "park": "katika bustani ya umma", "market": "sokoni", "kitchen": "jikoni", "station": "kituoni",
        "library": "maktabani", "school": "shuleni", "garden": "bustanini", "beach": "ufukweni",
        "office": "ofisini", "airport": "katika uwanja wa ndege", "museum": "katika makumbusho",
        "hotel": "hotelini", "restaurant": "mgahawani", "city": "mjini", "home": "nyumbani",
    },
    reasons={
        "rain": "kwa sababu mvua inanyesha", "cold": "kwa sababu kuna baridi",
        "nice_weather": "kwa sababu hali ya hewa ni nzuri", "train_late": "kwa sababu treni imechelewa",
        "shop_closed": "kwa sababu duka limefungwa", "holiday": "kwa sababu leo ni sikukuu",
    },
    time=lambda h: f"saa {(h + 5) % 12 + 1}",  # Swahili time: 7 a.m. is "saa moja" (hour 1)
    companion="pamoja na {B}",
    older="{A} ni mkubwa kuliko {B}",
    younger="{A} ni mdogo kuliko {B}",
    order="AVOCPTR",
    and_="na",
    stop=".",
    adj_after=True,
)  # fmt: skip

# --- Thai (words separated by spaces here only; rendered without them) -----------------------------

TH = Lang(
    code="th",
    script="Thai",
    names={"anna": "แอนนา", "maria": "มาเรีย", "sara": "ซารา", "elena": "เอเลนา",
           "david": "เดวิด", "adam": "อดัม", "daniel": "แดเนียล", "omar": "โอมาร์"},
    nouns={n: (w, None) for n, w in {
        "book": "หนังสือ", "newspaper": "หนังสือพิมพ์", "letter": "จดหมาย", "magazine": "นิตยสาร",
        "map": "แผนที่", "apple": "แอปเปิล", "bread": "ขนมปัง", "cake": "เค้ก", "fish": "ปลา", "rice": "ข้าว",
        "soup": "ซุป", "egg": "ไข่", "tea": "ชา", "coffee": "กาแฟ", "water": "น้ำ", "milk": "นม",
        "juice": "น้ำผลไม้", "box": "กล่อง", "bag": "กระเป๋า", "chair": "เก้าอี้", "table": "โต๊ะ",
        "lamp": "โคมไฟ", "phone": "โทรศัพท์", "cup": "ถ้วย", "bottle": "ขวด", "car": "รถยนต์",
        "bicycle": "จักรยาน", "shirt": "เสื้อเชิ้ต", "hat": "หมวก", "picture": "รูปภาพ", "door": "ประตู",
        "window": "หน้าต่าง", "ball": "ลูกบอล"}.items()},
    article=lambda tag, mass, neg: "",
    adjectives={
        "new": "ใหม่", "old": "เก่า", "big": "ใหญ่", "small": "เล็ก", "red": "สีแดง", "black": "สีดำ",
        "white": "สีขาว", "heavy": "หนัก", "expensive": "แพง", "hot": "ร้อน", "cold": "เย็น", "fresh": "สด",
    },
    verbs={v: (p, "ไม่ " + p) for v, p in {
        "read": "อ่าน", "write": "เขียน", "eat": "กิน", "drink": "ดื่ม", "buy": "ซื้อ", "sell": "ขาย",
        "carry": "ถือ", "wash": "ล้าง", "open": "เปิด", "repair": "ซ่อม", "cook": "ทำ",
        "clean": "ทำความสะอาด", "send": "ส่ง", "draw": "วาด", "order": "สั่ง"}.items()},
    places={
        "park": "ที่ สวนสาธารณะ", "market": "ที่ ตลาด", "kitchen": "ใน ครัว", "station": "ที่ สถานี",
        "library": "ที่ ห้องสมุด", "school": "ที่ โรงเรียน", "garden": "ใน สวน", "beach": "ที่ ชายหาด",
        "office": "ที่ สำนักงาน", "airport": "ที่ สนามบิน", "museum": "ที่ พิพิธภัณฑ์", "hotel": "ที่ โรงแรม",
        "restaurant": "ที่ ร้านอาหาร", "city": "ใน เมือง", "home": "ที่ บ้าน",
    },
    reasons={
        "rain": "เพราะ ฝน ตก", "cold": "เพราะ อากาศ หนาว", "nice_weather": "เพราะ อากาศ ดี",
        "train_late": "เพราะ รถไฟ มา ช้า", "shop_closed": "เพราะ ร้าน ปิด", "holiday": "เพราะ วันนี้ เป็น วันหยุด",
    },
    time=lambda h: f"เวลา {h} นาฬิกา",
    companion="กับ {B}",
    older="{A} อายุ มาก กว่า {B}",
    younger="{A} อายุ น้อย กว่า {B}",
    order="AVOCPTR",
    and_="และ",
    stop="",
    comma="",
    adj_after=True,
    spaced=False,
    cased=False,
)  # fmt: skip

# --- Chinese (words separated by spaces here only; rendered without them) --------------------------

ZH = Lang(
    code="zh",
    script="Han",
    names={"anna": "安娜", "maria": "玛丽亚", "sara": "萨拉", "elena": "埃莱娜",
           "david": "大卫", "adam": "亚当", "daniel": "丹尼尔", "omar": "奥马尔"},
    nouns={  # (noun, measure word; None for mass nouns)
        "book": ("书", "本"), "newspaper": ("报纸", "份"), "letter": ("信", "封"), "magazine": ("杂志", "本"),
        "map": ("地图", "张"), "apple": ("苹果", "个"), "bread": ("面包", None), "cake": ("蛋糕", "块"),
        "fish": ("鱼", None), "rice": ("米饭", None), "soup": ("汤", None), "egg": ("鸡蛋", "个"),
        "tea": ("茶", None), "coffee": ("咖啡", None), "water": ("水", None), "milk": ("牛奶", None),
        "juice": ("果汁", None), "box": ("盒子", "个"), "bag": ("包", "个"), "chair": ("椅子", "把"),
        "table": ("桌子", "张"), "lamp": ("台灯", "盏"), "phone": ("手机", "部"), "cup": ("杯子", "个"),
        "bottle": ("瓶子", "个"), "car": ("汽车", "辆"), "bicycle": ("自行车", "辆"), "shirt": ("衬衫", "件"),
        "hat": ("帽子", "顶"), "picture": ("画", "幅"), "door": ("门", "扇"), "window": ("窗户", "扇"),
        "ball": ("球", "个"),
    },
    # "一本书"; a negated or mass object is a bare noun ("不看书")
    article=lambda cl, mass, neg: "" if mass or neg or cl is None else "一 " + cl,
    adjectives={
        "new": "新", "old": "旧", "big": "大", "small": "小", "red": "红色 的", "black": "黑色 的",
        "white": "白色 的", "heavy": "很 重 的", "expensive": "很 贵 的", "hot": "热", "cold": "冷",
        "fresh": "新鲜 的",
    },
    verbs={
        "read": ("看", "不 看"), "write": ("写", "不 写"), "eat": ("吃", "不 吃"), "drink": ("喝", "不 喝"),
        "buy": ("买", "不 买"), "sell": ("卖", "不 卖"), "carry": ("带", "不 带"), "wash": ("洗", "不 洗"),
        "open": ("打开", "不 打开"), "repair": ("修", "不 修"), "cook": ("做", "不 做"),
        "clean": ("擦", "不 擦"), "send": ("寄", "不 寄"), "draw": ("画", "不 画"), "order": ("点", "不 点"),
    },
    places={
        "park": "在 公园", "market": "在 市场", "kitchen": "在 厨房", "station": "在 车站",
        "library": "在 图书馆", "school": "在 学校", "garden": "在 花园", "beach": "在 海滩",
        "office": "在 办公室", "airport": "在 机场", "museum": "在 博物馆", "hotel": "在 酒店",
        "restaurant": "在 餐厅", "city": "在 城里", "home": "在 家",
    },
    reasons={
        "rain": "因为 在 下雨", "cold": "因为 天气 冷", "nice_weather": "因为 天气 很 好",
        "train_late": "因为 火车 晚点 了", "shop_closed": "因为 商店 关门 了", "holiday": "因为 今天 放假",
    },
    time=lambda h: f"{h} 点",
    companion="和 {B} 一起",
    older="{A} 比 {B} 年纪 大",
    younger="{A} 比 {B} 年纪 小",
    order="ATCPVOR",  # time and place precede the verb
    and_="，",
    stop="。",
    comma="",
    reason_comma="，",
    spaced=False,
    cased=False,
)  # fmt: skip

# --- Vietnamese ------------------------------------------------------------------------------------

VI = Lang(
    code="vi",
    script="Latin",
    names=dict(EN.names),
    nouns={  # (noun, classifier; None for mass nouns)
        "book": ("sách", "cuốn"), "newspaper": ("báo", "tờ"), "letter": ("thư", "lá"),
        "magazine": ("tạp chí", "cuốn"), "map": ("bản đồ", "tấm"), "apple": ("táo", "quả"),
        "bread": ("bánh mì", None), "cake": ("bánh ngọt", "cái"), "fish": ("cá", None), "rice": ("cơm", None),
        "soup": ("súp", None), "egg": ("trứng", "quả"), "tea": ("trà", None), "coffee": ("cà phê", None),
        "water": ("nước", None), "milk": ("sữa", None), "juice": ("nước ép", None), "box": ("hộp", "cái"),
        "bag": ("túi", "cái"), "chair": ("ghế", "cái"), "table": ("bàn", "cái"), "lamp": ("đèn", "cái"),
        "phone": ("điện thoại", "chiếc"), "cup": ("cốc", "cái"), "bottle": ("chai", "cái"),
        "car": ("xe hơi", "chiếc"), "bicycle": ("xe đạp", "chiếc"), "shirt": ("áo sơ mi", "chiếc"),
        "hat": ("mũ", "chiếc"), "picture": ("tranh", "bức"), "door": ("cửa", "cánh"),
        "window": ("cửa sổ", "cái"), "ball": ("bóng", "quả"),
    },
    article=lambda cl, mass, neg: "" if mass or neg or cl is None else "một " + cl,
    adjectives={
        "new": "mới", "old": "cũ", "big": "lớn", "small": "nhỏ", "red": "màu đỏ", "black": "màu đen",
        "white": "màu trắng", "heavy": "nặng", "expensive": "đắt", "hot": "nóng", "cold": "lạnh",
        "fresh": "tươi",
    },
    verbs={v: (p, "không " + p) for v, p in {
        "read": "đọc", "write": "viết", "eat": "ăn", "drink": "uống", "buy": "mua", "sell": "bán",
        "carry": "mang", "wash": "rửa", "open": "mở", "repair": "sửa", "cook": "nấu", "clean": "lau",
        "send": "gửi", "draw": "vẽ", "order": "gọi"}.items()},
    places={
        "park": "ở công viên", "market": "ở chợ", "kitchen": "trong bếp", "station": "ở nhà ga",
        "library": "ở thư viện", "school": "ở trường", "garden": "trong vườn", "beach": "ở bãi biển",
        "office": "ở văn phòng", "airport": "ở sân bay", "museum": "ở bảo tàng", "hotel": "ở khách sạn",
        "restaurant": "ở nhà hàng", "city": "trong thành phố", "home": "ở nhà",
    },
    reasons={
        "rain": "vì trời mưa", "cold": "vì trời lạnh", "nice_weather": "vì thời tiết đẹp",
        "train_late": "vì tàu bị trễ", "shop_closed": "vì cửa hàng đóng cửa", "holiday": "vì hôm nay là ngày lễ",
    },
    time=lambda h: f"lúc {h} giờ",
    companion="với {B}",
    older="{A} lớn tuổi hơn {B}",
    younger="{A} nhỏ tuổi hơn {B}",
    order="AVOCPTR",
    and_="và",
    stop=".",
    adj_after=True,
)  # fmt: skip

LANGS: dict[str, Lang] = {lang.code: lang for lang in (EN, AR, BG, DE, EL, ES, FR, HI, RU, SW, TH, TR, UR, VI, ZH)}
