"""The booking contract with the real clients: tests/node/*.test.mjs drive aws-amplify v6 and
@aws-sdk/client-cognito-identity-provider (from npm, `make test` runs `npm ci`) against the booking
site through real nginx. This module starts the stacks and runs them under `node --test`."""
import os
import re
import shutil
import subprocess
import time

import pytest

from booking_support import sign_up
from conftest import ROOT, Stack, unique

NODE_DIR = os.path.join(ROOT, "tests", "node")


def scenarios(script):
    """The test names of a Node file: each runs in a fresh process, as each flow would in a fresh
    page (Amplify keeps one-shot state, such as autoSignIn, per process)."""
    with open(os.path.join(NODE_DIR, script)) as f:
        return re.findall(r"^test\('([^']+)'", f.read(), re.M)


def run_node(script, stack, name=None, **env):
    if not os.path.isdir(os.path.join(NODE_DIR, "node_modules")):
        pytest.fail("tests/node/node_modules is missing: run `make test` (it runs npm ci)")
    node = shutil.which("node")
    assert node, "node is not installed (scripts/install-deps installs it)"
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    major, minor = (int(x) for x in version.lstrip("v").split(".")[:2])
    assert (major, minor) >= (20, 14), f"node {version}: the AWS SDK and --test-force-exit need 20.14 or newer"
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


@pytest.mark.parametrize("scenario", scenarios("booking.test.mjs"))
def test_amplify_and_the_sdk(stack, scenario):
    run_node("booking.test.mjs", stack, scenario)


def test_expired_codes_and_the_sending_limit():
    s = Stack({"otp_ttl": "2"}).start()
    try:
        c = s.client("booking")
        address = f"{unique('exp')}@example.com"
        sign_up(s, c, address)
        limited = f"{unique('limit')}@example.com"
        run_node("expired.test.mjs", s, LATCHKEY_CONFIRMED_EMAIL=address, LATCHKEY_LIMIT_EMAIL=limited)
        # Five codes went out and the refused sixth was never queued.
        assert len(s.wait_for_mail(limited, count=5)) == 5
        time.sleep(1)
        assert len([m for m in s.mails() if m["To"] == limited]) == 5
    finally:
        s.stop()
        s.cleanup()
