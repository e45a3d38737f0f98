"""Child processes that stop when the process that started them dies.

`kiosk demo` starts central-dev, the sync daemon and the app as children and stops them
when it is told to (docs/cli.md). Killed with SIGKILL it cannot, so each child asks the
Linux kernel for a SIGTERM when its parent dies (``PR_SET_PDEATHSIG``, prctl(2)).

The parent marks a child with :func:`child_env`; the child asks at the start of
``kiosk`` (:func:`follow_parent_from_env`, called by kiosk/cli/main.py) rather than in a
``preexec_fn``, which the subprocess documentation calls unsafe in a process with
threads (the demo has one copying a child's output). Asking late leaves a window in which
the parent may already have died; the child then notices that its parent id is no longer
the one it was given and stops at once. prctl(2) also says the signal comes when the
*thread* that forked the child ends: the demo starts its children from its main thread.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

#: Set by the parent to its own pid; read (and removed) by the child.
ENV_VAR = "KIOSK_STOP_WITH_PARENT"
#: <linux/prctl.h>
PR_SET_PDEATHSIG = 1


def child_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a child that must stop when this process dies."""
    return {**(os.environ if env is None else env), ENV_VAR: str(os.getpid())}


def follow_parent_from_env() -> bool:
    """In a child started with :func:`child_env`: get SIGTERM when the parent dies, and
    send it to ourselves now when the parent has died already. Returns whether the
    kernel accepted the request (False elsewhere than Linux, or when not asked).

    The variable is removed, so grandchildren are not tied to a parent they never had."""
    raw = os.environ.pop(ENV_VAR, None)
    if raw is None or not raw.isdigit() or not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) != 0:
        print(f"kiosk: cannot ask to stop with the parent process: {os.strerror(ctypes.get_errno())}",
              file=sys.stderr)
        return False
    if os.getppid() != int(raw):
        os.kill(os.getpid(), signal.SIGTERM)
    return True
