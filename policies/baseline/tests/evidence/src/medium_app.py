"""Serves on every interface (bandit B104, MEDIUM)."""
import http.server


def serve() -> None:
    server = http.server.HTTPServer(("0.0.0.0", 8080), http.server.SimpleHTTPRequestHandler)
    server.serve_forever()
