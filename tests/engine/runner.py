"""`./dailydesk deploy|apply|rollback parent-local …` on a fixture repository, as its own
process, for the tests that send it real signals or break its stdout:

    python -m tests.engine.runner <fixture>/repo/cdktf.out deploy [--timeout 60s] [--rollback false]

It is the engine's own command line (`tools.deploy.engine.main`: its signal handling, its
progress on stdout, its exit code), with the three steps that need the real world replaced:
the credentials check, the preflight (the emulator's world) and the synth (the fixture's
cdk.tf.json is already written).
"""

from __future__ import annotations

import sys

from tools.deploy import engine


def main(argv: list[str]) -> int:
    outdir, command, *rest = argv
    engine.missing_credentials = lambda config: []
    engine.quiet_preflight = lambda config, progress: True
    engine._synthesize = lambda config, outdir, progress: None
    return engine.main([command, "parent-local", f"--outdir={outdir}", *rest])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
