"""The engine runs without the GIL, and Ctrl-C stops it cleanly."""

import signal
import subprocess
import sys
import textwrap
import threading
import time

import nqpsim


def test_other_python_threads_run_while_the_engine_runs():
    ticks = []
    done = threading.Event()

    def count():
        while not done.is_set():
            ticks.append(1)
            time.sleep(0.001)

    counter = threading.Thread(target=count)
    counter.start()
    start = len(ticks)
    nqpsim.run(steps=20, firms=20_000, replicates=2, threads=1)
    during = len(ticks) - start
    done.set()
    counter.join()
    assert during > 10, "the counting thread was starved: the run held the GIL"


def test_ctrl_c_raises_keyboard_interrupt_within_a_step():
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import sys, time, nqpsim
                print("started", flush=True)
                t = time.monotonic()
                try:
                    # about 10 s on one core here (2 x 10^6 firms; the baseline population
                    # shrinks with time): the signal lands inside the engine on any machine
                    nqpsim.run(steps=60, firms=2_000_000, replicates=1, threads=1)
                except KeyboardInterrupt:
                    print(f"interrupted after {time.monotonic() - t:.1f} s", flush=True)
                    nqpsim.run(steps=1, firms=10)  # the package still works afterwards
                    print("ok", flush=True)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout.readline().strip() == "started"
    time.sleep(1.5)
    child.send_signal(signal.SIGINT)
    try:
        out, _ = child.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        child.kill()
        raise AssertionError("the engine ignored Ctrl-C for a minute") from None
    assert child.returncode == 0, out
    assert "interrupted after" in out, "the run finished before Ctrl-C: give it more work"
    assert out.rstrip().endswith("ok"), out
