"""Serve the app as `reflex run --env prod --single-port` does, with one difference: a backend
worker that dies (a crash, the OOM killer, `kill -9`) is started again at once by Granian,
instead of taking the whole app down with it.

    python -m showroom.serve --backend-port 3000 [--loglevel warning]

Reflex builds its Granian server with `respawn_failed_workers` off and no way to turn it on,
so this launcher turns it on in Granian's server class before handing over to Reflex's own
`run` command (in this process: the setting reaches the server Reflex makes). Granian gives
up when a worker dies twice within 5.5 s (a crash loop); `scripts/run.sh` then starts this
launcher again. Production runs it under systemd or supervisor instead (see deploy/).
"""

from __future__ import annotations

import sys
from typing import Any


def respawn_failed_workers() -> None:
    from granian.server import Server

    make = Server.__init__

    def respawning(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs["respawn_failed_workers"] = True
        kwargs.setdefault("respawn_interval", 0.5)
        make(self, *args, **kwargs)

    Server.__init__ = respawning  # type: ignore[method-assign]


def main(argv: list[str]) -> None:
    respawn_failed_workers()
    from reflex.reflex import cli

    cli(["run", "--env", "prod", "--single-port", *argv], prog_name="reflex")


if __name__ == "__main__":
    main(sys.argv[1:])
