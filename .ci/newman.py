#!/usr/bin/env python3
"""Runs the Postman collection (docs/trustgate.postman_collection.json) with newman against a
fresh `npm start` (a temporary data directory, TRUSTGATE_ADMIN_KEY set, the store the environment
selects), then stops the gateway. Exits with newman's status.

    python3 .ci/newman.py
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from smoke import Gateway  # noqa: E402


def main() -> int:
    gw = Gateway()
    code = 1
    try:
        gw.wait_ready()
        code = subprocess.call([
            "npx", "--no-install", "newman", "run", "docs/trustgate.postman_collection.json",
            "--environment", "docs/trustgate.postman_environment.json",
            "--env-var", f"baseUrl={gw.base}",
            "--env-var", f"adminKey={gw.admin_key}",
            "--reporters", "cli",
            "--color", "off",
            "--timeout-request", "15000",
        ])
    finally:
        stopped = gw.stop()
        print(f"gateway stopped (exit {stopped})")
    if code != 0:
        with open(os.path.join(gw.data, "gateway.log")) as log:
            print("--- gateway log (tail)\n" + "".join(log.readlines()[-40:]))
    return code if stopped == 0 else (code or 1)


if __name__ == "__main__":
    sys.exit(main())
