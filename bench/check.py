"""Cold `positionkit check` and `--help` on the example project: fresh processes, medians.

    python bench/check.py [--rounds 5] [--baseline-src OLD/src]

Every round runs each command once, in random order, in a fresh process, with the modules
byte-compiled as an installed package has them (PYTHONPYCACHEPREFIX in a temporary folder) and
the per-user disk cache warm (round 0 makes both and is not counted). --baseline-src runs another
positionkit source tree (e.g. `git archive` of main) in the same rounds, so "before" and "after"
share the machine's load. Never part of the test run. bench/cold.py has the same rows among
the build rows; this runs in seconds.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--baseline-src", type=Path)
    args = ap.parse_args()
    trees = {"positionkit": ROOT / "src"}
    if args.baseline_src:
        trees["baseline"] = args.baseline_src.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "POSITIONKIT_CACHE_DIR": f"{tmp}/user-cache", "PYTHONPYCACHEPREFIX": f"{tmp}/pyc"}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        cases = {f"{name} {what}": (src, cmd) for name, src in trees.items()
                 for what, cmd in (("check", ["check"]), ("--help", ["--help"]))}
        cases["python -c pass"] = (None, None)
        times: dict[str, list[float]] = {k: [] for k in cases}
        for r in range(args.rounds + 1):
            order = list(cases)
            random.shuffle(order)
            for name in order:
                src, cmd = cases[name]
                argv = [sys.executable, *(["-c", "pass"] if cmd is None else
                                          ["-m", "positionkit", "-C", str(ROOT), *cmd])]
                start = time.perf_counter()
                proc = subprocess.run(argv, env={**env, "PYTHONPATH": str(src)} if src else env,
                                      capture_output=True)
                elapsed = time.perf_counter() - start
                if proc.returncode != 0:
                    raise SystemExit(f"{name} failed:\n{proc.stderr.decode()[-2000:]}")
                if r:
                    times[name].append(elapsed)
    print(f"load average at the end: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"{args.rounds} rounds")
    for name, got in times.items():
        print(f"{name:24s} median {statistics.median(got):.3f} s  (min {min(got):.3f}, max {max(got):.3f})")


if __name__ == "__main__":
    main()
