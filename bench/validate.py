"""Benchmark: how long `dunning validate` takes on a policy repository with many customer files.

    python bench/validate.py                    # 1,000 generated customer files (the target: < 1 s)
    python bench/validate.py --customers 5000 --repeat 5

Copies the shipped policy into a temporary repository, adds N generated customer files that use
the overrides a real repository uses (terms, credit limit and its review, tone, language, pause
with or without an end, skipped and delayed steps, fee exemption, owner), checks that `dunning
validate` passes on it, and times the real command (a fresh process each run, as CI and
pre-commit run it). The last line is `validate: S s for N files` (the median).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DUNNING = Path(sys.executable).with_name("dunning")

TEMPLATE = """\
# yaml-language-server: $schema=../schemas/customer.schema.json
apiVersion: dunning/v1
kind: Customer
id: {id}
name: {name}
country: {country}
{extra}contacts:
  - {{name: Accounts Payable, email: ap@{slug}.example, role: accounts_payable}}
"""

EXTRAS = [
    "terms: net60\ncredit_limit: {{amount: \"{limit}.00\", currency: GBP}}\n",
    "tone: sympathetic\nowner: sales-priya\n",
    "tone: firm\nsteps:\n  skip: [courtesy]\n",
    "steps:\n  delay: {{final-notice: 7d}}\nexempt: [fees]\n",
    "pause: {{until: 2027-03-31, reason: \"Administration; agreed with the administrator\"}}\n",
    "pause: {{until: further_notice, reason: \"In administration\"}}\n",
    "credit_limit: {{amount: \"{limit}.00\", currency: GBP}}\n"
    "credit_review: {{every: 12m, last: 2026-03-31}}\nowner: sales-tom\n",
    "",
]


def build(repo: Path, count: int, seed: int) -> None:
    """Write a policy repository with ``count`` generated customer files into ``repo``."""
    rng = random.Random(seed)
    shutil.copytree(ROOT / "policies", repo / "policies")
    shutil.copytree(ROOT / "customers", repo / "customers")
    shutil.copytree(ROOT / "schemas", repo / "schemas")
    for n in range(count):
        customer_id = f"GEN-{n:05d}"
        extra = rng.choice(EXTRAS).format(limit=rng.randrange(1, 500) * 1000)
        text = TEMPLATE.format(id=customer_id, name=f"Generated Customer {n} Ltd", country="GB",
                               extra=extra, slug=f"gen{n}")
        (repo / "customers" / f"{customer_id}.yaml").write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        build(repo, args.customers, args.seed)
        files = sum(1 for _ in repo.rglob("*.yaml"))
        check = subprocess.run([str(DUNNING), "validate", str(repo)], capture_output=True,
                               text=True, check=False)
        if check.returncode != 0:
            print(check.stdout, check.stderr)
            print("the generated repository does not validate: fix the generator")
            return 1
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            subprocess.run([str(DUNNING), "validate", str(repo)], capture_output=True, check=True)
            times.append(time.perf_counter() - start)
        print(f"runs: {', '.join(f'{t:.2f} s' for t in times)}")
        print(f"validate: {statistics.median(times):.2f} s for {files} files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
