"""The policy scan: checkov on the synthesized JSON of every workspace of every environment.

    ./dailydesk policy-scan [--outdir cdktf.out] [--json FILE]   # make policy-scan

Every finding is either fixed in the infrastructure or accepted in `policy/checkov-skips.yaml`
with a reason, one entry per check ID naming each resource it covers. Checkov's own skip
options are not used (they are blanket: per check, for every resource); the accepted
exceptions are applied here, so a finding on a resource the file does not name fails the
scan, and an entry that no longer matches a finding is reported as stale.

Checkov 3.3.30 cannot parse two things of Terraform JSON: `terraform.required_version`
(checkov issue 7454) and top-level `moved` blocks (a parsing error that scans nothing). So
each stack is scanned from a copy without those two keys; neither configures a resource,
and nothing else is changed.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tools.deploy import exit_codes
from tools.paths import DEFAULT_OUTDIR, REPO_ROOT, VENV_BIN

CHECKOV = VENV_BIN / "checkov"
SKIPS_FILE = REPO_ROOT / "policy" / "checkov-skips.yaml"
FRAMEWORK = "terraform_json"
CHECK_ID = re.compile(r"CKV2?_AWS_\d+")
RESOURCE = re.compile(r"(data\.)?[a-z0-9_]+\.[A-Za-z0-9_-]+")
MIN_REASON_LENGTH = 40
DEFAULT_TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class Finding:
    check: str
    name: str
    stack: str
    resource: str


@dataclass(frozen=True)
class Skip:
    check: str
    reason: str
    resources: tuple[str, ...]
    stacks: tuple[str, ...] = ()  # empty: every stack that has the resource

    def covers(self, finding: Finding) -> bool:
        return (
            finding.check == self.check
            and finding.resource in self.resources
            and (not self.stacks or finding.stack in self.stacks)
        )


@dataclass
class Result:
    passed: int
    findings: list[Finding]
    accepted: list[tuple[Finding, Skip]] = field(default_factory=list)
    unexplained: list[Finding] = field(default_factory=list)
    stale: list[tuple[Skip, str]] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)  # stack -> checks run on it (passed or failed)

    @property
    def clean(self) -> bool:
        return not self.unexplained and not self.stale


class SkipFileError(ValueError):
    """The skip file breaks a rule: no blanket skips, a reason for each, real check IDs."""


def load_skips(path: Path = SKIPS_FILE) -> list[Skip]:
    document = yaml.safe_load(path.read_text()) or {}
    problems, skips = [], []
    for index, entry in enumerate(document.get("skips", [])):
        where = f"{path.name}: skips[{index}]"
        if not isinstance(entry, dict) or set(entry) - {"check", "reason", "resources", "stacks"}:
            problems.append(f"{where}: only check, reason, resources, stacks are allowed")
            continue
        check, reason = str(entry.get("check", "")), " ".join(str(entry.get("reason", "")).split())
        resources = entry.get("resources") or []
        if not CHECK_ID.fullmatch(check):
            problems.append(f"{where}: check {check!r} is not a checkov AWS check ID")
        if len(reason) < MIN_REASON_LENGTH:
            problems.append(f"{where}: {check}: the reason must say why (at least {MIN_REASON_LENGTH} characters)")
        if not resources:
            problems.append(f"{where}: {check}: name the resources (no blanket skips)")
        for resource in resources:
            if not RESOURCE.fullmatch(str(resource)):
                problems.append(f"{where}: {check}: {resource!r} is not one resource address (no wildcards)")
        skips.append(Skip(check, reason, tuple(map(str, resources)), tuple(map(str, entry.get("stacks") or ()))))
    if problems:
        raise SkipFileError("\n".join(problems))
    return skips


def scan_copy(stack_dirs: Iterable[Path], target: Path) -> list[str]:
    """Copy each stack's cdk.tf.json to target/<stack>/, without `terraform.required_version`
    and `moved` (see the module docstring)."""
    names = []
    for stack_dir in stack_dirs:
        document = json.loads((stack_dir / "cdk.tf.json").read_text())
        document.get("terraform", {}).pop("required_version", None)
        document.pop("moved", None)
        (target / stack_dir.name).mkdir(parents=True)
        (target / stack_dir.name / "cdk.tf.json").write_text(json.dumps(document))
        names.append(stack_dir.name)
    return names


def addresses(document: dict[str, Any]) -> dict[str, str]:
    """Checkov's names for the blocks of a stack -> Terraform addresses.

    For Terraform JSON checkov names some blocks `<type>.<name>` and others
    `resource.<name>` / `data.<name>`; findings are reported by Terraform address.
    """
    found = {}
    for rtype, items in document.get("resource", {}).items():
        for name in items:
            found[f"{rtype}.{name}"] = found[f"resource.{name}"] = f"{rtype}.{name}"
    for dtype, items in document.get("data", {}).items():
        for name in items:
            found[f"data.{dtype}.{name}"] = found[f"data.{name}"] = found[f"{dtype}.{name}"] = f"data.{dtype}.{name}"
    return found


def run_checkov(directory: Path, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> tuple[int, list[Finding], dict[str, int]]:
    """(passed count, failed findings, checks run per stack) of checkov on every stack under
    `directory`: a stack checkov did not read has no entry."""
    completed = subprocess.run(
        [
            str(CHECKOV),
            "--directory",
            str(directory),
            "--framework",
            FRAMEWORK,
            "--output",
            "json",
            "--compact",
            "--skip-download",  # no --quiet: it drops the passed checks, which name the stacks read
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if completed.returncode not in (0, 1) or not completed.stdout.strip().startswith(("{", "[")):
        raise RuntimeError(f"checkov failed ({completed.returncode}):\n{completed.stderr[-3000:]}")
    reports = json.loads(completed.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    passed, findings, checked = 0, [], Counter[str]()
    names = {p.name: addresses(json.loads((p / "cdk.tf.json").read_text())) for p in directory.iterdir()}
    for report in reports:
        if report.get("summary", {}).get("parsing_errors"):
            raise RuntimeError(f"checkov could not parse: {report['results'].get('parsing_errors')}")
        passed += report.get("summary", {}).get("passed", 0)
        checked.update(Path(c["file_path"]).parent.name for c in report.get("results", {}).get("passed_checks", []))
        for failed in report.get("results", {}).get("failed_checks", []):
            stack = Path(failed["file_path"]).parent.name
            address = names.get(stack, {}).get(failed["resource"], failed["resource"])
            findings.append(Finding(failed["check_id"], failed.get("check_name", ""), stack, address))
            checked[stack] += 1
    return passed, sorted(findings, key=lambda f: (f.check, f.resource, f.stack)), dict(checked)


def stack_resources(stack_dirs: Iterable[Path]) -> dict[str, set[str]]:
    """Every resource address (`type.name`) of every stack."""
    found = {}
    for stack_dir in stack_dirs:
        document = json.loads((stack_dir / "cdk.tf.json").read_text())
        found[stack_dir.name] = {f"{t}.{n}" for t, items in document.get("resource", {}).items() for n in items}
    return found


def scan(outdir: Path = DEFAULT_OUTDIR, skips: list[Skip] | None = None) -> Result:
    stack_dirs = sorted(p for p in (outdir / "stacks").iterdir() if (p / "cdk.tf.json").exists())
    if not stack_dirs:
        raise RuntimeError(f"no synthesized stacks under {outdir / 'stacks'}: run `make synth` first")
    skips = load_skips() if skips is None else skips
    with tempfile.TemporaryDirectory(prefix="policy-scan-") as temporary:
        scan_copy(stack_dirs, Path(temporary))
        passed, findings, checked = run_checkov(Path(temporary))
    result = judge(passed, findings, skips)
    result.checked = checked
    return result


def judge(passed: int, findings: list[Finding], skips: list[Skip]) -> Result:
    """Each finding accepted by the skip that covers it, or unexplained; skip entries that
    cover no finding are stale."""
    result = Result(passed, findings)
    used: set[tuple[int, str]] = set()
    for finding in findings:
        match = next((s for s in skips if s.covers(finding)), None)
        if match is None:
            result.unexplained.append(finding)
        else:
            result.accepted.append((finding, match))
            used.add((id(match), finding.resource))
    for skip in skips:
        result.stale.extend((skip, r) for r in skip.resources if (id(skip), r) not in used)
    return result


def render(result: Result) -> str:
    lines = []
    for finding in result.unexplained:
        lines.append(f"FAILED    {finding.check:12} {finding.stack:18} {finding.resource}  ({finding.name})")
    for skip, resource in result.stale:
        lines.append(f"STALE     {skip.check:12} {'':18} {resource}  (skip entry matches no finding: remove it)")
    by_check: dict[str, int] = {}
    for finding, _ in result.accepted:
        by_check[finding.check] = by_check.get(finding.check, 0) + 1
    for check, count in sorted(by_check.items()):
        lines.append(f"accepted  {check:12} {count} findings (reasons in policy/checkov-skips.yaml)")
    lines.append(
        f"checkov: {result.passed} passed, {len(result.findings)} failed, of which {len(result.accepted)} "
        f"accepted with a reason and {len(result.unexplained)} unexplained; {len(result.stale)} stale skips"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dailydesk policy-scan", description=__doc__.splitlines()[0])
    parser.add_argument("--outdir", type=Path, default=DEFAULT_OUTDIR, help="the synthesized app (cdktf.out)")
    parser.add_argument("--json", metavar="FILE", help="also write the findings as JSON")
    args = parser.parse_args(argv)
    if shutil.which(str(CHECKOV)) is None:
        print("error: checkov is missing from .venv: run `make setup`", file=sys.stderr)
        return exit_codes.ERROR
    try:
        result = scan(args.outdir)
    except (RuntimeError, SkipFileError) as error:
        print(f"error: {error}", file=sys.stderr)
        return exit_codes.ERROR
    print(render(result))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "passed": result.passed,
                    "failed": len(result.findings),
                    "accepted": len(result.accepted),
                    "unexplained": [vars(f) for f in result.unexplained],
                    "stale": [{"check": s.check, "resource": r} for s, r in result.stale],
                },
                indent=2,
            )
            + "\n"
        )
    return exit_codes.OK if result.clean else exit_codes.FOUND


if __name__ == "__main__":
    sys.exit(main())
