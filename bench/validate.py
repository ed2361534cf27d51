"""Benchmark: how long `dunning validate` takes on a policy repository with many customer files.

    python bench/validate.py                    # 1,000 generated customer files (the target: < 1 s)
    python bench/validate.py --customers 5000 --repeat 5

Copies the shipped policy into a temporary repository, adds N generated customer files that use
the overrides a real repository uses (terms, credit limit and its review, tone, language, pause
with or without an end, skipped and delayed steps, fee exemption, owner), checks that `dunning
validate` passes on it, and times the real command (a fresh process each run, as CI and
pre-commit run it), interleaved round by round with the floor: a fresh Python that imports
PyYAML, reads every file and runs libyaml's parser over it (the least any validator of these files
must do). Each measurement gives wall time and the CPU time of the child process (user + system,
from ``os.wait4``): on a shared, loaded machine the CPU time is the honest figure of the work.
The last line is `validate: S s for N files` (the median wall time).
"""

from __future__ import annotations

import argparse
import os
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
    'terms: net60\ncredit_limit: {{amount: "{limit}.00", currency: GBP}}\n',
    "tone: sympathetic\nowner: sales-priya\n",
    "tone: firm\nsteps:\n  skip: [courtesy]\n",
    "steps:\n  delay: {{final-notice: 7d}}\nexempt: [fees]\n",
    'pause: {{until: 2027-03-31, reason: "Administration; agreed with the administrator"}}\n',
    'pause: {{until: further_notice, reason: "In administration"}}\n',
    'credit_limit: {{amount: "{limit}.00", currency: GBP}}\n'
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
        text = TEMPLATE.format(
            id=customer_id,
            name=f"Generated Customer {n} Ltd",
            country="GB",
            extra=extra,
            slug=f"gen{n}",
        )
        (repo / "customers" / f"{customer_id}.yaml").write_text(text, encoding="utf-8")


# The floor: start Python, import PyYAML, read each policy file and parse it with libyaml.
FLOOR = """
import sys
from pathlib import Path
import yaml
root = Path(sys.argv[1])
for folder in ("policies", "customers"):
    for path in sorted((root / folder).rglob("*.yaml")):
        for _ in yaml.parse(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader):
            pass
"""


def timed(command: list[str]) -> tuple[float, float]:
    """Run ``command`` in a fresh process; return its wall time and CPU time (user + system)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    # Reaped by wait4 (for its resource usage): tell the Popen object, so it does not wait again.
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.stderr is not None
    error = process.stderr.read().decode()
    process.stderr.close()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {error}")
    return wall, usage.ru_utime + usage.ru_stime


def _figures(name: str, values: list[float]) -> str:
    return f"{name} min {min(values):.3f} s, median {statistics.median(values):.3f} s"


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
        check = subprocess.run(
            [str(DUNNING), "validate", str(repo)], capture_output=True, text=True, check=False
        )
        if check.returncode != 0:
            print(check.stdout, check.stderr)
            print("the generated repository does not validate: fix the generator")
            return 1
        print(f"load average at the start: {os.getloadavg()[0]:.1f}")
        floor_wall: list[float] = []
        floor_cpu: list[float] = []
        walls: list[float] = []
        cpus: list[float] = []
        for round_ in range(1, args.repeat + 1):
            wall, cpu = timed([sys.executable, "-c", FLOOR, str(repo)])
            floor_wall.append(wall)
            floor_cpu.append(cpu)
            wall, cpu = timed([str(DUNNING), "validate", str(repo)])
            walls.append(wall)
            cpus.append(cpu)
            print(
                f"round {round_}: floor {floor_wall[-1]:.3f} s wall / {floor_cpu[-1]:.3f} s CPU;"
                f" validate {wall:.3f} s wall / {cpu:.3f} s CPU;"
                f" CPU ratio {cpu / floor_cpu[-1]:.2f}"
            )
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")
        ratios = [cpu / floor for cpu, floor in zip(cpus, floor_cpu, strict=True)]
        print(_figures("floor wall", floor_wall) + "; " + _figures("CPU", floor_cpu))
        print(_figures("validate wall", walls) + "; " + _figures("CPU", cpus))
        print(
            f"validate/floor CPU ratio: min {min(ratios):.2f}, median "
            f"{statistics.median(ratios):.2f}"
        )
        print(
            f"validate: {statistics.median(walls):.2f} s for {files} files "
            f"(CPU {statistics.median(cpus):.2f} s)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
