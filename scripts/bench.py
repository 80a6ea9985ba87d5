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
if {without_rego_rules}:
    Validations.of(app).add_plugins(CloudFormationValidatePlugin(include_default_rules=False))
stack = Stack(app, "Bare")
sns.Topic(stack, "Topic")
app.synth()
"""
APPS = {
    "this app (every environment)": None,
    "bare one-stack app": False,
    "bare app without CDK's Rego rules": True,
}
"""Label -> ``None`` for this app, else whether the bare app leaves CDK's Rego rules out."""


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

    times: dict[str, list[float]] = {label: [] for label in APPS}
    with tempfile.TemporaryDirectory() as tmp:
        commands: dict[str, tuple[list[str], Path]] = {}
        for number, (label, without_rego_rules) in enumerate(APPS.items()):
            out = ["synth", "--quiet", "-o", f"{tmp}/out{number}"]
            if without_rego_rules is None:
                commands[label] = ([str(CDK), *out], ROOT)
            else:
                folder = Path(tmp, f"bare{number}")
                folder.mkdir()
                app = BARE_APP.format(without_rego_rules=without_rego_rules)
                (folder / "app.py").write_text(app)
                commands[label] = ([str(CDK), *out, "--app", f"{sys.executable} app.py"], folder)
        for _ in range(args.runs):
            for label, (command, cwd) in commands.items():
                times[label].append(_timed(command, cwd))

    medians = {label: statistics.median(runs) for label, runs in times.items()}
    this_app = medians[next(iter(APPS))]
    print(f"cdk synth, median of {args.runs} runs (fastest-slowest), and this app's time over it:")
    for label, runs in times.items():
        spread = f"({min(runs):.2f}-{max(runs):.2f} s)"
        print(f"  {label:35} {medians[label]:5.2f} s {spread:15} {this_app / medians[label]:.2f}x")
    if not args.skip_tests:
        tests = _timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], ROOT)
        print(f"pytest (warm environment): {tests:.1f} s")


if __name__ == "__main__":
    main()
