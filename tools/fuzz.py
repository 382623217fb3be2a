"""Long fuzz run over every input kind: `python tools/fuzz.py --cases 10000 [--build-every 25]`.

Run from the repository root (PYTHONPATH=src). Each case mutates one input of a small complete
project (see tests/fuzz_project.py) and runs `positionkit check`; every --build-every'th case
also runs `positionkit build --format docx`. Prints figures (cases, exit codes, tracebacks,
diagnostics without a position or on several lines) and writes the failing cases, with the
seed that reproduces each, to --report.
"""
from __future__ import annotations

import argparse
import collections
import json
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fuzz_project import KINDS, Outcome, run, write_case  # noqa: E402


class Hung(Exception):
    pass


def _alarm(signum, frame):
    raise Hung()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--start", type=int, default=0, help="first seed")
    ap.add_argument("--build-every", type=int, default=25)
    ap.add_argument("--case-seconds", type=int, default=180, help="a case running longer counts as hung")
    ap.add_argument("--report", default="fuzz-report.json")
    args = ap.parse_args()
    kinds = sorted(KINDS)
    codes = collections.Counter()
    failures, hung = [], []
    unpositioned = collections.Counter()
    multiline = collections.Counter()
    tracebacks = collections.Counter()
    runs = builds = 0
    started = time.monotonic()
    signal.signal(signal.SIGALRM, _alarm)
    with tempfile.TemporaryDirectory(prefix="pk-fuzz-") as tmp:
        root = Path(tmp) / "case"
        for i in range(args.start, args.start + args.cases):
            kind = kinds[i % len(kinds)]
            commands = ["check"] + (["build"] if args.build_every and i % args.build_every == 0 else [])
            for command in commands:
                write_case(root, kind, i)
                signal.alarm(args.case_seconds)
                try:
                    out = run(root, kind, i, command)
                except Hung:
                    out = Outcome(kind, i, command, None, traceback="hung")
                    hung.append((kind, i, command))
                finally:
                    signal.alarm(0)
                runs += 1
                builds += command == "build"
                codes[(command, out.exit_code)] += 1
                for d in out.unpositioned:
                    unpositioned[d["code"]] += 1
                for d in out.multiline:
                    multiline[d["code"]] += 1
                if out.traceback:
                    tracebacks[out.traceback.strip().splitlines()[-1][:160]] += 1
                if not out.ok:
                    failures.append({"kind": kind, "seed": i, "command": command, "exit": out.exit_code,
                                     "traceback": out.traceback, "unpositioned": out.unpositioned,
                                     "multiline": out.multiline})
            if (i - args.start + 1) % 500 == 0:
                print(f"{i - args.start + 1} cases, {len(failures)} failing, {time.monotonic() - started:.0f} s",
                      flush=True)
    figures = {
        "cases": args.cases, "runs": runs, "builds": builds, "seconds": round(time.monotonic() - started),
        "exit_codes": {f"{c} {e}": n for (c, e), n in sorted(codes.items(), key=str)},
        "tracebacks": sum(tracebacks.values()), "distinct_tracebacks": dict(tracebacks), "hung": hung,
        "diagnostics_without_position": dict(unpositioned), "multiline_diagnostics": dict(multiline),
        "failing_cases": len(failures),
    }
    print(json.dumps(figures, indent=2))
    Path(args.report).write_text(json.dumps({"figures": figures, "failures": failures[:500]}, indent=2,
                                            default=str), encoding="utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
