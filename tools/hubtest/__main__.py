"""`make test-hub` (`python -m tools.hubtest --learners N`): a class on the course's single-machine JupyterHub.

Starts the hub of `deploy/hub/` on 127.0.0.1 (see tools/hubtest/hub.py), adds N learners, and has every one, at
the same time and with their own API token, start a server, follow the class's nbgitpuller link (which pulls
the course from a file:// copy of this repository and opens lesson 00), run the lesson's cells and then a lab and
a check in their own kernel. Two of them then use local mode and must each land on a labkit server of their own.
It prints how long until every learner had the check's answer and what each learner's processes use, then
stops everything it started and fails if any process is left.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from labkit.course.classroom import class_link
from tools.hubtest import probes, procs
from tools.hubtest.hub import COURSE_BRANCH, ROOT, Hub, find_proxy
from tools.hubtest.learner import Learner, walk_through


def check_learner(learner: Learner, homes: Path) -> list[str]:
    """What is wrong with a learner's result (empty: all as expected)."""
    probe, home = learner.probe, homes / learner.name
    problems = []
    if probe.get("clusters") != [f"cluster-of-{learner.name}"]:
        problems.append(f"{learner.name} saw clusters {probe.get('clusters')}, expected only their own")
    if (probe.get("right"), probe.get("wrong")) != (True, False):
        problems.append(f"{learner.name}: the check said {probe.get('right')} to 512 and {probe.get('wrong')} to 0.5")
    if probe.get("home") != str(home) or not str(probe.get("cwd", "")).startswith(str(home) + "/"):
        problems.append(f"{learner.name} ran in {probe.get('cwd')} with HOME {probe.get('home')}, not in {home}")
    if not str(probe.get("labkit", "")).startswith(str(ROOT)):
        problems.append(f"{learner.name}'s kernel imported labkit from {probe.get('labkit')}, not this repository")
    return problems


def check_local_mode(first: Learner, second: Learner, ws_base: str, timeout: float) -> tuple[dict, list[str]]:
    """Two learners in local mode: the first runs `labkit server`, the second none; each sees only their lab."""
    own = first.run_probe(ws_base, probes.LOCAL_WITH_OWN_SERVER, timeout)
    try:
        other = second.run_probe(ws_base, probes.LOCAL_WITHOUT_SERVER, timeout)
    finally:
        first.run_probe(ws_base, probes.LOCAL_CLEANUP, timeout)
    second.run_probe(ws_base, probes.LOCAL_CLEANUP, timeout)
    problems = []
    if own.get("endpoint") != own.get("state") or not str(own.get("state_file")).startswith(own["home"] + "/"):
        problems.append(f"{first.name}'s connect('local') did not use their own labkit server: {own}")
    if other.get("state") is not None or other.get("endpoint") == own.get("endpoint"):
        problems.append(f"{second.name}'s connect('local') found {first.name}'s labkit server: {other}")
    for learner, seen in ((first, own), (second, other)):
        if seen.get("clusters") != [f"local-of-{learner.name}"]:
            problems.append(f"{learner.name} saw {seen.get('clusters')} in local mode, expected only their own")
    return {"first": own, "second": other}, problems


def run_class(hub: Hub, count: int, timeout: float) -> dict[str, Any]:
    """Everything between the hub's start and its stop; returns the report (its "problems" empty when all went
    as expected)."""
    names = [f"learner-{i + 1:02d}" for i in range(count)]
    tokens = hub.add_learners(names)
    link = class_link(hub.url, hub.repo, branch=COURSE_BRANCH)
    ws_base = hub.url.replace("http://", "ws://", 1)
    learners = [Learner(name, tokens[name]) for name in names]
    started = time.monotonic()
    pool = ThreadPoolExecutor(max_workers=count)
    futures = [pool.submit(walk_through, learner, hub.url, link, timeout) for learner in learners]
    done, pending = wait(futures, timeout=timeout)
    pool.shutdown(wait=False, cancel_futures=True)
    elapsed = time.monotonic() - started
    problems = [f"{len(pending)} learners did not finish within {timeout:.0f} s"] if pending else []
    for future in done:
        if future.exception() is not None:
            problems.append(f"{type(future.exception()).__name__}: {future.exception()}")
    usage = procs.usage_by_user(hub.run_id)
    report: dict[str, Any] = {"learners": count, "seconds": round(elapsed, 1), "link": link}
    report["usage"] = {name: vars(use) for name, use in sorted(usage.items())}
    report["timings"] = {learner.name: {k: round(v, 2) for k, v in learner.timings.items()} for learner in learners}
    if not problems:
        for learner in learners:
            problems += check_learner(learner, hub.folder / "home")
        if count >= 2:
            report["local_mode"], local_problems = check_local_mode(learners[0], learners[1], ws_base, timeout)
            problems += local_problems
    report["problems"] = problems
    return report


def summary(report: dict[str, Any]) -> str:
    """One line: how many learners, how long, and what a learner uses (the median over learners)."""
    usage = report.get("usage", {}).values()
    rss = procs.median(u["rss_mib"] for u in usage)
    pss = procs.median(u["pss_mib"] for u in usage)
    cpu = procs.median(u["cpu_s"] for u in usage)
    server = procs.median(u["server_mib"] for u in usage)
    kernels = procs.median(u["kernels_mib"] for u in usage)
    most = max((u["rss_mib"] for u in usage), default=0)
    if report["problems"]:
        return f"{report['learners']} learners: FAILED with {len(report['problems'])} problems (above)"
    text = f"{report['learners']} learners ready, lab and check run in {report['seconds']:.1f} s"
    if rss is not None:
        text += f"; {rss:.0f} MiB per learner (RSS, median: server {server:.0f} + kernel {kernels:.0f}; at most "
        text += f"{most:.0f} MiB" + (f"; PSS {pss:.0f} MiB)" if pss is not None else ")")
        text += f"; {cpu:.1f} s of CPU per learner"
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.hubtest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=8, help="how many learners (default 8)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed for the class (default 600)")
    parser.add_argument("--proxy", help="configurable-http-proxy to use (default: the one make test-hub installs)")
    parser.add_argument("--json", type=Path, help="also write the full report to this file")
    args = parser.parse_args(argv)
    if args.learners < 1:
        parser.error("--learners must be 1 or more")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a CI timeout stops us: still clean up (finally)
    proxy = find_proxy(args.proxy)
    with tempfile.TemporaryDirectory(prefix="labkit-hubtest-") as folder:
        hub = Hub(Path(folder), proxy)
        report: dict[str, Any] = {"learners": args.learners, "seconds": 0.0, "problems": []}
        try:
            hub.start()
            report = run_class(hub, args.learners, args.timeout)
        except Exception as err:  # any failure is the run's problem to report, after everything is stopped
            report["problems"].append(f"{type(err).__name__}: {err}")
        finally:
            left = hub.stop()
        report["left_running"] = left
        if left:
            report["problems"].append(f"{len(left)} processes still running after the hub stopped: {left}")
        if report["problems"]:
            print(hub.log_tail(), file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    for problem in report["problems"]:
        print(f"problem: {problem}", file=sys.stderr)
    print(summary(report) + ("; every process stopped" if not left else ""))
    return 1 if report["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
