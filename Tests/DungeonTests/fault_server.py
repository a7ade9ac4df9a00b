#!/usr/bin/env python3
"""A KoboldCpp-shaped server that misbehaves, for the remote backend's fault tests. It
answers the questions a client asks first (version, model, window, token counts) the way
KoboldCpp's koboldcpp.py does, then fails the generation the way MODE says:

    fault_server.py MODE PORT_FILE     writes its port to PORT_FILE, then serves

    die        three tokens, then the connection is cut (the process is killed mid-reply)
    silent     the stream's headers never come
    garbage    events that are not JSON, with control bytes
    controls   valid events whose tokens carry terminal escape sequences
    error      a 503 with KoboldCpp's error shape
    strict     refuses any field it does not know with a 422 naming it, as a FastAPI
               server that forbids extra fields does; then writes a reply
"""
import http.server
import json
import os
import socketserver
import sys
import time

mode = sys.argv[1]
# What `strict` takes: KoboldAI's core fields (KoboldAI United's own API, without KoboldCpp's extras).
KNOWN = {"prompt", "max_length", "max_context_length", "temperature", "top_k", "top_p", "rep_pen", "rep_pen_range",
         "typical", "tfs", "top_a", "sampler_order", "sampler_seed", "stop_sequence", "genkey", "quiet", "trim_stop"}
refused = []


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/api/extra/version":
            self.reply(200, {"result": "KoboldCpp", "version": "1.76"})
        elif self.path == "/api/v1/model":
            self.reply(200, {"result": "koboldcpp/faulty"})
        elif self.path in ("/api/extra/true_max_context_length", "/api/v1/config/max_context_length"):
            self.reply(200, {"value": 1024})
        else:
            self.reply(404, {"detail": {"msg": "no such endpoint", "type": "not_found"}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path == "/api/extra/tokencount":
            # Not GPT-2's ids: the client counts through the server.
            text = body.get("prompt", "")
            self.reply(200, {"value": len(text.split()), "ids": list(range(len(text.split())))})
            return
        if self.path == "/api/extra/abort":
            self.reply(200, {"success": "true"})
            return
        if self.path != "/api/extra/generate/stream":
            self.reply(404, {"detail": {"msg": "no such endpoint", "type": "not_found"}})
            return
        if mode == "silent":
            time.sleep(3600)
            return
        if mode == "strict":
            unknown = sorted(set(body) - KNOWN)
            if unknown:
                refused.append(unknown[0])
                self.reply(422, {"detail": [{"loc": ["body", unknown[0]], "msg": "extra fields not permitted",
                                             "type": "value_error.extra"}], "error": f"extra field: {unknown[0]}"})
                return
        if mode == "error":
            self.reply(503, {"detail": {"msg": "Server is busy; please try again later.", "type": "service_unavailable"}})
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()

        def event(token, finish="null"):
            payload = json.dumps({"token": token, "finish_reason": finish})
            self.wfile.write(f"event: message\ndata: {payload}\n\n".encode())
            self.wfile.flush()

        if mode == "die":
            for token in [" The", " torch", " gutters"]:
                event(token)
                time.sleep(0.05)
            os._exit(1)
        if mode == "garbage":
            event(" You")
            self.wfile.write(b"data: {\"token\": \x1b[2J\x07 \xff\xfe not json\n\n")
            self.wfile.flush()
            return
        if mode == "strict":
            for token in [" The", " bell", " rings", ".", ""]:
                event(token, "length" if token == "" else "null")
            return
        if mode == "controls":
            for token in [" The\x1b[2J", " bell\x07", " rings\x1b]0;pwned\x07", ".\x1b[31m", ""]:
                event(token, "length" if token == "" else "null")
            return


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


server = Server(("127.0.0.1", 0), Handler)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
server.serve_forever()
