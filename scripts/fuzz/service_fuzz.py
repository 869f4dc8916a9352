#!/usr/bin/env python3
"""Bounded fuzzing of the service under test: starts the built `app` on a free loopback port and, for
`--seconds` in all (default 60), attacks it from five threads at once:

- malformed HTTP on fresh connections: bad request lines, bad headers, bad chunked bodies, unknown transfer
  codings, huge headers, oversized bodies (some half-closed), random bytes, bad JSON to the API and the
  admin API; no answer may be a 5xx;
- slow (slowloris) and idle connections: each must be closed by the server within the header or idle timeout;
- stacked faults through the admin API, up to the caps (409 past them, naming the setting), exercised on
  their own paths (/faulted/...), then cleared, over and over;
- normal traffic (GET /, notes, /livez), which must keep succeeding throughout.

At the end, with every fault cleared, the service must still be live and answer normally, its resident
memory must be back near where it started, its thread count back to normal, every connection closed, every
log line JSON, and no answer counted as a 500. Exits 1 with a message per failure; the app is killed
whatever happens. Standard library only. Build first (`swift build --product app`), then:

    scripts/fuzz/service_fuzz.py [--app .build/debug/app] [--seconds 60] [--seed N]
"""
import argparse
import http.client
import json
import os
import random
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

TOKEN = "fuzz-token-0123456789"
HEADER_TIMEOUT_S = 2
IDLE_TIMEOUT_S = 4
# Caps kept small, so that stacking reaches them within seconds and stays light on a CI machine.
CAPS = {"APP_MAX_FAULTS": 30, "APP_MAX_LEAK_MB": 192, "APP_MAX_BURN_THREADS": 2}
# How late past its timeout the server may close a connection on a busy 2-core machine.
CLOSE_MARGIN_S = 3
MEMORY_TOLERANCE_BYTES = 40 << 20
THREAD_TOLERANCE = 2
SETTLE_S = 12


class Run:
    """What every thread reports: failures, and counts for the summary."""

    def __init__(self, deadline: float):
        self.deadline = deadline
        self.lock = threading.Lock()
        self.failures: dict[str, int] = {}  # each message once, in the order first seen, with how often
        self.counts: dict[str, int] = {}

    def fail(self, message: str) -> None:
        with self.lock:
            self.failures[message] = self.failures.get(message, 0) + 1

    def count(self, name: str, amount: int = 1) -> None:
        with self.lock:
            self.counts[name] = self.counts.get(name, 0) + amount

    def running(self) -> bool:
        return time.monotonic() < self.deadline


class App:
    """The app as a child process on a free loopback port, its log in a file."""

    def __init__(self, binary: str, directory: str):
        self.log_path = os.path.join(directory, "app.log")
        environment = dict(os.environ, APP_HOST="127.0.0.1", APP_PORT="0", APP_DATA=os.path.join(directory, "app.db"),
                           APP_ADMIN_TOKEN=TOKEN, APP_HEADER_TIMEOUT_S=str(HEADER_TIMEOUT_S),
                           APP_IDLE_TIMEOUT_S=str(IDLE_TIMEOUT_S), APP_DRAIN_DELAY_S="0",
                           **{name: str(value) for name, value in CAPS.items()})
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen([binary], env=environment, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL)
        self.port = self.wait_for_port()

    def wait_for_port(self) -> int:
        for _ in range(300):
            if self.process.poll() is not None:
                break
            match = re.search(r'"message":"listening".*?"port":(\d+)', self.log())
            if match:
                return int(match.group(1))
            time.sleep(0.05)
        raise SystemExit(f"service_fuzz: the app did not start listening; its log:\n{self.log()[-3000:]}")

    def log(self) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as log:
            return log.read()

    def status(self, field: str) -> int:
        """A figure of /proc/PID/status: VmRSS in bytes, Threads as a count."""
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    value = int(line.split()[1])
                    return value * 1024 if field == "VmRSS" else value
        raise RuntimeError(f"no {field} in /proc/{self.process.pid}/status")

    def sockets(self) -> int:
        directory = f"/proc/{self.process.pid}/fd"
        count = 0
        for name in os.listdir(directory):
            try:
                count += os.readlink(os.path.join(directory, name)).startswith("socket:")
            except OSError:
                pass  # closed meanwhile
        return count

    def request(self, method: str, path: str, body: bytes | None = None, admin: bool = False,
                timeout: float = 5) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            headers = {"Authorization": f"Bearer {TOKEN}"} if admin else {}
            if body is not None:
                headers["Content-Type"] = "application/json"
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def malformed_requests(rng: random.Random) -> list[tuple[str, bytes, bool]]:
    """(name, bytes to send, whether to half-close afterwards) for one round of malformed input."""
    body = b"x" * 70_000
    note = b'{"text":"fuzz"}'
    return [
        ("garbage request line", b"GARBAGE\r\n\r\n", False),
        ("request line without target", b"GET\r\n\r\n", False),
        ("unknown HTTP version", b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", False),
        ("unknown method", b"FUZZ / HTTP/1.1\r\nHost: x\r\n\r\n", False),
        ("control character in target", b"GET /\x01\x7f HTTP/1.1\r\nHost: x\r\n\r\n", False),
        ("bad percent-encoding", b"GET /api/notes/%zz HTTP/1.1\r\nHost: x\r\n\r\n", False),
        ("huge target", b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", False),
        ("header without colon", b"GET / HTTP/1.1\r\nHost x\r\n\r\n", False),
        ("space before colon", b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", False),
        ("NUL in a header", b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", False),
        ("huge header", b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 100_000 + b"\r\n\r\n", False),
        ("many headers", b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(2000)) + b"\r\n", False),
        ("conflicting Content-Length", b"POST /api/notes HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
         b"Content-Length: 6\r\n\r\n" + note, False),
        ("negative Content-Length", b"POST /api/notes HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", False),
        ("Content-Length and chunked", b"POST /api/notes HTTP/1.1\r\nHost: x\r\nContent-Length: 15\r\n"
         b"Transfer-Encoding: chunked\r\n\r\n" + note, False),
        ("bad chunk size", b"POST /api/notes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
         False),
        ("huge chunk size", b"POST /api/notes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
         b"ffffffffffffffffff\r\nabc\r\n", False),
        ("chunk shorter than its size", b"POST /api/notes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
         b"10\r\nabc\r\n0\r\n\r\n", True),
        ("chunk without CRLF", b"POST /api/notes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3abc0", True),
        ("gzip transfer coding", b"POST /api/notes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nabc", False),
        ("chunked then gzip", b"POST /api/notes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"
         b"3\r\nabc\r\n0\r\n\r\n", False),
        ("oversized body", b"POST /api/notes HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + body, False),
        ("oversized body, half-closed", b"POST /api/notes HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n" + body,
         True),
        ("body cut short, half-closed", b"POST /api/notes HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n" + note,
         True),
        ("bad note JSON", b"POST /api/notes HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\n{\"text\":1", False),
        ("bad fault JSON", b"POST /admin/faults HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN.encode()
         + b"\r\nContent-Length: 17\r\n\r\n{\"type\":\"nuke\"} ", False),
        ("valid request then garbage", b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n\x00\x01\x02garbage\r\n\r\n", False),
        ("random bytes", bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 4096))), rng.random() < 0.5),
    ]


def send_raw(port: int, data: bytes, half_close: bool) -> bytes:
    """Sends `data` on a new connection and returns what comes back: until the server closes the connection,
    2 s pass with no answer, or 0.3 s pass after the last bytes of one (a kept-alive connection)."""
    with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
        try:
            connection.sendall(data)
            if half_close:
                connection.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may refuse and close before everything is sent
        received = b""
        while True:
            try:
                chunk = connection.recv(65536)
            except OSError:  # a timeout, or a reset
                return received
            if not chunk:
                return received
            received += chunk
            connection.settimeout(0.3)


def malformed_worker(app: App, run: Run, rng: random.Random) -> None:
    while run.running():
        for name, data, half_close in malformed_requests(rng):
            if not run.running():
                return
            received = send_raw(app.port, data, half_close)
            run.count("malformed requests")
            for status in re.findall(rb"HTTP/1\.1 (\d{3})", received):
                run.count(f"malformed answered {status.decode()}")
                if status.startswith(b"5"):
                    message = re.search(rb'"message":"([^"]*)"', received)
                    run.fail(f"malformed input ({name}) got a {status.decode()}"
                             + (f": {message.group(1).decode(errors='replace')}" if message else ""))


class Lingerer:
    """A connection that sends too little: a slowloris, a silent one, or a kept-alive one left idle."""

    def __init__(self, port: int, kind: str):
        self.kind = kind
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=2)
        self.socket.setblocking(False)
        self.since = time.monotonic()  # when the server's timeout started counting
        self.last_send = 0.0
        self.answered = kind != "kept-alive"
        if kind == "slowloris":
            self.socket.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        elif kind == "kept-alive":
            self.socket.sendall(b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n")

    @property
    def limit(self) -> float:
        return (IDLE_TIMEOUT_S if self.kind == "kept-alive" else HEADER_TIMEOUT_S) + CLOSE_MARGIN_S

    def close(self) -> None:
        self.socket.close()


def lingering_worker(app: App, run: Run, rng: random.Random, open_connections: list) -> None:
    """Keeps 40 slow and idle connections open, each of which the server must close in time."""
    wanted = {"slowloris": 20, "silent": 10, "kept-alive": 10}
    while run.running() or open_connections:
        for kind, count in wanted.items():
            while run.running() and sum(c.kind == kind for c in open_connections) < count:
                open_connections.append(Lingerer(app.port, kind))
        now = time.monotonic()
        for connection in list(open_connections):
            if connection.kind == "slowloris" and now - connection.last_send > 0.5:
                connection.last_send = now
                try:
                    connection.socket.send(b"X-Slow-%d: 1\r\n" % rng.randint(0, 999))
                except OSError:
                    pass  # closed: seen below
            if now - connection.since > connection.limit:
                run.fail(f"a {connection.kind} connection was still open {now - connection.since:.1f} s later")
                connection.close()
                open_connections.remove(connection)
        readable, _, _ = select.select([c.socket for c in open_connections], [], [], 0.1)
        for connection in [c for c in open_connections if c.socket in readable]:
            try:
                data = connection.socket.recv(65536)
            except OSError:
                data = b""
            if data and not connection.answered:
                connection.answered = True
                connection.since = time.monotonic()  # idle from the answer on
            elif not data:
                run.count(f"{connection.kind} connections closed by the server")
                connection.close()
                open_connections.remove(connection)


FAULTS = [
    lambda rng: {"type": "latency", "ms": rng.randint(1, 100), "route": "/faulted/*"},
    lambda rng: {"type": "error", "status": rng.choice([502, 503, 504]), "probability": 0.5, "route": "/faulted/*"},
    lambda rng: {"type": "abort", "probability": 0.3, "route": "/faulted/*"},
    lambda rng: {"type": "hang", "max_s": 0.5, "route": "/faulted/*"},
    lambda rng: {"type": "memory_leak", "mb_per_s": 64, "max_mb": rng.randint(16, 96)},
    lambda rng: {"type": "cpu_burn", "threads": 1},
    lambda rng: {"type": "not_ready", "probability": 0.5},
    lambda rng: {"type": "crash", "exit_code": 3, "delay_s": 3600},  # cleared long before it fires
]


def fault_worker(app: App, run: Run, rng: random.Random) -> None:
    """Stacks faults until a cap refuses one, exercises them, clears them all; again and again."""
    while run.running():
        refused = False
        for _ in range(CAPS["APP_MAX_FAULTS"] + 5):
            status, body = app.request("POST", "/admin/faults", json.dumps(rng.choice(FAULTS)(rng)).encode(), True)
            if status == 201:
                run.count("faults activated")
                continue
            if status == 409 and b"APP_MAX_" in body:
                run.count("faults refused at a cap")
                refused = True
                break
            run.fail(f"activating a fault answered {status}: {body[:200]!r}")
            break
        if not refused:
            run.fail(f"{CAPS['APP_MAX_FAULTS'] + 5} stacked faults and no cap refused one")
        status, body = app.request("GET", "/admin/faults", admin=True)
        if status != 200 or len(json.loads(body)["faults"]) > CAPS["APP_MAX_FAULTS"]:
            run.fail(f"GET /admin/faults answered {status} with more faults than the cap")
        for _ in range(5 if run.running() else 0):
            try:
                app.request("GET", f"/faulted/{rng.randint(0, 99)}", timeout=3)
            except (OSError, http.client.HTTPException):
                pass  # aborts and hangs are the point
            run.count("faulted requests")
        status, _ = app.request("DELETE", "/admin/faults", admin=True)
        if status != 200:
            run.fail(f"clearing every fault answered {status}")
        time.sleep(0.3)


def normal_worker(app: App, run: Run) -> None:
    """Ordinary traffic, which must keep working while everything else goes on."""
    while run.running():
        try:
            checks = [app.request("GET", "/"), app.request("GET", "/livez")]
            status, body = app.request("POST", "/api/notes", b'{"text":"still here"}')
            checks.append((status, body))
            if status == 201:
                checks.append(app.request("GET", f"/api/notes/{json.loads(body)['id']}"))
            checks.append(app.request("GET", "/api/notes?limit=20"))
        except (OSError, http.client.HTTPException) as error:
            if app.process.poll() is not None:
                return run.fail(f"the app exited with status {app.process.returncode} during the run")
            run.fail(f"normal traffic failed: {error!r}")
            continue
        run.count("normal requests", len(checks))
        for status, body in checks:
            if not 200 <= status < 300:
                run.fail(f"normal traffic got {status}: {body[:200]!r}")


def guarded(worker, run: Run, *arguments):
    """Runs `worker`, turning an exception it did not expect (the app gone, say) into a failure."""
    def body():
        try:
            worker(*arguments)
        except Exception as error:
            run.fail(f"{worker.__name__}: {type(error).__name__}: {error}")
    return threading.Thread(target=body, name=worker.__name__, daemon=True)


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def check_end(app: App, run: Run, baseline_memory: int, baseline_threads: int) -> None:
    """The service after the storm: live, normal, back to its size, nothing left open."""
    if app.process.poll() is not None:
        run.fail(f"the app exited with status {app.process.returncode}")
        return
    status, body = app.request("DELETE", "/admin/faults", admin=True)
    if status != 200:
        run.fail(f"clearing the faults at the end answered {status}")
    status, body = app.request("GET", "/livez")
    if status != 200:
        run.fail(f"/livez answered {status} at the end: {body[:200]!r}")
    status, body = app.request("GET", "/")
    if status != 200 or json.loads(body).get("name") != "app":
        run.fail(f"GET / answered {status} at the end: {body[:200]!r}")
    status, body = app.request("POST", "/api/notes", b'{"text":"after the storm"}')
    if status != 201:
        run.fail(f"POST /api/notes answered {status} at the end: {body[:200]!r}")
    if not wait_for(lambda: app.status("VmRSS") <= baseline_memory + MEMORY_TOLERANCE_BYTES, SETTLE_S):
        run.fail(f"resident memory stayed at {app.status('VmRSS') >> 20} MB, from {baseline_memory >> 20} MB "
                 f"at the start (tolerance {MEMORY_TOLERANCE_BYTES >> 20} MB)")
    if not wait_for(lambda: app.status("Threads") <= baseline_threads + THREAD_TOLERANCE, SETTLE_S):
        run.fail(f"{app.status('Threads')} threads at the end, {baseline_threads} at the start")
    if not wait_for(lambda: app.sockets() == 1, SETTLE_S):
        run.fail(f"the app still holds {app.sockets() - 1} connections besides its listening socket")
    metrics = app.request("GET", "/metrics")[1].decode()
    if re.search(r'^http_requests_total\{[^}]*status="500"', metrics, re.MULTILINE):
        run.fail("an answer counted as a 500 (an unhandled error): "
                 + ", ".join(re.findall(r'^http_requests_total\{[^}]*status="500"\} \d+', metrics, re.MULTILINE)))
    unparsed = [line for line in app.log().splitlines() if not line.startswith("{") or not line.endswith("}")]
    if unparsed:
        run.fail(f"{len(unparsed)} log lines are not JSON objects, such as {unparsed[0][:200]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser.add_argument("--app", default=os.path.join(root, ".build", "debug", "app"), help="the built app binary")
    parser.add_argument("--seconds", type=float, default=60, help="the whole run, checks included (at least 20)")
    parser.add_argument("--seed", type=int, default=None, help="for the random choices; printed when not given")
    arguments = parser.parse_args()
    if not os.access(arguments.app, os.X_OK):
        sys.exit(f"service_fuzz: {arguments.app} not found: build it first (swift build --product app)")
    if arguments.seconds < 20:
        sys.exit("service_fuzz: --seconds must be at least 20: winding down and checking take up to 18 s")
    seed = arguments.seed if arguments.seed is not None else random.SystemRandom().randrange(1 << 32)
    print(f"service_fuzz: seed {seed}, {arguments.seconds:g} s, app {arguments.app}", flush=True)
    started = time.monotonic()

    run = Run(deadline=started + arguments.seconds - 18)
    with tempfile.TemporaryDirectory(prefix="service-fuzz-") as directory:
        app = App(arguments.app, directory)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit("service_fuzz: terminated"))
        try:
            for _ in range(50):  # warm up, so that what the first requests allocate counts in the baseline
                app.request("GET", "/")
                app.request("POST", "/api/notes", b'{"text":"warm-up"}')
                app.request("GET", "/api/notes?limit=20")
                app.request("GET", "/metrics")
            time.sleep(0.5)
            baseline_memory, baseline_threads = app.status("VmRSS"), app.status("Threads")
            print(f"  at the start: {baseline_memory >> 20} MB resident, {baseline_threads} threads", flush=True)
            lingering: list[Lingerer] = []
            workers = [
                guarded(malformed_worker, run, app, run, random.Random(seed)),
                guarded(lingering_worker, run, app, run, random.Random(seed + 1), lingering),
                guarded(fault_worker, run, app, run, random.Random(seed + 2)),
                guarded(normal_worker, run, app, run),
            ]
            for worker in workers:
                worker.start()
            for worker in workers:  # the last connections to close are the kept-alive ones, 4 s after the end
                worker.join(timeout=max(run.deadline + IDLE_TIMEOUT_S + CLOSE_MARGIN_S + 1 - time.monotonic(), 0))
                if worker.is_alive():
                    run.fail(f"{worker.name} was still running {IDLE_TIMEOUT_S + CLOSE_MARGIN_S + 1} s after the end")
            check_end(app, run, baseline_memory, baseline_threads)
            print(f"  at the end: {app.status('VmRSS') >> 20} MB resident, {app.status('Threads')} threads")
        except Exception as error:  # a request refused while checking: the app is down
            run.fail(f"{type(error).__name__}: {error}")
        finally:
            app.stop()
        for name, value in sorted(run.counts.items()):
            print(f"  {name}: {value}")
        if run.failures:
            print(f"service_fuzz: FAILED ({len(run.failures)} failures, seed {seed}):", file=sys.stderr)
            for failure, times in run.failures.items():
                print(f"  - {failure}" + (f" ({times} times)" if times > 1 else ""), file=sys.stderr)
            print(f"last log lines:\n{app.log()[-2000:]}", file=sys.stderr)
            sys.exit(1)
    print(f"service_fuzz: passed in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
