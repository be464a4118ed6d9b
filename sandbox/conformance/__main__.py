"""``python -m sandbox.conformance SPEC``: the host process the interrupt and crash checks kill."""

import sys

from sandbox.conformance.persistence import child_main

if __name__ == "__main__":
    child_main(sys.argv[1])
