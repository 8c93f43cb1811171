"""The audit's kernel manager (routekit.audit.local_kernel_manager) on a real ipykernel: a kernel being shut down is
not interrupted (jupyter_client sends SIGINT before every shutdown, and under load ipykernel printed
'KeyboardInterrupt caught in kernel' on the user's stderr); an interrupt outside shutdown still reaches it; the
kernel's own stderr goes to its log, not the user's terminal."""
from __future__ import annotations

import asyncio

from routekit.audit import local_kernel_manager

CELL = "import time\nfor _ in range(30):\n    time.sleep(0.1)\n'done'"   # 3 s, interruptible between sleeps


async def _run_cell(code: str, *, log=None, interrupt: bool = False, shutting_down: bool = False) -> tuple[str, str]:
    """Start a kernel as the audit starts it (stderr into ``log`` when given), run ``code`` and, with ``interrupt``,
    interrupt it half a second in (as shutdown does, or as a cell timeout does). Returns the transport and how the
    cell ended: 'ok' or the exception's name."""
    km = local_kernel_manager(log)(kernel_name="python3")
    await km.start_kernel()
    client = km.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        msg_id = client.execute(code)
        if interrupt:
            await asyncio.sleep(0.5)
            km.shutting_down = shutting_down
            await km._async_interrupt_kernel()   # what jupyter_client's shutdown_kernel calls first
            km.shutting_down = False
        while True:
            reply = await client.get_shell_msg(timeout=30)
            if reply["parent_header"].get("msg_id") == msg_id:
                content = reply["content"]
                return km.transport, "ok" if content["status"] == "ok" else content.get("ename", content["status"])
    finally:
        client.stop_channels()
        await km.shutdown_kernel(now=True)


def test_a_kernel_being_shut_down_is_not_interrupted():
    assert asyncio.run(_run_cell(CELL, interrupt=True, shutting_down=True))[1] == "ok"


def test_an_interrupt_outside_shutdown_still_reaches_the_kernel():
    assert asyncio.run(_run_cell(CELL, interrupt=True, shutting_down=False))[1] == "KeyboardInterrupt"


def test_the_kernels_own_stderr_goes_to_its_log_not_the_users_terminal(tmp_path, capfd):
    """ipykernel logs races of its threads with the closing sockets on the kernel process's stderr while it shuts
    down under load ('ZMQError: Socket operation on non-socket' in dispatch_control, 1 audit in a full test run): the
    audit sends that stderr to a log, which it keeps only when the kernel fails. Written at the descriptor, as a crash
    or a C library would; over Unix sockets, so ipykernel has no TCP warning to give."""
    log = tmp_path / "kernel.log"
    transport, status = asyncio.run(_run_cell("import os\nos.write(2, b'kernel noise\\n')", log=log))
    assert status == "ok" and transport == "ipc"
    text = log.read_text()
    assert "kernel noise" in text and "without encryption" not in text
    assert "kernel noise" not in capfd.readouterr().err
