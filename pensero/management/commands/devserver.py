"""Run the web server and one background worker together; Ctrl-C stops both."""

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the app on 127.0.0.1:8000 with one django-q2 cluster (used by `make run`)."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, addr, **options):
        manage = [sys.executable, "manage.py"]
        processes = {
            "worker": subprocess.Popen([*manage, "qcluster"]),  # noqa: S603
            "web": subprocess.Popen([*manage, "runserver", addr]),  # noqa: S603
        }
        self.stdout.write(f"Serving http://{addr}/ with a background worker. Ctrl-C stops both.")
        try:
            while all(p.poll() is None for p in processes.values()):
                time.sleep(0.5)
            stopped = [name for name, p in processes.items() if p.poll() is not None]
            self.stderr.write(f"{', '.join(stopped)} stopped; stopping the rest.")
        except KeyboardInterrupt:
            pass
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGINT)
            for process in processes.values():
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
