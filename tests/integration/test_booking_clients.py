"""The booking contract with the real clients: tests/node/*.test.mjs drive aws-amplify v6 and
@aws-sdk/client-cognito-identity-provider (from npm, `make test` runs `npm ci`) against the booking
site through real nginx. This module starts the stacks and runs them under `node --test`."""
import time

import pytest

from booking_support import sign_up
from conftest import Stack, unique
from node_support import run_node, scenarios


@pytest.mark.parametrize("scenario", scenarios("booking.test.mjs"))
def test_amplify_and_the_sdk(stack, scenario):
    run_node("booking.test.mjs", stack, scenario)


# Long enough for a sign-up's code to be mailed and confirmed on a busy machine, short enough to
# wait out in the test.
CODE_TTL = 8


def test_expired_codes_and_the_sending_limit():
    s = Stack({"otp_ttl": str(CODE_TTL)}).start()
    try:
        c = s.client("booking")
        address = f"{unique('exp')}@example.com"
        sign_up(s, c, address)
        limited = f"{unique('limit')}@example.com"
        run_node("expired.test.mjs", s, LATCHKEY_CONFIRMED_EMAIL=address, LATCHKEY_LIMIT_EMAIL=limited,
                 LATCHKEY_CODE_TTL=str(CODE_TTL))
        # Five codes went out and the refused sixth was never queued.
        assert len(s.wait_for_mail(limited, count=5)) == 5
        time.sleep(1)
        assert len([m for m in s.mails() if m["To"] == limited]) == 5
    finally:
        s.stop()
        s.cleanup()
