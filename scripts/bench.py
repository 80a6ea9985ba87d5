"""`make bench`: `cdk synth` wall time of this app next to a bare one-stack app, and of the tests.

Both apps are synthesized by the same pinned CDK CLI with the same Python, alternately,
``--runs`` times each; the medians and their ratio are printed. Then `pytest` runs once
(warm environment) and its wall time is printed.
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
from aws_cdk import App, Stack
from aws_cdk import aws_sns as sns

app = App()
stack = Stack(app, "Bare")
sns.Topic(stack, "Topic")
app.synth()
"""


def _timed(command: list[str], cwd: Path) -> float:
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="synths of each app (default 3)")
    parser.add_argument("--skip-tests", action="store_true", help="time the synths only")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp)
        (bare / "app.py").write_text(BARE_APP)
        synth = [str(CDK), "synth", "--quiet", "--app", f"{sys.executable} app.py"]
        app_times, bare_times = [], []
        for _ in range(args.runs):
            app_times.append(_timed([*synth[:-2], "-o", str(bare / "app.out")], ROOT))
            bare_times.append(_timed([*synth, "-o", str(bare / "bare.out")], bare))

    app_median, bare_median = statistics.median(app_times), statistics.median(bare_times)
    print(
        f"cdk synth, this app (every environment): median {app_median:.2f} s over {args.runs} runs"
    )
    print(
        f"cdk synth, bare one-stack app:           median {bare_median:.2f} s over {args.runs} runs"
    )
    print(f"ratio: {app_median / bare_median:.2f}x")
    if not args.skip_tests:
        tests = _timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], ROOT)
        print(f"pytest (warm environment): {tests:.1f} s")


if __name__ == "__main__":
    main()
