"""A throwaway NAPALM controller for the commit-confirm crash test.

Reads a JSON spec on stdin (driver name, connection arguments, candidate, revert_in), commits the
candidate with ``revert_in`` and then hangs, so the test can SIGKILL it mid-confirm-window. Prints
``COMMITTING`` before and ``COMMITTED`` after ``commit_config``.
"""

from __future__ import annotations

import json
import sys
import time

import napalm


def main() -> None:
    spec = json.load(sys.stdin)
    driver_class = napalm.get_network_driver(spec["driver"])
    driver = driver_class(spec["hostname"], spec["username"], spec["password"], optional_args=spec["optional_args"])
    driver.open()
    driver.load_replace_candidate(config=spec["candidate"])
    print("COMMITTING", flush=True)
    driver.commit_config(revert_in=spec["revert_in"])
    print("COMMITTED", flush=True)
    time.sleep(3600)


if __name__ == "__main__":
    main()
