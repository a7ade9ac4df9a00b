#!/usr/bin/env python3
"""Writes the import fixtures in Tests/StorageTests/Fixtures/imports: saves laid out exactly
as each program's own save function writes them (the same keys, in the same order, through
the same json.dumps call), with realistic content: several turns, retries, memory, an
author's note, world info with every flag, non-ASCII text, quotes, newlines, and story
chunks that continue mid-sentence.

Each writer below names the function it follows:
- AI Dungeon 2: latitudegames/AIDungeon @ c854e0b, story/story_manager.py, Story.to_json;
  actions formatted as play.py @ 755a153 does ("\\n> You ...\\n", 'You say "..."', "").
- Clover Edition: cloveranon/Clover-Edition (mirror sycomix/Clover-Edition @ 2757b98),
  aidungeon/storymanager.py, Story.to_dict; its first format, storymanager.py @ 70c2b03
  (a "prompt" key instead of "context", no rep-pen range or slope).
- KoboldAI Client: KoboldAI/KoboldAI-Client, aiserver.py, saveRequest: 1.16 (no
  actions_metadata), 1.17 @ 1fc1738 (actions_metadata as a list), 1.19 (actions_metadata
  as a dict keyed by chunk number); json.dumps(js, indent=3).
- KoboldAI United: koboldai_settings.py @ 009c48a (as stored in KoboldAI/KoboldAI-Client),
  story_settings.save_story -> settings.to_json: {"file_version": 2} then every story
  variable in __init__ order except no_save_variables and "_" names, with
  KoboldStoryRegister.to_json, KoboldWorldInfo.to_json, and pickles for the rest;
  json.dumps(json_data, default=to_base64, indent="\t").

Usage: python3 Scripts/make_import_fixtures.py   (standard library only)
"""
import base64
import io
import json
import os
import pickle

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "StorageTests", "Fixtures", "imports")


def write(name, text):
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        f.write(text)


def aid2():
    # Story.to_json: story_start, seed, actions, results, choices, possible_action_results,
    # game_state, context, uuid, rating; json.dumps(story_dict).
    context = "You are Aldric, a knight of Larion. You carry a steel longsword and a shield bearing a white stag.\n\n"
    prompt = "You ride through the Whispering Wood toward the keep of the sorcerer Mor'gath."
    story_start = context + prompt + " Rain drips from the black branches, and somewhere ahead a bell tolls."
    story = {}
    story["story_start"] = story_start
    story["seed"] = None
    story["actions"] = [
        "\n> You draw your sword.\n",
        'You say "Halt! Who rides with the café owner\'s cart?"',
        "",
        "\n> You ask the guard about the dragon.\n",
    ]
    story["results"] = [
        "\nThe blade gleams in the grey light. A cart rolls out of the fog.",
        "\n\"Only me, sir knight,\" says an old woman. \"And my cabbages.\"\nShe smiles with three teeth.",
        "\nThe bell tolls again, closer now: 日本の鐘のように深い音。",
        "\n\"The dragon?\" The guard pales. \"It sleeps under the keep.\"",
    ]
    story["choices"] = []
    story["possible_action_results"] = None
    story["game_state"] = {}
    story["context"] = context
    story["uuid"] = "5f1b8c2e-2b7a-11ea-9f1c-0242ac1c0002"
    story["rating"] = -1
    write("story5f1b8c2e-2b7a-11ea-9f1c-0242ac1c0002.json", json.dumps(story))


def clover(first_format):
    # Story.to_dict: temp, top-p, top-keks, rep-pen, [rep-pen-range, rep-pen-slope,]
    # context (first format: prompt), memory, actions, results; json.dumps(self.to_dict()).
    res = {"temp": 0.4}
    res["top-p"] = 0.9
    res["top-keks"] = 0 if first_format else 20  # 0 is Clover's "off"
    res["rep-pen"] = 1.2
    if not first_format:
        res["rep-pen-range"] = 512
        res["rep-pen-slope"] = 3.33
    res["prompt" if first_format else "context"] = "You are Mira, a thief in the city of Vantor. You owe the Gull Queen three hundred gold."
    res["memory"] = ["The Gull Queen's ship is called the Black Tern.", "Your knife is named Whisper."]
    res["actions"] = [
        "The night market is closing when you reach the docks.",
        "You climb onto the Black Tern's deck.",
        'You say "Is anyone aboard?"',
        "A lantern swings in the wind",
        "",
    ]
    res["results"] = [
        "Fishmongers shout their last prices, and the smell of tar hangs over the water.",
        "The planks creak. A gull watches you from the mast.",
        "\"Only the rats,\" answers a voice from below. \"And me.\"",
        ", throwing long shadows across the crates — something glints among them.",
        "Footsteps climb the ladder.\nA woman in a grey coat appears: the Gull Queen herself.",
    ]
    write("clover-first-format.json" if first_format else "clover.json", json.dumps(res))


def kobold(version):
    # saveRequest: gamestarted, prompt, memory, authorsnote, anotetemplate (1.17 on),
    # actions (tuple of chunks), actions_metadata (1.17 on; a list, then a dict in 1.19),
    # worldinfo, wifolders_d, wifolders_l; json.dumps(js, indent=3).
    chunks = [
        " The lanterns of the harbor flicker as you step off the ship.",
        "\n\n> You look for the harbormaster\n",
        " A stooped man with a ledger waves you over. \"Papers?\" he asks.",
        "\n\n> You say \"I have none\"\n",
        " He sighs and closes the ledger",
        ", muttering about the Duke's new taxes. Then he points at the tavern.",
        "\n\nThe fog rolls in from the sea, thick as wool.",
    ]
    metadata = [
        {"Selected Text": chunks[0], "Alternative Text": []},
        {"Selected Text": chunks[1], "Alternative Text": []},
        {"Selected Text": chunks[2], "Alternative Text": [
            {"Text": " Nobody is there; the office is locked.", "Pinned": False, "Previous Selection": True, "Edited": False},
            {"Text": " A dog barks at you from a crate.", "Pinned": False, "Previous Selection": True, "Edited": False},
        ]},
        {"Selected Text": chunks[3], "Alternative Text": []},
        {"Selected Text": chunks[4], "Alternative Text": []},
        {"Selected Text": chunks[5], "Alternative Text": [
            {"Text": ". \"Then you pay double,\" he says.", "Pinned": True, "Previous Selection": False, "Edited": False},
        ]},
        {"Selected Text": chunks[6], "Alternative Text": []},
        # Taken back with Back: kept in the metadata past the last chunk.
        {"Selected Text": " Somewhere a bell rings twelve times.", "Alternative Text": []},
    ]
    js = {}
    js["gamestarted"] = True
    js["prompt"] = "You arrive in Port Sável on a cold autumn night, a letter for the Duke sewn into your coat."
    js["memory"] = "You are Tomas, a courier.\nThe letter must not be opened."
    js["authorsnote"] = "Keep the mood tense; short sentences."
    if version >= 17:
        js["anotetemplate"] = "[Style: <|>]"
    js["actions"] = chunks
    if version >= 19:
        js["actions_metadata"] = {i: m for i, m in enumerate(metadata)}
    elif version >= 17:
        js["actions_metadata"] = metadata
    js["worldinfo"] = [
        {"key": "Duke, duke", "keysecondary": "", "content": "The Duke of Sável is dying and has no heir.",
         "comment": "main plot", "folder": None, "selective": False, "constant": False},
        {"key": "tavern", "keysecondary": "night, evening", "content": "The Drowned Gull is the only tavern open after dark.",
         "comment": "", "folder": 1, "selective": True, "constant": False},
        {"key": "", "keysecondary": "", "content": "It is the year 1204 of the Reckoning.",
         "comment": "", "folder": None, "selective": False, "constant": True},
        {"key": "harbormaster", "keysecondary": "ledger", "content": "The harbormaster takes bribes.",
         "comment": "", "folder": None, "selective": False, "constant": False},
    ]
    js["wifolders_d"] = {1: {"name": "Places", "collapsed": False}}
    js["wifolders_l"] = [1]
    write(f"kobold-client-1.{version}.json", json.dumps(js, indent=3))


def united():
    # story_settings.__init__ order; no_save_variables: tokenizer, context, no_save,
    # prompt_in_ai, authornote_length, prompt_length, memory_length, save_paths.
    def action(text, origin, options=(), t=1763900000):
        return {"Selected Text": text, "Selected Text Length": 0, "Options": list(options), "Probabilities": [],
                "Time": t, "Original Text": text, "Origin": origin}

    def option(text, pinned=False, previous=False, edited=False):
        return {"text": text, "Pinned": pinned, "Previous Selection": previous, "Edited": edited, "Probabilities": []}

    actions = {
        0: action(" The wind howls over the pass.", "ai"),
        1: action("\n\n> You light a torch\n", "user"),
        2: action(" The flame gutters but holds. Shadows leap across the rock.", "ai", [
            option(" The torch will not catch; the wood is wet.", previous=True),
        ]),
        3: action("\n\nA bell rings somewhere below, three times", "user"),
        4: action(", and then a voice calls your name — «Élodie!»", "ai", [
            option(", and then silence.", pinned=True),
            option(" and stops.", edited=True),
        ]),
        5: action("\n\n> You shout back\n", "user"),
        6: action(" Your voice echoes, but no one answers.", "ai"),
        # Past action_count: taken back with Back, kept for redo.
        7: action("\n\n> You climb down\n", "user"),
    }
    wi = {
        0: {"uid": 0, "title": "The Pass", "key": ["pass", "mountain pass"], "keysecondary": [], "folder": "root",
            "constant": False, "manual_text": "The pass is closed in winter.", "content": "The pass is closed in winter.",
            "comment": "", "type": "wi", "token_length": 0, "selective": False, "used_in_game": False,
            "wpp": {"name": "", "type": "", "format": "W++", "attributes": {}}, "use_wpp": False, "v1_uid": None,
            "object_type": None},
        1: {"uid": 1, "title": "Élodie", "key": ["Élodie"], "keysecondary": ["voice", "name"], "folder": "People",
            "constant": False, "manual_text": "Élodie is your sister, lost a year ago.",
            "content": "Élodie is your sister, lost a year ago.", "comment": "the hook", "type": "chatcharacter",
            "token_length": 0, "selective": True, "used_in_game": False,
            "wpp": {"name": "", "type": "", "format": "W++", "attributes": {}}, "use_wpp": False, "v1_uid": None,
            "object_type": None},
        2: {"uid": 2, "title": "Era", "key": [], "keysecondary": [], "folder": "root", "constant": True,
            "manual_text": "It is the last winter of the old king.", "content": "It is the last winter of the old king.",
            "comment": "", "type": "constant", "token_length": 0, "selective": False, "used_in_game": True,
            "wpp": {"name": "", "type": "", "format": "W++", "attributes": {}}, "use_wpp": False, "v1_uid": None,
            "object_type": None},
        3: {"uid": 3, "title": "Narrator", "key": [], "keysecondary": [], "folder": "root", "constant": True,
            "manual_text": "Comment wryly.", "content": "Comment wryly.", "comment": "", "type": "commentator",
            "token_length": 0, "selective": False, "used_in_game": True,
            "wpp": {"name": "", "type": "", "format": "W++", "attributes": {}}, "use_wpp": False, "v1_uid": None,
            "object_type": None},
    }
    story = [
        ("privacy_mode", False), ("privacy_password", ""), ("story_name", "The Frozen Pass"), ("lastact", ""),
        ("submission", ""), ("lastctx", ""), ("gamestarted", True), ("gamesaved", True), ("autosave", False),
        ("prompt", "You reach the foot of the mountain as the sun sets."),
        ("prompt_wi_highlighted_text", [{"text": "You reach the foot of the mountain as the sun sets.", "WI matches": None, "WI Text": ""}]),
        ("memory", "You are searching for your sister."), ("auto_memory", ""), ("authornote", "Cold, quiet, lonely."),
        ("authornotetemplate", "[Mood: <|>]"), ("setauthornotetemplate", "[Mood: <|>]"), ("andepth", 3),
        ("actions", {"action_count": 6, "actions": actions}), ("actions_metadata", {}),
        ("worldinfo_v2", {"folders": {"root": [0, 2, 3], "People": [1]}, "entries": wi}),
        ("worldinfo", []), ("worldinfo_i", []), ("worldinfo_u", {}), ("wifolders_d", {}), ("wifolders_l", []),
        ("wifolders_u", {}), ("lua_edited", set()), ("lua_deleted", set()), ("deletewi", None), ("mode", "play"),
        ("editln", 0), ("genseqs", []), ("recentback", False), ("recentrng", None), ("recentrngm", None),
        ("useprompt", False), ("chatmode", False), ("chatname", "You"), ("botname", "Bot"), ("stop_sequence", []),
        ("adventure", True), ("actionmode", 0), ("storymode", 1), ("dynamicscan", False), ("recentedit", False),
        ("notes", "Remember: the bell matters."), ("biases", {}), ("story_id", -123456789012345678901234567890),
        ("max_memory_fraction", 0.5), ("max_prompt_length", 512), ("max_authornote_length", 512),
        ("last_story_load", None), ("revisions", []), ("picture", ""), ("picture_prompt", ""),
        ("substitutions", [{"target": "--", "substitution": "–", "enabled": False}]), ("gen_audio", False),
        ("prompt_picture_filename", ""), ("prompt_picture_prompt", ""), ("genres", []), ("memory_attn_bias", 1),
        ("an_attn_bias", 1), ("chat_style", 0), ("commentary_chance", 0), ("commentary_enabled", False),
    ]
    json_data = {"file_version": 2}
    for name, value in story:
        json_data[name] = value

    def to_base64(data):
        output = io.BytesIO()
        pickle.dump(data, output)
        output.seek(0)
        return "base64:{}".format(base64.encodebytes(output.read()).decode())

    write("united-story.json", json.dumps(json_data, default=to_base64, indent="\t"))


def lite(name, opmode, chunks, worldinfo, extra):
    save = {  # generate_base_storyobj
        "gamestarted": True, "prompt": "", "memory": "", "authorsnote": "", "anotetemplate": "",
        "actions": [], "actions_metadata": {}, "worldinfo": [], "wifolders_d": {}, "wifolders_l": [],
    }
    save["completed_imgs_meta"] = {}  # save_images
    save["prompt"] = chunks[0]
    for i in range(1, len(chunks)):
        save["actions"].append(chunks[i])
        save["actions_metadata"][str(i - 1)] = {"Selected Text": chunks[i], "Alternative Text": []}
    save["anotetemplate"] = "[Author's note: <|>]"
    save["authorsnote"] = extra.get("authorsnote", "")
    save["memory"] = extra.get("memory", "")
    save["worldinfo"] = worldinfo
    save["extrastopseq"] = extra.get("extrastopseq", "")
    save["tokenbans"] = extra.get("tokenbans", "")
    save["anotestr"] = 320
    save["wisearchdepth"] = 0
    save["wiinsertlocation"] = 0
    save["personal_notes"] = extra.get("personal_notes", "")
    save["logitbiasdict"] = extra.get("logitbiasdict", {})
    save["regexreplace_data"] = []
    save["placeholder_tags_data"] = []
    settings = {  # localsettings, the fields that matter here, redacted as generate_savefile does
        "my_api_key": "0000000000", "home_cluster": "https://aihorde.net", "saved_oai_key": "", "saved_kai_addr": "",
        "opmode": opmode, "adventure_is_action": opmode == 2, "chatname": "User", "chatopponent": "KoboldAI",
        "max_context_length": 4096, "max_length": 120, "rep_pen": 1.1, "rep_pen_range": 360, "rep_pen_slope": 0.7,
        "temperature": 0.75, "top_p": 0.92, "min_p": 0.05, "presence_penalty": 0.2, "top_k": 100, "top_a": 0,
        "typ_s": 1, "tfs_s": 0.95, "miro_type": 0, "dry_multiplier": 0.8, "dry_base": 1.75, "dry_allowed_length": 2,
        "dry_sequence_breakers": ["\n", ":", "\"", "*"], "xtc_threshold": 0.2, "xtc_probability": 0.5,
        "sampler_order": [6, 0, 1, 3, 4, 2, 5], "modelhashes": [],
    }
    save["savedsettings"] = settings
    save["savedaestheticsettings"] = {"bubbleColor_sys": "rgb(18, 36, 36)"}
    write(name, json.dumps(save, separators=(",", ":"), ensure_ascii=False))


def lite_saves():
    wi = [
        {"key": "lighthouse,tower", "keysecondary": "", "keyanti": "dream", "content": "The lighthouse has been dark for ten years.",
         "comment": "setting", "folder": None, "selective": False, "constant": False, "probability": 100,
         "wigroup": "General", "widisabled": False},
        {"key": "keeper", "keysecondary": "old,ghost", "keyanti": "", "content": "The old keeper drowned; some say he still climbs the stairs.",
         "comment": "", "folder": None, "selective": True, "constant": False, "probability": 100,
         "wigroup": "People", "widisabled": False},
        {"key": "storm", "keysecondary": "", "keyanti": "", "content": "A storm is coming from the west.",
         "comment": "", "folder": None, "selective": False, "constant": False, "probability": 40,
         "wigroup": "General", "widisabled": False},
        {"key": "", "keysecondary": "", "keyanti": "", "content": "The year is 1893.", "comment": "era", "folder": None,
         "selective": False, "constant": True, "probability": 100, "wigroup": "General", "widisabled": True},
    ]
    lite("lite-adventure.json", 2, [
        "The ferry leaves you on the island at dusk. The lighthouse stands black against the sky",
        ", its lamp long dead.",
        "\n\n> You walk to the lighthouse door.\n\n",
        "The door is unlocked. Inside, wet stairs wind upward — «quién anda ahí?» whispers someone.",
        "\n\nYou hear footsteps above you.",
        " They stop.",
    ], wi, {"memory": "You are a surveyor sent to inspect the lighthouse.", "authorsnote": "Eerie, slow.",
            "personal_notes": "check the keeper's log", "tokenbans": "I said||$||suddenly", "logitbiasdict": {"50256": -100, "13": 1.5}})
    lite("lite-chat.json", 3, [
        "\nKoboldAI: Welcome aboard, traveller. Where to?",
        "\nUser: Take me to the island.",
        "\nKoboldAI: Nobody goes there anymore. Why the island?",
        "\nUser: I heard the light is back.",
    ], [], {})


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    aid2()
    clover(first_format=False)
    clover(first_format=True)
    kobold(16)
    kobold(17)
    kobold(19)
    united()
    lite_saves()
    print("wrote", sorted(os.listdir(OUT)))
