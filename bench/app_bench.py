#!/usr/bin/env python3
"""Load-tests `GET /` of the service with wrk and prints requests per second and p50/p99 latency.

Seven servers on the same machine (the last only when built), one at a time, each measured `--rounds` times
(interleaved, median kept):

- python:    `python3 -m http.server` serving a static JSON file as `/` (the stack this project started
             from): HTTP/1.0, a connection per request;
- py-tuned:  Python's http.server given its best chance: a handler answering the same static reply,
             threading server, HTTP/1.1 keep-alive, Nagle off;
- app-off:   the service with APP_FAULT_INJECTION=off (no fault middleware): the baseline of the fault cost;
- app:       the service as shipped, fault injection on and no fault in force;
- app-error: the service with an `error` fault of probability 0.1 on every route;
- nginx:     nginx (Debian package nginx) with one worker process returning the same reply, its access log on
             in a JSON format like the service's request log;
- hummingbird: Hummingbird alone (bench/hello: one route, the same reply, no middleware, no log, no metrics),
             the framework's own ceiling, to tell it from what the app adds; measured when `--hello` is built.

Per-request log lines go to /dev/null for every server. Targets: app at least 10 times python (issue #4);
app within 5 % of app-off; app at least 0.8 times nginx (issue #24). Build first:

    swift build -c release --static-swift-stdlib --product app
    (cd bench/hello && swift build -c release --static-swift-stdlib)   # optional: the hummingbird row
    bench/app_bench.py [--app .build/release/app] [--hello bench/hello/.build/release/hello] [--duration 10]
                       [--connections 32] [--rounds 3]
"""
import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request

TOKEN = "bench-token-0123456789"

PYTHON_SERVER = textwrap.dedent("""
    import sys
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    BODY = b'{"name":"app","version":"0.1.0"}'

    class Static(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go in two writes; without this, 40 ms ACK stalls

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)

    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Static).serve_forever()
""")

NGINX_CONFIG = textwrap.dedent("""
    worker_processes 1;
    daemon off;
    pid {dir}/nginx.pid;
    error_log {dir}/nginx-error.log;
    events {{ worker_connections 1024; }}
    http {{
        client_body_temp_path {dir}/body;
        proxy_temp_path {dir}/proxy;
        fastcgi_temp_path {dir}/fastcgi;
        uwsgi_temp_path {dir}/uwsgi;
        scgi_temp_path {dir}/scgi;
        log_format json escape=json '{{"time":"$time_iso8601","level":"info","method":"$request_method",'
                                    '"path":"$uri","status":$status,"bytes":$body_bytes_sent,'
                                    '"duration_ms":$request_time,"request_id":"$request_id"}}';
        access_log /dev/null json;
        server {{
            listen 127.0.0.1:{port};
            location / {{
                default_type application/json;
                return 200 '{{"name":"app","version":"0.1.0"}}';
            }}
        }}
    }}
""")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(port: int) -> None:
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).read()
            return
        except Exception:
            time.sleep(0.05)
    sys.exit(f"server on port {port} did not start")


def start(kind: str, app: str, hello: str, data_dir: str):
    port = free_port()
    if kind == "python":
        with open(os.path.join(data_dir, "index.html"), "w") as reply:
            reply.write('{"name":"app","version":"0.1.0"}')
        process = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                                    "--directory", data_dir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elif kind == "nginx":
        config = os.path.join(data_dir, "nginx.conf")
        with open(config, "w") as file:
            file.write(NGINX_CONFIG.format(dir=data_dir, port=port))
        process = subprocess.Popen(["nginx", "-c", config, "-p", data_dir], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
    elif kind == "hummingbird":
        process = subprocess.Popen([hello, str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elif kind == "py-tuned":
        process = subprocess.Popen([sys.executable, "-c", PYTHON_SERVER, str(port)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        environment = dict(os.environ, APP_PORT=str(port), APP_DATA=os.path.join(data_dir, f"{kind}.db"),
                           APP_ADMIN_TOKEN=TOKEN, APP_FAULT_INJECTION="off" if kind == "app-off" else "on",
                           APP_DRAIN_DELAY_S="0")
        process = subprocess.Popen([app], env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until_up(port)
    if kind == "app-error":
        fault = json.dumps({"type": "error", "probability": 0.1, "duration_s": 3600}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/admin/faults", data=fault, method="POST",
                                         headers={"Authorization": f"Bearer {TOKEN}"})
        urllib.request.urlopen(request).read()
    return process, port


def to_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def wrk(port: int, duration: int, connections: int) -> dict:
    output = subprocess.run(
        ["wrk", "--latency", "-t", "2", "-c", str(connections), "-d", f"{duration}s", f"http://127.0.0.1:{port}/"],
        check=True, capture_output=True, text=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
            "p50": to_ms(latency["50"]), "p99": to_ms(latency["99"]),
            "errors": int(non_2xx.group(1)) / requests if non_2xx else 0.0}


def measure(kinds: list, app: str, hello: str, rounds: int, duration: int, connections: int) -> dict:
    """Each server of `kinds` under wrk, `rounds` interleaved rounds: the median of each figure, by kind."""
    results = {kind: [] for kind in kinds}
    with tempfile.TemporaryDirectory() as data_dir:
        for _ in range(rounds):
            for kind in kinds:
                process, port = start(kind, app, hello, data_dir)
                try:
                    results[kind].append(wrk(port, duration, connections))
                finally:
                    process.terminate()
                    process.wait(timeout=15)
    return {kind: {key: statistics.median(run[key] for run in runs) for key in runs[0]}
            for kind, runs in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--app", default=".build/release/app")
    parser.add_argument("--hello", default=os.path.join(os.path.dirname(__file__), "hello/.build/release/hello"))
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("needs wrk (Debian package wrk)")
    if not shutil.which("nginx"):
        sys.exit("needs nginx (Debian package nginx), the floor the app is measured against")
    if not os.access(arguments.app, os.X_OK):
        sys.exit(f"{arguments.app} not found: swift build -c release --static-swift-stdlib --product app")

    kinds = ["python", "py-tuned", "app-off", "app", "app-error", "nginx"]
    if os.access(arguments.hello, os.X_OK):
        kinds.append("hummingbird")
    else:
        print(f"no hummingbird row: {arguments.hello} not built "
              "(cd bench/hello && swift build -c release --static-swift-stdlib)")
    median = measure(kinds, arguments.app, arguments.hello, arguments.rounds, arguments.duration,
                     arguments.connections)

    print(f"wrk -t2 -c{arguments.connections} -d{arguments.duration}s GET /, median of {arguments.rounds} rounds "
          f"({os.cpu_count()} cores, wrk on the same machine)")
    print(f"{'server':<11} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
    for kind in kinds:
        row = median[kind]
        print(f"{kind:<11} {row['rps']:>10.0f} {row['p50']:>8.2f} {row['p99']:>8.2f} {row['errors']:>8.1%}")
    print(f"app / python throughput: {median['app']['rps'] / median['python']['rps']:.1f}x (target >= 10x); "
          f"app / py-tuned: {median['app']['rps'] / median['py-tuned']['rps']:.1f}x")
    print(f"app / nginx throughput: {median['app']['rps'] / median['nginx']['rps']:.2f}x (target >= 0.8x)")
    if "hummingbird" in median:
        print(f"hummingbird alone / nginx: {median['hummingbird']['rps'] / median['nginx']['rps']:.2f}x; "
              f"app / hummingbird alone: {median['app']['rps'] / median['hummingbird']['rps']:.2f}x")
    cost = 1 - median['app']['rps'] / median['app-off']['rps']
    print(f"fault middleware cost with no fault in force: {cost:.1%} of throughput (target < 5 %)")


if __name__ == "__main__":
    main()
