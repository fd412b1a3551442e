"""SIGTERM with long-polls pending: they are answered, and the process exits 0 within 5 s."""

from __future__ import annotations

import signal
import threading
import time

import httpx

from tests.support import start_jobsim


def test_sigterm_answers_pending_long_polls_and_exits_quickly() -> None:
    process, base = start_jobsim("--scenario", "dqops/slow-job")
    answers: list[httpx.Response] = []

    def wait_for_checks() -> None:
        answers.append(
            httpx.post(
                f"{base}/api/jobs/runchecks",
                params={"wait": "true", "waitTimeout": 60},
                json={"check_search_filters": {"connection": "c"}},
                timeout=30,
            )
        )

    threads = [threading.Thread(target=wait_for_checks) for _ in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    assert not answers  # still waiting: the slow job runs until cancelled
    stopped_at = time.monotonic()
    process.send_signal(signal.SIGTERM)
    for thread in threads:
        thread.join(timeout=10)
    process.communicate(timeout=10)
    assert time.monotonic() - stopped_at < 5
    assert process.returncode == 0
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert all(a.json()["status"] in ("queued", "running") and "result" not in a.json() for a in answers)
