"""Runs tests/node/*.test.mjs (independent clients from npm: aws-amplify, the Cognito SDK, jose,
Redocly, Hey API) under `node --test` against a running stack. `make test` runs `npm ci` first."""
import os
import re
import shutil
import subprocess

import pytest

from conftest import ROOT

NODE_DIR = os.path.join(ROOT, "tests", "node")


def scenarios(script):
    """The test names of a Node file: each runs in a fresh process, as each flow would in a fresh
    page (Amplify keeps one-shot state, such as autoSignIn, per process)."""
    with open(os.path.join(NODE_DIR, script)) as f:
        return re.findall(r"^test\('([^']+)'", f.read(), re.M)


def node_binary():
    if not os.path.isdir(os.path.join(NODE_DIR, "node_modules")):
        pytest.fail("tests/node/node_modules is missing: run `make test` (it runs npm ci)")
    node = shutil.which("node")
    assert node, "node is not installed (scripts/install-deps installs it)"
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    major, minor = (int(x) for x in version.lstrip("v").split(".")[:2])
    assert (major, minor) >= (20, 19), f"node {version}: the npm clients need 20.19 or newer"
    return node


def run_node(script, stack, name=None, **env):
    node = node_binary()
    full_env = dict(os.environ, LATCHKEY_BOOKING_URL=f"http://127.0.0.1:{stack.ports['booking']}",
                    LATCHKEY_MAIL_DIR=os.path.join(stack.data, "mail"), **env)
    for k in [k for k in full_env if k.startswith("AWS_")]:
        del full_env[k]  # the clients need no credentials or region from the environment
    # Amplify leaves timers (token refresh, Hub) that keep the loop alive for minutes after the
    # last test: end the process once the tests are done.
    args = [node, "--test", "--test-concurrency=1", "--test-force-exit"]
    if name:
        args += ["--test-name-pattern", "^" + re.escape(name) + "$"]
    r = subprocess.run(args + [os.path.join(NODE_DIR, script)],
                       cwd=NODE_DIR, env=full_env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"{script} failed:\n{r.stdout[-8000:]}\n{r.stderr[-4000:]}"
    assert re.search(r"^# fail 0$", r.stdout, re.M) and not re.search(r"^# pass 0$", r.stdout, re.M), r.stdout
    if name:
        assert re.search(r"^# pass 1$", r.stdout, re.M), r.stdout
