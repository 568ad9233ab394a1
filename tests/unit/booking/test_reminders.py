import asyncio

import pytest

from consult.booking import reminders


async def test_reminder_rounds_repeat_survive_failures_and_stop_with_the_app(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rounds: list[int] = []

    def send_now() -> int:
        rounds.append(1)
        if len(rounds) == 2:
            raise ConnectionError("mail server down")  # one bad round must not end reminders
        return 0

    monkeypatch.setattr(reminders, "send_now", send_now)
    async with reminders.reminders(interval=0.01):
        for _ in range(200):
            if len(rounds) >= 4:
                break
            await asyncio.sleep(0.01)
    assert len(rounds) >= 4
    stopped_at = len(rounds)
    await asyncio.sleep(0.05)
    assert len(rounds) == stopped_at
