"""Shared pieces of the webhook tests: signed deliveries, and a small receiver for the simulator."""

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt


def payload(event="jira:issue_updated", issue_id="10001", key="KAN-1", timestamp=None):
    body = {
        "timestamp": timestamp or int(time.time() * 1000),
        "webhookEvent": event,
        "issue": {"id": str(issue_id), "key": key, "fields": {"summary": "Something"}},
    }
    return json.dumps(body).encode()


def hub_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def app_jwt(cloud_id, *, secret, issuer, expires_in=120, **claims):
    now = int(time.time())
    body = {"iss": issuer, "iat": now, "exp": now + expires_in, "context": {"cloudId": cloud_id}}
    body.update(claims)
    return jwt.encode(body, secret, algorithm="HS256")


def post_admin(client, url, body, *, secret=None, identifier="delivery-1", signature=None):
    headers = {"HTTP_X_ATLASSIAN_WEBHOOK_IDENTIFIER": identifier}
    if signature is None and secret is not None:
        signature = hub_signature(secret, body)
    if signature is not None:
        headers["HTTP_X_HUB_SIGNATURE"] = signature
    return client.post(url, body, content_type="application/json", **headers)


class Receiver:
    """An HTTP endpoint on 127.0.0.1 that records what it is sent and answers `statuses` in turn
    (then 200)."""

    def __init__(self, statuses=(), retry_after=None):
        self.received: list[dict] = []
        self.statuses = list(statuses)
        self.retry_after = retry_after
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the base class's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.received.append(
                        {"headers": dict(self.headers), "body": body, "path": self.path}
                    )
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                if status == 429 and receiver.retry_after is not None:
                    self.send_header("Retry-After", str(receiver.retry_after))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def bodies(self) -> list[dict]:
        with self.lock:
            return [json.loads(r["body"]) for r in self.received]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
