"""`cascade serve` says where to open it at once, even when its output is not a terminal.

`make run > log` block-buffers stdout; the "open this URL" line must still reach the log while
the server runs, not only when it exits.
"""

from __future__ import annotations

import time

import pytest

pytestmark = [pytest.mark.server]


def test_the_url_line_reaches_a_redirected_stdout_while_running(cascade_server):
    server = cascade_server
    deadline = time.monotonic() + 10
    expected = f"Cascade is running: open http://{server.host}:{server.http_port}/"
    while expected not in server.log_path.read_text(errors="replace"):
        assert time.monotonic() < deadline, f"no '{expected}' in the log of a running server:\n{server.log_tail()}"
        time.sleep(0.1)
    assert server.alive()
