"""Terraform's plugin cache is not safe for two inits at once: every init of the project
holds one lock per cache (tools.terraform.plugin_cache_lock), across threads and processes."""

from __future__ import annotations

import fcntl
import subprocess
import threading
import time

from tools.terraform import cli as terraform


def held_by_someone(cache) -> bool:
    with (cache / ".init.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def test_a_second_init_waits_for_the_first(tmp_path, monkeypatch):
    monkeypatch.setenv("TF_PLUGIN_CACHE_DIR", str(tmp_path))
    order = []

    def first():
        with terraform.plugin_cache_lock():
            order.append("first in")
            time.sleep(0.5)
            order.append("first out")

    thread = threading.Thread(target=first)
    thread.start()
    while not order:
        time.sleep(0.01)
    with terraform.plugin_cache_lock():
        order.append("second in")
    thread.join()
    assert order == ["first in", "first out", "second in"]


def test_init_runs_under_the_lock_and_other_commands_do_not(tmp_path, monkeypatch):
    monkeypatch.setenv("TF_PLUGIN_CACHE_DIR", str(tmp_path))
    seen = {}

    def fake_run(command, **kwargs):
        seen[command[2]] = held_by_someone(tmp_path)
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(terraform.subprocess, "run", fake_run)
    terraform.run(tmp_path, "init", "-input=false")
    terraform.run(tmp_path, "plan")
    assert seen == {"init": True, "plan": False}
