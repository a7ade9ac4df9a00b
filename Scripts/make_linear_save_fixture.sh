#!/usr/bin/env bash
# Makes the save file and JSON export written by the last release before the story tree
# (commit dfcefaf, schema user_version 3: linear turns with their alternative replies and
# an undo stack), for the migration tests. The release itself writes them: this script
# builds it from git, imports two adventures with its own `dungeon import` (which stores
# them with SaveDatabase.create, the same code every save used), and exports one as its
# JSON (format version 1) with its own `dungeon export`.
#
#   Scripts/make_linear_save_fixture.sh    (from the repository; takes a few minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
release=dfcefaf
out=Tests/StorageTests/Fixtures
work=$(mktemp -d)
trap 'git worktree remove --force "$work/src" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

git worktree add --detach "$work/src" "$release" >/dev/null
(cd "$work/src" && swift build -c release --product dungeon >/dev/null)
dungeon="$work/src/.build/release/dungeon"

# Adventure 1: a turn retried twice whose middle reply was chosen, Say, Story and Continue
# turns, two turns undone (the later one retried), memory, world info, a note, non-ASCII
# text and the largest seed. Adventure 2: its last action never got its reply.
cat > "$work/one.json" <<'JSON'
{"format": "dungeon-adventure", "version": 1, "exportedAt": "2026-11-22T12:00:00Z", "adventure": {
  "title": "The Salt Road", "scenario": "fantasy", "opening": "You wake on the salt road. Gulls cry over the dunes.",
  "memory": ["You carry a letter for the Duke.", "Your horse is called Ash."],
  "worldInfo": [{"keys": ["Duke", "duke"], "text": "The Duke is dying.", "secondaryKeys": [], "alwaysOn": false},
                {"keys": [], "text": "Salt is money here.", "secondaryKeys": [], "alwaysOn": true}],
  "authorsNote": "Keep it bleak.", "detectsEndings": false, "continuedAfterEnding": false,
  "settings": {"temperature": 0.9, "topK": 40, "topP": 0.9, "repetitionPenalty": 1.15, "replyLength": 60},
  "turns": [
    {"mode": "do", "input": "look around", "action": "> You look around.", "chosen": 1, "replies": [
      {"text": "Dunes, and nothing else.", "seed": 11, "settings": {"temperature": 0.9, "topK": 40, "topP": 0.9, "repetitionPenalty": 1.15, "replyLength": 60}},
      {"text": "A caravan crawls along the horizon.", "seed": 18446744073709551615, "settings": {"temperature": 0.9, "topK": 40, "topP": 0.9, "repetitionPenalty": 1.15, "replyLength": 60}},
      {"text": "Your horse is gone.", "seed": 13, "settings": {"temperature": 1.0, "topK": 40, "topP": 0.9, "repetitionPenalty": 1.15, "replyLength": 60}}]},
    {"mode": "say", "input": "hello?", "action": "> You say \"Hello?\"", "chosen": 0, "replies": [
      {"text": "Nobody answers. Le vent siffle — 風が吹く.", "seed": 21, "settings": {"temperature": 0.9, "topK": 40, "topP": 0.9, "repetitionPenalty": 1.15, "replyLength": 60}}]},
    {"mode": "story", "input": "The caravan turns toward you.", "action": "The caravan turns toward you.", "chosen": 0, "replies": [
      {"text": "Bells ring on the camels.", "seed": 31, "settings": {"temperature": 0.9, "topK": 40, "topP": 0.9, "repetitionPenalty": 1.15, "replyLength": 60}}]},
    {"mode": "continue", "input": "", "action": "", "chosen": 0, "replies": [
      {"text": "A rider waves.", "seed": 41, "settings": {"temperature": 0.9, "topK": 40, "topP": 0.9, "repetitionPenalty": 1.15, "replyLength": 60}}]}],
  "undone": [
    {"mode": "do", "input": "run", "action": "> You run.", "chosen": 0, "replies": [
      {"text": "You stumble in the sand.", "seed": 61, "settings": {"temperature": 0.9, "topK": 40, "topP": 0.9, "repetitionPenalty": 1.15, "replyLength": 60}}]},
    {"mode": "do", "input": "wave back", "action": "> You wave back.", "chosen": 0, "replies": [
      {"text": "The rider gallops closer.", "seed": 51, "settings": {"temperature": 0.9, "topK": 40, "topP": 0.9, "repetitionPenalty": 1.15, "replyLength": 60}},
      {"text": "The rider turns away.", "seed": 52, "settings": {"temperature": 0.9, "topK": 40, "topP": 0.9, "repetitionPenalty": 1.15, "replyLength": 60}}]}]
}}
JSON
cat > "$work/two.json" <<'JSON'
{"format": "dungeon-adventure", "version": 1, "exportedAt": "2026-11-22T12:00:00Z", "adventure": {
  "title": "Cut Off", "scenario": "custom", "opening": "The lights go out.", "memory": [], "worldInfo": [],
  "authorsNote": "", "detectsEndings": false, "continuedAfterEnding": false,
  "settings": {"temperature": 0.8, "topK": 40, "topP": 0.9, "repetitionPenalty": 1.15, "replyLength": 60},
  "turns": [
    {"mode": "do", "input": "wait", "action": "> You wait.", "chosen": 0, "replies": [
      {"text": "Something moves.", "seed": 1, "settings": {"temperature": 0.8, "topK": 40, "topP": 0.9, "repetitionPenalty": 1.15, "replyLength": 60}}]},
    {"mode": "do", "input": "light a match", "action": "> You light a match.", "chosen": 0, "replies": []}],
  "undone": []
}}
JSON

saves="$work/saves"
"$dungeon" import "$work/one.json" --saves "$saves"
"$dungeon" import "$work/two.json" --saves "$saves"
"$dungeon" export 1 --format json --saves "$saves" --output "$out/linear-adventure-v1.json"
python3 - "$saves/dungeon.sqlite" "$out/linear-save-v3.sqlite" <<'PY'
import sqlite3, sys
source = sqlite3.connect(sys.argv[1])
assert source.execute("PRAGMA user_version").fetchone()[0] == 3
target = sqlite3.connect(sys.argv[2] + ".tmp")
source.backup(target)  # one self-contained file, with nothing left in a -wal beside it
target.execute("PRAGMA journal_mode = DELETE")
target.close()
PY
mv "$out/linear-save-v3.sqlite.tmp" "$out/linear-save-v3.sqlite"
echo "wrote $out/linear-save-v3.sqlite and $out/linear-adventure-v1.json"
