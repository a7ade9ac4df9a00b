#!/usr/bin/env python3
"""What `dungeon serve` saves by reusing the KV cache across requests, on this machine.

A front end resends the whole story each turn. This starts the release `dungeon serve` on
each model, sends a story of about --tokens tokens cold (its first words changed each run, so
nothing is cached) and then the same story one turn longer (as a front end's next turn
would), and reads the server's own numbers from /api/extra/perf (the prompt tokens it
computed and its seconds reading them). Prints a Markdown table, median of --runs runs.

    python3 Scripts/bench_serve.py --models ../shared/models/adventure-demo,gpt2,gpt2-medium --runs 5

A model is a folder, or a GPT-2 size (random weights, Scripts/make_random_gpt2.py, which
needs numpy: run it from a venv that has it).
"""
import argparse
import http.client
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TURNS = [
    "You push the door open. The hinges scream and dust falls from the lintel.",
    "A corridor runs north, lit by torches that have burned for a long time without going out.",
    "Something scrapes in the dark ahead, then stops, as if it heard you stop.",
    "The innkeeper said the vault had been sealed for a hundred years; he did not say why.",
    "Water drips from the ceiling into a basin carved with the faces of forgotten kings.",
]


def story(tokens_wanted, tag):
    lines, words = [f"Run {tag}. You are Ser Aldric, a knight sworn to the Silver Order."], 10
    turn = 0
    while words * 1.3 < tokens_wanted:
        action = f"\n> You go on ({turn}).\n"
        text = TURNS[turn % len(TURNS)]
        lines.append(action + text)
        words += len((action + text).split())
        turn += 1
    return "".join(lines)


def post(port, path, body):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    payload = connection.getresponse().read()
    connection.close()
    return json.loads(payload)


def perf(port):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", "/api/extra/perf")
    payload = json.loads(connection.getresponse().read())
    connection.close()
    return payload


def model_folder(name, work):
    if Path(name).is_dir():
        return Path(name)
    folder = work / name
    if not folder.exists():
        subprocess.run([sys.executable, ROOT / "Scripts/make_random_gpt2.py", "--size", name, "--dtype", "f16",
                        "--out", folder], check=True)
    return folder


def measure(binary, folder, tokens, runs):
    server = subprocess.Popen([binary, "serve", "--model", folder, "--port", "0", "--quiet"],
                              stderr=subprocess.PIPE, text=True)
    try:
        port = None
        for line in server.stderr:
            if line.startswith("Serving "):
                port = int(line.split("http://127.0.0.1:")[1].split(":")[0])
                break
        cold, warm = [], []
        for run in range(runs):
            base = story(tokens, run)
            next_turn = "\n> You step into the dark.\nThe torchlight does not reach the far wall, but something there breathes."
            post(port, "/api/v1/generate", {"prompt": base, "max_length": 8, "sampler_seed": run})
            cold.append(perf(port))
            post(port, "/api/v1/generate", {"prompt": base + next_turn, "max_length": 8, "sampler_seed": run})
            warm.append(perf(port))
        return cold, warm
    finally:
        server.terminate()
        server.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=str(ROOT.parent / "shared/models/adventure-demo"))
    parser.add_argument("--tokens", type=int, default=800)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    subprocess.run(["swift", "build", "-c", "release", "--product", "dungeon"], cwd=ROOT, check=True)
    binary = ROOT / ".build/release/dungeon"
    print("| model | prompt tokens (cold / next turn) | computed | reading the prompt | saved |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch:
        for name in args.models.split(","):
            folder = model_folder(name, Path(scratch))
            cold, warm = measure(binary, folder, args.tokens, args.runs)
            cold_s = statistics.median(p["last_process"] for p in cold)
            warm_s = statistics.median(p["last_process"] for p in warm)
            print(f"| {Path(name).name} | {cold[0]['last_prompt_tokens']} / {warm[0]['last_prompt_tokens']} "
                  f"| {statistics.median(p['last_prompt_tokens_computed'] for p in cold):.0f} / "
                  f"{statistics.median(p['last_prompt_tokens_computed'] for p in warm):.0f} "
                  f"| {cold_s * 1000:.0f} ms / {warm_s * 1000:.0f} ms | {(cold_s - warm_s) * 1000:.0f} ms |", flush=True)


if __name__ == "__main__":
    main()
