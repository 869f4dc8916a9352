"""What the benchmarks of the `incident` binary share: its options and the check that it was built."""
import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def incident_arguments(doc: str, runs: int) -> argparse.ArgumentParser:
    """A parser with --incident (default: the release build) and --runs; the caller adds its own options."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--incident", default=os.path.join(ROOT, ".build", "release", "incident"))
    parser.add_argument("--runs", type=int, default=runs)
    return parser


def require_binary(path: str, script: str, product: str = "incident") -> None:
    """Exits with how to build `product` when `path` is not an executable."""
    if not os.access(path, os.X_OK):
        sys.exit(f"{script}: no {'binary' if product == 'incident' else product} at {path}; build it with "
                 f"`swift build -c release --static-swift-stdlib --product {product}`")
