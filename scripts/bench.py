"""`make bench`: `cdk synth` wall time of this app next to a bare one-stack app, and of the tests.

The apps are synthesized by the same pinned CDK CLI with the same Python, in turn, ``--runs``
times each; the medians (with the fastest and slowest run) and the ratio to the bare app are
printed. The second bare app turns CDK's Rego rules off as this app does (see
``stacks.build_app``), so the second ratio is this app's cost with that saving taken out.
Then `pytest` runs once (warm environment) and its wall time is printed.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CDK = ROOT / "node_modules" / ".bin" / "cdk"
BARE_APP = """
from aws_cdk import App, CloudFormationValidatePlugin, Stack, Validations
from aws_cdk import aws_sns as sns

app = App()
{checks}
stack = Stack(app, "Bare")
sns.Topic(stack, "Topic")
app.synth()
"""
THIS_APP = "this app (every environment)"
BARE_APPS = {
    "bare one-stack app": "",
    "bare app without CDK's Rego rules": (
        "Validations.of(app).add_plugins(CloudFormationValidatePlugin(include_default_rules=False))"
    ),
}
"""Label -> the line that sets up each bare app's checks."""


def _timed(command: list[str], cwd: Path) -> float:
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="synths of each app (default 7)")
    parser.add_argument("--skip-tests", action="store_true", help="time the synths only")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        commands = {THIS_APP: ([str(CDK), "synth", "--quiet", "-o", f"{tmp}/app.out"], ROOT)}
        for number, (label, checks) in enumerate(BARE_APPS.items()):
            folder = Path(tmp, f"bare{number}")
            folder.mkdir()
            (folder / "app.py").write_text(BARE_APP.format(checks=checks))
            app = ["--app", f"{sys.executable} app.py"]
            commands[label] = ([str(CDK), "synth", "--quiet", "-o", "out", *app], folder)
        times: dict[str, list[float]] = {label: [] for label in commands}
        for _ in range(args.runs):
            for label, (command, cwd) in commands.items():
                times[label].append(_timed(command, cwd))

    medians = {label: statistics.median(runs) for label, runs in times.items()}
    this_app = medians[THIS_APP]
    print(f"cdk synth, median of {args.runs} runs (fastest-slowest), and this app's time over it:")
    for label, runs in times.items():
        spread = f"({min(runs):.2f}-{max(runs):.2f} s)"
        print(f"  {label:35} {medians[label]:5.2f} s {spread:15} {this_app / medians[label]:.2f}x")
    if not args.skip_tests:
        tests = _timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], ROOT)
        print(f"pytest (warm environment): {tests:.1f} s")


if __name__ == "__main__":
    main()
