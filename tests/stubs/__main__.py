"""Run one stub in the foreground: ``python -m tests.stubs kisi --port 8765``.

Handy for pointing a local Celery worker or a dev server at a fake remote. The default
credentials of each stub class are printed so a connection can be configured with them.
"""

from __future__ import annotations

import argparse
import time

from . import STUBS


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.stubs")
    parser.add_argument("kind", choices=sorted(STUBS))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    stub = STUBS[args.kind]().start(host=args.host, port=args.port)
    print(f"{args.kind} stub listening on {stub.client_url}  credentials={stub.credentials}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        stub.stop()


if __name__ == "__main__":
    main()
