#!/usr/bin/env python3
"""Drives `dungeon serve` through the clients players' tools use: the `openai` package and
the `koboldapi` package (KoboldCpp's Python client). Prints one JSON object with what it saw;
ServeTests.swift asserts on it.

    clients.py SCENARIO BASE_URL [JSON_ARGUMENTS]
"""
import asyncio
import concurrent.futures
import http.client
import json
import sys
import threading
import urllib.parse

scenario, base = sys.argv[1], sys.argv[2]
args = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
key = args.get("key")


def openai_client():
    import openai
    return openai.OpenAI(base_url=base + "/v1", api_key=key or "none", max_retries=0, timeout=120)


def kobold_client():
    from koboldapi import KoboldAPI
    return KoboldAPI(base, api_password=key)


def openai_plain():
    client = openai_client()
    response = client.completions.create(model="dungeon", prompt=args["prompt"], max_tokens=args["max_tokens"],
                                         seed=args["seed"], temperature=args["temperature"], top_p=args["top_p"],
                                         stop=args.get("stop"), extra_body=args.get("extra", {}))
    choice = response.choices[0]
    return {"text": choice.text, "finish_reason": choice.finish_reason, "model": response.model,
            "prompt_tokens": response.usage.prompt_tokens, "completion_tokens": response.usage.completion_tokens}


def openai_stream():
    client = openai_client()
    pieces, finishes = [], []
    for chunk in client.completions.create(model="dungeon", prompt=args["prompt"], max_tokens=args["max_tokens"],
                                           seed=args["seed"], temperature=args["temperature"], top_p=args["top_p"],
                                           stop=args.get("stop"), stream=True, extra_body=args.get("extra", {})):
        pieces.append(chunk.choices[0].text)
        finishes.append(chunk.choices[0].finish_reason)
    return {"pieces": pieces, "finishes": finishes}


def openai_models():
    return {"ids": [model.id for model in openai_client().models.list().data]}


def openai_errors():
    """Requests the server must refuse, through the client: what the client raised."""
    import openai
    client = openai_client()
    seen = {}
    cases = {
        "n": dict(prompt="x", n=2),
        "temperature": dict(prompt="x", temperature=9),
        "max_tokens": dict(prompt="x", max_tokens=0),
    }
    for name, fields in cases.items():
        try:
            client.completions.create(model="dungeon", **fields)
            seen[name] = None
        except openai.APIStatusError as error:
            seen[name] = {"status": error.status_code, "message": error.body.get("message") if isinstance(error.body, dict) else str(error.body)}
    return seen


def kobold_params():
    return {"temperature": args["temperature"], "top_p": args["top_p"], "top_k": args.get("top_k", 0),
            "rep_pen": 1.0, "min_p": 0.0, "sampler_seed": args["seed"], **args.get("extra", {})}


def kobold_plain():
    api = kobold_client()
    text = api.generate(args["prompt"], max_length=args["max_tokens"], **kobold_params())
    return {"text": text, "model": api.get_model(), "max_context_length": api.get_max_context_length(),
            "version": api.get_version()}


def kobold_stream():
    api = kobold_client()
    pieces = []

    async def collect():
        async for token in api.stream_generate(args["prompt"], max_length=args["max_tokens"], **kobold_params()):
            pieces.append(token)
    asyncio.run(collect())
    return {"pieces": pieces}


def kobold_tokens():
    counted = kobold_client().count_tokens(args["text"])
    return {"count": counted["count"], "tokens": counted["tokens"]}


def kobold_abort():
    """Streams a long reply and aborts it, by its genkey, once a few pieces have arrived."""
    api = kobold_client()
    pieces, aborted = [], []

    async def collect():
        loop = asyncio.get_running_loop()
        async for token in api.stream_generate(args["prompt"], max_length=args["max_tokens"], **kobold_params()):
            pieces.append(token)
            if len(pieces) == 3 and not aborted:
                aborted.append(await loop.run_in_executor(None, api.abort_generation))
    asyncio.run(collect())
    return {"pieces": len(pieces), "aborted": aborted, "check": api.check_generation()}


def request(method, path, body=None, headers=None, timeout=120):
    url = urllib.parse.urlparse(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
    all_headers = {"Content-Type": "application/json", **({"Authorization": "Bearer " + key} if key else {}), **(headers or {})}
    connection.request(method, path, body=data, headers=all_headers)
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    return response.status, payload, dict(response.getheaders())


def load():
    """8 clients x 10 requests at once, half of them streamed; then each again, one at a time.
    The same seed and prompt must give the same text, so a reply mixed with another's shows."""
    clients, per_client = args.get("clients", 8), args.get("requests", 10)

    def body(c, i):
        return {"prompt": f"{c * 100 + i} Client {c} asks for reply {i}.", "max_length": 12, "sampler_seed": 1000 * c + i,
                "temperature": 0.8, "top_k": 40, "top_p": 0.95, "rep_pen": 1.0}

    def plain(c, i):
        status, payload, _ = request("POST", "/api/v1/generate", body(c, i))
        return status, json.loads(payload)["results"][0]["text"] if status == 200 else payload.decode()

    def streamed(c, i):
        status, payload, _ = request("POST", "/api/extra/generate/stream", body(c, i))
        if status != 200:
            return status, payload.decode()
        events = [json.loads(line[6:]) for line in payload.decode().split("\n") if line.startswith("data: ")]
        finished = [e for e in events if e["finish_reason"] != "null"]
        in_order = len(finished) == 1 and events[-1] is finished[0]
        return (status if in_order else -1), "".join(e["token"] for e in events)

    def client(c):
        return [(c, i) + (streamed if i % 2 else plain)(c, i) for i in range(per_client)]

    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        concurrent_results = [r for rs in pool.map(client, range(clients)) for r in rs]
    mismatched, statuses = [], {}
    for c, i, status, text in concurrent_results:
        statuses[status] = statuses.get(status, 0) + 1
        alone = plain(c, i)[1]
        if status == 200 and text != alone:
            mismatched.append({"client": c, "request": i, "together": text, "alone": alone})
    return {"statuses": {str(k): v for k, v in statuses.items()}, "mismatched": mismatched}


def flood():
    """1,000 small requests from 32 threads: every one answered (200, or 503 when the queue is full)."""
    count, threads = args.get("count", 1000), args.get("threads", 32)
    statuses, lock = {}, threading.Lock()

    def one(n):
        try:
            if n % 2:
                status, _, headers = request("POST", "/api/v1/generate", {"prompt": f"Flood {n}.", "max_length": 1}, timeout=60)
                if status == 503 and "Retry-After" not in headers:
                    status = -503
            else:
                status, _, _ = request("POST", "/api/extra/tokencount", {"prompt": f"Flood {n}."}, timeout=60)
        except Exception as error:
            status = type(error).__name__
        with lock:
            statuses[str(status)] = statuses.get(str(status), 0) + 1

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(count)))
    return {"statuses": statuses}


def raw():
    """One request as given, for bad-input checks: status, body and headers."""
    body = args.get("body")
    if args.get("body_text") is not None:
        body = args["body_text"].encode("utf-8", "surrogateescape")
    if args.get("body_bytes") is not None:
        body = bytes(args["body_bytes"]) * args.get("repeat", 1)
    status, payload, headers = request(args.get("method", "POST"), args["path"], body, args.get("headers"))
    try:
        parsed = json.loads(payload)
    except ValueError:
        parsed = payload.decode("utf-8", "replace")
    return {"status": status, "body": parsed, "headers": headers}


print(json.dumps(globals()[scenario.replace("-", "_")]()))
