"""`make bench`: every benchmark, its figures and its targets. Exits non-zero on a missed target."""

import importlib
import sys

SUITES = ["benchmarks.sync", "benchmarks.reports", "benchmarks.webhooks"]


def main() -> int:
    only = sys.argv[1:]
    failed = []
    for name in SUITES:
        if only and name.rsplit(".", 1)[1] not in only:
            continue
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            print(f"{name}: not available ({error})")
            failed.append(name)
            continue
        if module.main() != 0:
            failed.append(name)
    if failed:
        print(f"Missed targets in: {', '.join(failed)}")
        return 1
    print("All benchmark targets met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
