#!/usr/bin/env python3
"""A local HTTP server for the download tests: serves a folder with Range support,
and can drop the first connection for each file part-way, like a flaky network.

    serve.py FOLDER PORT_FILE [--drop-after BYTES]   writes its port to PORT_FILE, then serves;
                                                     each request is logged to PORT_FILE.log
"""
import http.server
import os
import sys
import threading

folder = sys.argv[1]
drop_after = int(sys.argv[sys.argv.index("--drop-after") + 1]) if "--drop-after" in sys.argv else None
dropped = set()
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        with lock, open(sys.argv[2] + ".log", "a") as log:
            log.write(f"{self.path} {self.headers.get('Range', '-')}\n")
        path = os.path.join(folder, self.path.lstrip("/").split("?")[0])
        if not os.path.isfile(path):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = open(path, "rb").read()
        start = 0
        header = self.headers.get("Range")
        if header and header.startswith("bytes="):
            start = int(header[6:].split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with lock:
            drop = drop_after is not None and path not in dropped and len(body) > drop_after
            if drop:
                dropped.add(path)
        if drop:
            self.wfile.write(body[:drop_after])
            self.wfile.flush()
            self.connection.shutdown(2)  # a connection lost mid-file
            self.close_connection = True
            return
        self.wfile.write(body)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
server.serve_forever()
