#!/usr/bin/env python3
"""Re-generates every figure in docs/ that is computed from committed data, so no page can drift from it.

A page marks each generated block with the command that produces it:

    <!-- make_docs: incident import docs/data/phase-2/probe-run-1.jsonl -q && incident report --markdown -->
    ...output...
    <!-- end make_docs -->

The command runs with bash from the repository's root, with `incident` on PATH and a fresh, empty
database in $INCIDENT_DB for every block; `incident` therefore reads only the committed data the block
names. A `make_docs[text]` marker puts the output in a fenced text block. Above the output the script
writes the command, so a reader sees how to re-run it.

Live measurements (game days, benchmarks, the container check) are not re-run here: their pages quote
the captured output committed under docs/data/ and name the command that captured it.

Usage: scripts/make_docs.py [--incident PATH] [--check] [PAGE ...]
  --check   change nothing; exit 1 and name each stale block if a page differs from what it would be
"""
import argparse
import os
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
BLOCK = re.compile(
    r"<!-- make_docs(?P<text>\[text\])?: (?P<command>.+?) -->\n(?P<body>.*?)<!-- end make_docs -->",
    re.DOTALL)


def render(command, as_text, incident_dir):
    """Runs one block's command on an empty database and returns the block's new body."""
    with tempfile.TemporaryDirectory() as scratch:
        env = dict(os.environ, PATH=f"{incident_dir}{os.pathsep}{os.environ['PATH']}",
                   INCIDENT_DB=os.path.join(scratch, "docs.db"), INCIDENT_AUTHOR="make_docs", TZ="UTC",
                   NO_COLOR="1")
        result = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=ROOT, env=env,
                                stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"make_docs: `{command}` failed with exit {result.returncode}:\n{result.stderr}")
    output = result.stdout.rstrip("\n") + "\n"
    if as_text:
        output = f"```text\n{output}```\n"
    return f"_Generated from committed data by `{command}`; re-run with `scripts/make_docs.py`._\n\n{output}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incident", default=str(ROOT / ".build/debug/incident"),
                        help="the incident binary (default: .build/debug/incident)")
    parser.add_argument("--check", action="store_true", help="report stale blocks, change nothing")
    parser.add_argument("pages", nargs="*", help="pages to process (default: docs/*.md)")
    args = parser.parse_args()
    incident = pathlib.Path(args.incident).resolve()
    if not os.access(incident, os.X_OK):
        sys.exit(f"make_docs: no incident binary at {incident}: run `swift build` or pass --incident PATH")
    pages = [pathlib.Path(p).resolve() for p in args.pages] or sorted((ROOT / "docs").glob("*.md"))
    stale = []
    for page in pages:
        before = page.read_text()

        def replace(match):
            body = render(match["command"], bool(match["text"]), incident.parent)
            if body != match["body"]:
                stale.append(f"{page.relative_to(ROOT)}: {match['command']}")
            return f"<!-- make_docs{match['text'] or ''}: {match['command']} -->\n{body}<!-- end make_docs -->"

        after = BLOCK.sub(replace, before)
        if not args.check and after != before:
            page.write_text(after)
    if args.check and stale:
        print("stale generated blocks (run scripts/make_docs.py):", *stale, sep="\n  ", file=sys.stderr)
        sys.exit(1)
    print(f"make_docs: {len(stale)} block(s) {'stale' if args.check else 'updated'} in {len(pages)} page(s)")


if __name__ == "__main__":
    main()
