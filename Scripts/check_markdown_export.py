#!/usr/bin/env python3
"""Renders the Markdown export's test files with two real renderers and checks that every
story paragraph comes out as plain text, exactly as written: no formatting, no stray
backslashes, no swallowed characters.

Reads Tests/StorageTests/Snapshots/markdown-cases.md (written by the test
markdownCasesMatchTheirSnapshot) and markdown-cases.json (the paragraphs as written), and
sample.md. Needs `pip install markdown-it-py markdown`.
"""
import html
import json
import os
import re
import sys
from html.parser import HTMLParser

import markdown
from markdown_it import MarkdownIt

SNAPSHOTS = os.path.join(os.path.dirname(__file__), "..", "Tests", "StorageTests", "Snapshots")


class Blocks(HTMLParser):
    """The text of each top-level block, and any tag other than p, h1 and hr."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks, self.tags, self.current = [], set(), None

    def handle_starttag(self, tag, attrs):
        if tag == "p":
            self.current = ""
        elif tag not in ("h1", "hr", "em", "blockquote", "strong"):
            self.tags.add(tag)

    def handle_endtag(self, tag):
        if tag == "p" and self.current is not None:
            self.blocks.append(self.current)
            self.current = None

    def handle_data(self, data):
        if self.current is not None:
            self.current += data


def paragraphs(rendered):
    parser = Blocks()
    parser.feed(rendered)
    return parser.blocks, parser.tags


def main():
    with open(os.path.join(SNAPSHOTS, "markdown-cases.md"), encoding="utf-8") as f:
        source = f.read()
    with open(os.path.join(SNAPSHOTS, "markdown-cases.json"), encoding="utf-8") as f:
        expected = json.load(f)
    failures = 0
    renderers = {
        "markdown-it-py (CommonMark)": lambda text: MarkdownIt("commonmark").render(text),
        "Python-Markdown": lambda text: markdown.markdown(text),
    }
    for name, render in renderers.items():
        blocks, tags = paragraphs(render(source))
        story = blocks[-len(expected):]  # after the date line and the opening
        for written, shown in zip(expected, story):
            if written != shown:
                failures += 1
                print(f"{name}: {written!r} rendered as {shown!r}")
        if len(story) != len(expected):
            failures += 1
            print(f"{name}: {len(expected)} paragraphs written, {len(story)} rendered")
        if tags:
            failures += 1
            print(f"{name}: unexpected tags {sorted(tags)}")
        with open(os.path.join(SNAPSHOTS, "sample.md"), encoding="utf-8") as f:
            sample_blocks, sample_tags = paragraphs(render(f.read()))
        if sample_tags - {"h2", "h3"}:
            failures += 1
            print(f"{name}: sample.md has unexpected tags {sorted(sample_tags)}")
        stray = [b for b in sample_blocks if re.search(r"\\[^\n]", b)]
        if stray:
            failures += 1
            print(f"{name}: stray backslashes in sample.md: {stray}")
    print("ok" if failures == 0 else f"{failures} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
