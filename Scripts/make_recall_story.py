#!/usr/bin/env python3
"""Writes Tests/StorageTests/Fixtures/recall-story.json: a scripted 400-turn adventure for
recall's test (RecallStoryTests).

Facts are planted in early turns (a name, an object, a place, each a word that appears
nowhere else) and mentioned once, much later, either in the player's action or in a reply,
long after the planting turn has scrolled out of GPT-2's 1,024-token window. Every other
turn is filler prose drawn from a shared pool of nouns, so each query also holds common
story words that match hundreds of passages: recall has to rank, not just match.
Decoys put a later fact's word on other branches (a retry kept off the story, a branch
deleted): recall must never find those.

Deterministic: the same file every run (random.Random(2026)).
"""
import json
import os
import random

rng = random.Random(2026)
NOUNS = """lantern corridor river bridge tower gate forest cave torch door stair window table chair
candle rope ladder wall floor roof hall garden fountain statue road path field hill valley cliff
shore boat harbor market tavern cellar chest barrel crate sack cloak boot glove helmet shield sword
bow arrow dagger staff book scroll map letter coin ring amulet bottle cup plate bread cheese apple
fire smoke rain snow wind storm cloud star moon sun shadow light voice song bell drum horse dog cat
crow wolf rat guard soldier merchant farmer priest child woman stranger captain sailor thief beggar
bandit knight bard smith baker miller hunter fisher""".split()
ADJECTIVES = """old cold dark narrow wet quiet broken heavy distant bright dusty silent faint rough
wooden iron stone muddy tall small empty crowded""".split()
VERBS = """creaks flickers rattles drips glimmers sways groans hums waits rests shifts trembles""".split()
TEMPLATES = [
    "The {a} {n} {v} beside the {n2}.",
    "You pass a {a} {n} and a {a2} {n2}.",
    "Somewhere past the {n}, a {n2} {v}.",
    "A {a} {n} {v} while the {n2} {v2}.",
    "The {n} is {a}, and the {n2} beyond it is {a2}.",
]
ACTIONS = ["You walk toward the {n}.", "You look at the {a} {n}.", "You wait by the {n}.",
           "You search the {n}.", "You follow the {n} past the {n2}."]

FACTS = [
    ("Håkon", "The innkeeper leans close and tells you her name is Håkon.", "You ask the barmaid about Håkon.", "Håkon's warning comes back to you."),
    ("Brindlewick", "A sign names the village Brindlewick.", "You ask the way to Brindlewick.", "The road signs point back to Brindlewick."),
    ("obsidian", "You hide an obsidian compass in your left boot.", "You take out the obsidian compass.", "Your thoughts turn to the obsidian compass."),
    ("Quillon", "An old soldier named Quillon owes you a favour.", "You send word to Quillon.", "A letter arrives, signed by Quillon."),
    ("Marrowgate", "The prison you escaped from was Marrowgate.", "You tell the guard you came from Marrowgate.", "Someone whispers the word Marrowgate."),
    ("Seraphine", "Your sister Seraphine sails for the southern isles.", "You ask the sailor if he knows Seraphine.", "A sailor mentions a woman called Seraphine."),
    ("vermilion", "You sign the vermilion ledger with a false name.", "You ask to see the vermilion ledger again.", "The clerk opens the vermilion ledger."),
    ("Thornwald", "The bandits answer to a chief called Thornwald.", "You shout for Thornwald to show himself.", "Thornwald's men block the road."),
    ("Elsinore", "The ship that brought you here was the Elsinore.", "You ask the harbourmaster about the Elsinore.", "The Elsinore's sails appear on the horizon."),
    ("cinnabar", "The healer gives you three cinnabar pills for the fever.", "You swallow a cinnabar pill.", "The fever returns; you think of the cinnabar pills."),
    ("Ostrava", "The merchant promises to pay you in Ostrava.", "You set out for Ostrava.", "The merchant's debt in Ostrava is still unpaid."),
    ("Wendeline", "A witch named Wendeline lives beyond the marsh.", "You call out for Wendeline.", "The smoke smells like Wendeline's hut."),
    ("gryphon", "You carve a gryphon into the door of the shrine.", "You look for the gryphon carving.", "A gryphon carving marks the way."),
    ("Falkreath", "Your father was buried at Falkreath.", "You ask whether this road leads to Falkreath.", "The priest speaks of Falkreath's graves."),
    ("Ravenmoor", "The map shows a ruined keep called Ravenmoor.", "You unfold the map to find Ravenmoor.", "Ravenmoor's towers rise above the trees."),
    ("Ludmila", "The smith's daughter Ludmila forged your blade.", "You show the blade to the smith and ask for Ludmila.", "The blade Ludmila forged hums."),
    ("saffron", "You trade your cloak for a pouch of saffron.", "You offer the pouch of saffron.", "The pouch of saffron is lighter than before."),
    ("Istvan", "A boy named Istvan steals your purse.", "You ask the beggars where Istvan sleeps.", "Istvan grins at you from an alley."),
    ("Caldera", "The monks speak of a fire temple in the Caldera.", "You ask the way to the Caldera.", "Ash from the Caldera falls like snow."),
    ("Mirabel", "The queen's spy goes by the name Mirabel.", "You whisper the name Mirabel to the guard.", "A note signed Mirabel waits under your door."),
    ("amethyst", "The key to the vault is an amethyst shard.", "You hold up the amethyst shard.", "The amethyst shard glows faintly."),
    ("Tobias", "The ferryman Tobias will carry you for a song.", "You sing for Tobias at the ferry.", "Tobias's ferry waits at the dock."),
    ("Kesselring", "The mercenaries wear the badge of Kesselring.", "You ask who Kesselring is.", "Kesselring's badge glints on a dead man's coat."),
    ("lodestone", "You keep a lodestone wrapped in oilcloth.", "You unwrap the lodestone.", "The lodestone pulls toward the north."),
]

TURNS = 400


def filler(r, sentences):
    out = []
    for _ in range(sentences):
        t = r.choice(TEMPLATES)
        n, n2 = r.sample(NOUNS, 2)
        a, a2 = r.sample(ADJECTIVES, 2)
        v, v2 = r.sample(VERBS, 2)
        out.append(t.format(n=n, n2=n2, a=a, a2=a2, v=v, v2=v2))
    return " ".join(out)


def action(r):
    n, n2 = r.sample(NOUNS, 2)
    return r.choice(ACTIONS).format(n=n, n2=n2, a=r.choice(ADJECTIVES))


plant_turns = sorted(rng.sample(range(2, 60), len(FACTS)))
mention_turns = sorted(rng.sample(range(120, TURNS), len(FACTS)))
rng.shuffle(mention_turns)
turns = [{"action": action(rng), "reply": filler(rng, rng.randint(2, 4))} for _ in range(TURNS)]
facts = []
for index, ((word, planted, asked, told), plant, mention) in enumerate(zip(FACTS, plant_turns, mention_turns)):
    turns[plant]["reply"] = planted + " " + filler(rng, rng.randint(1, 3))
    in_action = index % 2 == 0
    if in_action:
        turns[mention]["action"] = asked
    else:
        turns[mention]["reply"] = told + " " + filler(rng, rng.randint(1, 2))
    facts.append({"word": word, "plantedTurn": plant + 1, "mentionTurn": mention + 1,
                  "inAction": in_action})
# Decoys: a later fact's word on a branch that is not the story (kept, or deleted).
decoys = []
for n, fact in enumerate(facts[:8]):
    at = rng.randint(70, 110)
    decoys.append({"afterTurn": at, "reply": f"{fact['word']} is mentioned here, on a branch that is not the story. "
                   + filler(rng, 1), "deleted": n % 2 == 1})

story = {"opening": "You arrive at the edge of the kingdom with nothing but a cloak and a name.",
         "turns": turns, "facts": facts, "decoys": decoys}
path = os.path.join(os.path.dirname(__file__), "..", "Tests", "StorageTests", "Fixtures", "recall-story.json")
with open(path, "w", encoding="utf-8") as f:
    json.dump(story, f, ensure_ascii=False, indent=1)
    f.write("\n")
print(f"wrote {os.path.normpath(path)}: {len(turns)} turns, {len(facts)} facts, {len(decoys)} decoys")
