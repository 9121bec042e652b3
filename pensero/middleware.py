"""Response headers and request logging that every page gets."""

import logging
import time

from django.conf import settings

request_logger = logging.getLogger("pensero.requests")


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy. The app needs no inline script or style.

    nosniff, Referrer-Policy and Cross-Origin-Opener-Policy come from Django's
    SecurityMiddleware (settings SECURE_*).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        return response


class RequestLogMiddleware:
    """One log line per request: method, path, status, time, user, workspace. No query strings."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        membership = getattr(request, "membership", None)
        user = getattr(request, "user", None)
        request_logger.info(
            "request method=%s path=%s status=%s ms=%.0f user=%s workspace=%s",
            request.method,
            # A view may hide a credential in its path (a webhook receiver's token).
            getattr(request, "log_path", request.path),
            response.status_code,
            (time.perf_counter() - started) * 1000,
            user.pk if user is not None and user.is_authenticated else "-",
            membership.workspace_id if membership else "-",
        )
        return response
