"""Lanes of a run that touch different hosts, run side by side: the first in this thread
(Ctrl-C reaches it, and ansible-playbook's children get the signal from the terminal), the
others each in a thread of its own. Every lane ends before this returns, so nothing of the
run is still writing when it is recorded as ended."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor


def side_by_side(lanes: Sequence[Callable[[], None]]) -> None:
    """Run every lane; once all have ended, raise the failure of the first lane (in the order
    given) that failed. A lane's failure does not stop the others: each is a stage of its own
    hosts, and the rollback plan covers what they changed."""
    if not lanes:
        return
    first, others = lanes[0], lanes[1:]
    failures: list[BaseException | None] = []
    with ThreadPoolExecutor(max_workers=max(1, len(others))) as pool:
        started: list[Future[None]] = [pool.submit(lane) for lane in others]
        try:
            first()
            failures.append(None)
        except BaseException as exc:  # raised again below, after the others
            failures.append(exc)
        for future in started:
            failures.append(future.exception())
    for failure in failures:
        if failure is not None:
            raise failure
