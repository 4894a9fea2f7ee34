"""A local stand-in for Slack's Web API: `auth.test` and `chat.postMessage`.

It listens on loopback, checks the bearer token, records every message it accepts,
and can be told to misbehave like the real service does: answer slowly, rate-limit
(HTTP 429), or refuse every token.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class SlackStandIn:
    """The server's state: the token it accepts, its behaviour, what it received."""

    token: str
    behaviour: str = "normal"  # normal, slow, rate_limited or refuse_tokens
    delay: float = 0.0
    messages: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0
    server: ThreadingHTTPServer | None = None

    @property
    def api_url(self) -> str:
        """Return the base URL that slack-sdk takes, ending in /api/."""
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/api/"

    def start(self) -> SlackStandIn:
        """Serve on a free loopback port in a background thread."""
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(self))
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def answer(self, method: str, authorization: str, payload: dict[str, Any]) -> tuple:
        """Return the HTTP status, headers and JSON body for one API call."""
        self.requests += 1
        behaviour = self.behaviour  # as it was when the request arrived
        if behaviour == "slow":
            # Answer only after the delay, and post nothing: the client has given up.
            time.sleep(self.delay)
            return 200, {}, {"ok": False, "error": "request_timeout"}
        if behaviour == "rate_limited":
            return 429, {"Retry-After": "30"}, {"ok": False, "error": "ratelimited"}
        if behaviour == "refuse_tokens" or authorization != f"Bearer {self.token}":
            return 200, {}, {"ok": False, "error": "invalid_auth"}
        if method == "auth.test":
            return 200, {}, {"ok": True, "team": "stand-in", "user": "zenml-bot"}
        if method == "chat.postMessage":
            if not payload.get("channel") or not payload.get("text"):
                return 200, {}, {"ok": False, "error": "no_text"}
            self.messages.append(payload)
            return 200, {}, {"ok": True, "channel": payload["channel"], "ts": str(time.time())}
        return 404, {}, {"ok": False, "error": "unknown_method"}


def handler_for(state: SlackStandIn) -> type[BaseHTTPRequestHandler]:
    """Return a request handler class bound to `state`."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            if self.headers.get("Content-Type", "").startswith("application/json"):
                payload = json.loads(body or "{}")
            else:
                payload = {key: values[-1] for key, values in parse_qs(body).items()}
            method = self.path.rsplit("/", 1)[-1]
            status, headers, answer = state.answer(
                method, self.headers.get("Authorization", ""), payload
            )
            encoded = json.dumps(answer).encode()
            try:
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(encoded)))
                self.end_headers()
                self.wfile.write(encoded)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting, as a slow Slack makes it do

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler
