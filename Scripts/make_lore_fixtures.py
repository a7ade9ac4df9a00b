#!/usr/bin/env python3
"""Writes the lore import fixtures in Tests/StorageTests/Fixtures/lore: character cards and
lorebooks laid out as the programs players use write them, and hostile files.

What each follows:
- Character cards V2: malfoyslastname/character-card-spec-v2, spec_v2.md (the `chara_card_v2`
  object, its character_book and entry fields); TavernAI V1's fields at the top level.
- Character cards V3: kwaroran/character-card-spec-v3, SPEC_V3.md (`chara_card_v3`, nickname,
  group_only_greetings, assets, use_regex; PNG `ccv3` chunk preferred over `chara`; CHARX: a zip
  with card.json at its root; `lorebook_v3` for a lorebook on its own).
- PNG cards: a tEXt chunk `chara` (or `ccv3`) holding base64 JSON, written with Pillow's PngInfo
  (real chunks, real CRCs), as SillyTavern's src/character-card-parser.js writes them.
- SillyTavern World Info: SillyTavern/SillyTavern @ ba6f7b7a98cf, public/scripts/world-info.js,
  `newWorldInfoEntryDefinition` (every field, its default and type), world_info_logic
  (AND_ANY 0, NOT_ALL 1, NOT_ANY 2, AND_ALL 3), world_info_position; entries keyed by uid.
  `sillytavern-entry-definition.json` is that definition, extracted from the source by
  `--definition PATH/world-info.js`, for checking dungeon's exports field by field.
- NovelAI lorebooks: the fields SillyTavern's convertNovelLorebook and KoboldAI Lite's
  load_nai_wi read (lorebookVersion, entries[].text, keys, enabled, displayName,
  forceActivation, searchRange, contextConfig.budgetPriority), as JSON and as a PNG `naidata` chunk.
- AI Dungeon Story Cards and KoboldAI Lite world info: LostRuins/lite.koboldai.net @ 27eb1dcc59d6,
  index.html, load_aid_wi (a list of {keys, value, type, title, description,
  useForCharacterCreation}) and export_wi_to_file (Lite's own entries: key, keysecondary,
  keyanti, content, comment, folder, selective, constant, probability, wigroup, widisabled).

Usage: python3 Scripts/make_lore_fixtures.py [--definition .../public/scripts/world-info.js]
(needs Pillow: pip install pillow)
"""
import base64
import io
import json
import os
import re
import struct
import sys
import zipfile
import zlib

from PIL import Image
from PIL.PngImagePlugin import PngInfo

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "StorageTests", "Fixtures", "lore")


def path(name):
    return os.path.join(OUT, name)


def write_json(name, value):
    with open(path(name), "w", encoding="utf-8") as f:
        json.dump(value, f, indent=4, ensure_ascii=False)


def png_with(chunks, name):
    """A small real image with tEXt chunks (keyword, text) in order."""
    image = Image.new("RGB", (4, 4), (120, 60, 30))
    info = PngInfo()
    for keyword, text in chunks:
        info.add_text(keyword, text)
    image.save(path(name), "PNG", pnginfo=info)


def b64(value):
    return base64.b64encode(json.dumps(value, ensure_ascii=False).encode("utf-8")).decode("ascii")


BOOK_ENTRIES = [
    {  # the spec's fields, with SillyTavern's extensions
        "keys": ["Eldoria", "forest"], "content": "{{char}} guards the forest of Eldoria, where {{user}} is a stranger.",
        "extensions": {"selectiveLogic": 3, "scan_depth": 6, "match_whole_words": False, "case_sensitive": True,
                       "probability": 100, "useProbability": True, "position": 0},
        "enabled": True, "insertion_order": 120, "case_sensitive": True, "name": "Eldoria", "priority": 10, "id": 1,
        "comment": "The forest", "selective": True, "secondary_keys": ["glade", "grove"], "constant": False,
        "position": "before_char",
    },
    {
        "keys": ["/shadow(s|kin)/i", "Shadowkin"], "content": "The Shadowkin fear silver.", "extensions": {"probability": 40},
        "enabled": True, "insertion_order": 80, "id": 2, "comment": "", "name": "Shadowkin", "selective": False,
        "secondary_keys": ["moon"], "constant": False, "position": "after_char",
    },
    {
        "keys": [], "content": "Magic here has a price.", "extensions": {"position": 4, "depth": 2, "sticky": 3, "group": "rules"},
        "enabled": False, "insertion_order": 100, "id": 3, "comment": "Rule of magic", "constant": True,
    },
]


def card_v2_data(name="Seraphina"):
    return {
        "name": name,
        "description": "{{char}} is a guardian of the forest, tall, with pink hair and amber eyes.\nShe heals the wounded who stray into her glade.",
        "personality": "caring, protective, stern with those who harm the forest",
        "scenario": "{{user}} wakes in {{char}}'s glade, wounded, after an attack by shadow beasts.",
        "first_mes": "*{{char}} kneels beside {{user}} and presses a cool hand to {{user}}'s brow.* \"Easy. {{user}} is safe here.\"",
        "mes_example": "<START>\n{{user}}: Who are you?\n{{char}}: I am Seraphina.",
        "creator_notes": "Best with a gentle start.",
        "system_prompt": "You are {{char}}. Stay in character.",
        "post_history_instructions": "Write three paragraphs.",
        "alternate_greetings": ["The glade is quiet when {{user}} arrives. {{char}} watches from the trees.",
                                "*Rain.* {{char}} finds {{user}} at the edge of the forest."],
        "character_book": {"name": "Eldoria", "description": "The forest", "scan_depth": 4, "token_budget": 512,
                           "recursive_scanning": True, "extensions": {}, "entries": BOOK_ENTRIES},
        "tags": ["fantasy", "healer"],
        "creator": "dungeon fixtures",
        "character_version": "1.2",
        "extensions": {"depth_prompt": {"prompt": "{{char}} is kind.", "depth": 4, "role": "system"}, "talkativeness": "0.5"},
    }


def card_v3(name="Seraphina"):
    data = card_v2_data(name)
    data.update({
        "nickname": "Sera",
        "creator_notes_multilingual": {"en": "Best with a gentle start."},
        "source": ["https://example.invalid/seraphina"],
        "group_only_greetings": ["{{char}} greets the party."],
        "creation_date": 1700000000, "modification_date": 1700000500,
        "assets": [{"type": "icon", "uri": "ccdefault:", "name": "main", "ext": "png"},
                   {"type": "background", "uri": "embeded://assets/background/forest.png", "name": "forest", "ext": "png"}],
    })
    data["character_book"] = dict(data["character_book"])
    data["character_book"]["entries"] = [dict(e) for e in BOOK_ENTRIES]
    data["character_book"]["entries"][0]["use_regex"] = False
    return {"spec": "chara_card_v3", "spec_version": "3.0", "data": data}


def card_v2(name="Seraphina"):
    return {"spec": "chara_card_v2", "spec_version": "2.0", "data": card_v2_data(name)}


def card_v1():
    d = card_v2_data("Aldric")
    return {key: d[key] for key in ["name", "description", "personality", "scenario", "first_mes", "mes_example"]}


def st_entry(uid, **fields):
    entry = {
        "uid": uid, "key": [], "keysecondary": [], "comment": "", "content": "", "constant": False, "vectorized": False,
        "selective": True, "selectiveLogic": 0, "addMemo": False, "order": 100, "position": 0, "disable": False,
        "excludeRecursion": False, "preventRecursion": False, "delayUntilRecursion": 0, "probability": 100,
        "useProbability": True, "depth": 4, "group": "", "groupOverride": False, "groupWeight": 100, "scanDepth": None,
        "caseSensitive": None, "matchWholeWords": None, "useGroupScoring": None, "automationId": "", "role": 0,
        "sticky": None, "cooldown": None, "delay": None, "displayIndex": uid,
    }
    entry.update(fields)
    return entry


def sillytavern_world():
    entries = [
        st_entry(0, key=["Ashcombe", "village"], content="Ashcombe is a fishing village on a foggy coast.", comment="Ashcombe",
                 addMemo=True, order=50),
        st_entry(1, key=["lighthouse"], keysecondary=["storm", "night"], selectiveLogic=0, content="The lighthouse burns green in storms.",
                 comment="AND ANY"),
        st_entry(2, key=["keeper"], keysecondary=["drunk", "asleep"], selectiveLogic=1, content="The keeper is sober and awake.",
                 comment="NOT ALL"),
        st_entry(3, key=["Margaret"], keysecondary=["dead"], selectiveLogic=2, content="Margaret is alive and hiding.", comment="NOT ANY"),
        st_entry(4, key=["bell"], keysecondary=["church", "midnight"], selectiveLogic=3, content="The church bell rings only at midnight.",
                 comment="AND ALL", scanDepth=6),
        st_entry(5, key=["ELF"], content="Elves never lie.", caseSensitive=True, matchWholeWords=False, comment="case, parts of words"),
        st_entry(6, key=["/drown(ed|ing)/i", "tide"], content="The tide takes what it is owed.", probability=50, comment="regex, chance"),
        st_entry(7, key=["smuggler"], content="Smugglers use the caves.", position=4, depth=2, sticky=2, group="crime",
                 comment="depth, timed, group"),
        st_entry(8, key=["gull"], content="Gulls are omens here.", disable=True, comment="off", order=200),
        st_entry(9, constant=True, content="It is always foggy.", comment="always", order=10),
        st_entry(10, key=["curfew"], content="<b>Curfew</b> <script>alert(1)</script> at \u001b[31mnine\u001b[0m.\u0007",
                 comment="hostile text"),
    ]
    # SillyTavern keys its entries by uid; written out of display order to check dungeon sorts by displayIndex.
    ordered = entries[3:] + entries[:3]
    return {"entries": {str(e["uid"]): e for e in ordered}}


def lorebook_v3():
    return {"spec": "lorebook_v3", "data": {
        "name": "Ashcombe", "description": "", "scan_depth": 2, "token_budget": 400, "recursive_scanning": False, "extensions": {},
        "entries": [
            {"keys": ["harbour"], "content": "The harbour freezes in winter.", "extensions": {}, "enabled": True,
             "insertion_order": 10, "use_regex": False, "constant": False, "selective": False, "comment": "Harbour"},
            {"keys": ["^fog\\b"], "content": "@@depth 3\nThe fog has a voice.", "extensions": {}, "enabled": True,
             "insertion_order": 20, "use_regex": True, "comment": "regex"},
        ]}}


def novelai_lorebook():
    def entry(text, keys, name, enabled=True, force=False, search=1000, priority=400):
        return {"text": text, "contextConfig": {"prefix": "", "suffix": "\n", "tokenBudget": 2048, "reservedTokens": 0,
                                                "budgetPriority": priority, "trimDirection": "trimBottom",
                                                "insertionType": "newline", "maximumTrimType": "sentence", "insertionPosition": -1},
                "lastUpdatedAt": 1700000000000, "displayName": name, "id": "00000000-0000-4000-8000-00000000000%d" % len(keys),
                "keys": keys, "searchRange": search, "enabled": enabled, "forceActivation": force, "keyRelative": False,
                "nonStoryActivatable": False, "category": "", "loreBiasGroups": []}
    return {"lorebookVersion": 5, "entries": [
        entry("Brannock is a dwarf smith.", ["Brannock", "smith"], "Brannock", priority=500),
        entry("The Iron Road runs north.", ["Iron Road"], "Iron Road", search=4000),
        entry("Old gods sleep under the mountain.", ["/gods?/"], "Gods", enabled=False),
        entry("Winter is coming.", [], "Always", force=True),
    ], "settings": {"orderByKeyLocations": False}, "categories": [{"name": "Places", "id": "c1", "enabled": True}]}


def aid_story_cards():
    return [
        {"keys": "Kaelen,ranger", "value": "Kaelen is a ranger who lost her brother.", "type": "character", "title": "Kaelen",
         "description": "", "useForCharacterCreation": False},
        {"keys": "Greyhold", "value": "Greyhold is a walled city.", "type": "location", "title": "Greyhold",
         "description": "A city", "useForCharacterCreation": True},
    ]


def kobold_lite_wi():
    return [
        {"key": "Vess,captain", "keysecondary": "ship", "keyanti": "dream", "content": "Captain Vess commands the Gull.",
         "comment": "Vess", "folder": None, "selective": True, "constant": False, "probability": 100, "wigroup": "",
         "widisabled": False},
        {"key": "reef", "keysecondary": "", "keyanti": "", "content": "The reef wrecks ships at low tide.", "comment": "",
         "folder": None, "selective": False, "constant": False, "probability": 100, "wigroup": "", "widisabled": True},
    ]


def charx(name, files, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path(name), "w", compression) as z:
        for member, data in files:
            z.writestr(member, data)


def lying_bomb():
    """A CHARX whose card.json declares 100 bytes but inflates to 64 MiB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("card.json", b" " * (64 << 20))
    data = bytearray(buffer.getvalue())
    true_size = struct.pack("<I", 64 << 20)
    # Patch every uncompressed-size field that holds the true size (local header and central directory).
    for match in [m.start() for m in re.finditer(re.escape(true_size), bytes(data))]:
        data[match:match + 4] = struct.pack("<I", 100)
    with open(path("bomb-lying.charx"), "wb") as f:
        f.write(bytes(data))


def entry_definition(world_info_js):
    """newWorldInfoEntryDefinition's fields, defaults and types, from SillyTavern's source."""
    source = open(world_info_js, encoding="utf-8").read()
    body = source[source.index("export const newWorldInfoEntryDefinition = {"):]
    body = body[:body.index("\n};")]
    fields = {}
    for name, default, kind in re.findall(r"^\s+(\w+): \{ default: ([^,]+), type: '([^']+)' \}", body, re.M):
        fields[name] = {"type": kind, "default": default.strip()}
    return fields


def main():
    os.makedirs(OUT, exist_ok=True)
    if "--definition" in sys.argv:
        write_json("sillytavern-entry-definition.json", entry_definition(sys.argv[sys.argv.index("--definition") + 1]))
    write_json("card-v1.json", card_v1())
    write_json("card-v2.json", card_v2())
    write_json("card-v3.json", card_v3())
    png_with([("chara", b64(card_v2()))], "card-v2.png")
    # V3 beside V2 (as SillyTavern writes both): the V3 one, named differently, must win.
    png_with([("chara", b64(card_v2("Seraphina (V2 chunk)"))), ("ccv3", b64(card_v3()))], "card-v3.png")
    charx("card.charx", [("card.json", json.dumps(card_v3(), ensure_ascii=False)),
                         ("assets/background/forest.png", b"\x89PNG not really")])
    write_json("sillytavern-world.json", sillytavern_world())
    write_json("lorebook-v3.json", lorebook_v3())
    write_json("novelai.lorebook", novelai_lorebook())
    png_with([("naidata", b64(novelai_lorebook()))], "novelai-lorebook.png")
    write_json("aid-story-cards.json", aid_story_cards())
    write_json("kobold-lite-wi.json", kobold_lite_wi())

    # Hostile and damaged files.
    png_with([("Software", "a drawing program"), ("Comment", "no card here")], "no-card.png")
    whole = open(path("card-v2.png"), "rb").read()
    with open(path("truncated.png"), "wb") as f:
        f.write(whole[: len(whole) // 2])
    png_with([("chara", base64.b64encode(b"hello, not json").decode())], "not-json.png")
    hostile = card_v2("Mallory\u001b]0;owned\u0007")
    hostile["data"]["description"] = "<img src=x onerror=alert(1)> \u001b[2J\u001b[H wipes the screen \u009b31m"
    hostile["data"]["first_mes"] = "<script>alert('{{user}}')</script> Hello, {{user}}. \u001b[5mBlink\u001b[0m"
    png_with([("chara", b64(hostile))], "hostile-card.png")
    with open(path("invalid-utf8.json"), "wb") as f:
        f.write(b'{"spec": "chara_card_v2", "data": {"name": "Bad \xff\xfe bytes", "first_mes": "Hi"}}')
    charx("traversal.charx", [("card.json", json.dumps(card_v3())), ("../../escaped.txt", "outside")])
    charx("bomb.charx", [("card.json", b" " * (64 << 20))])
    lying_bomb()


if __name__ == "__main__":
    main()
