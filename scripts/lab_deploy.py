#!/usr/bin/env python3
"""Deploys a release onto the lab's replicas through HAProxy's runtime API, and records the deploy.

    scripts/deploy.sh RELEASE [--strategy rolling|canary] [--canary-share 0.1] [--bake 40] [--min-bake 3]
                      [--max-error-ratio 0.01] [--max-latency-ratio 1.5] [--ready-timeout 20]
                      [--commit SHA] [--committed-at TIME] [--no-record] [--json]

RELEASE is a release file (examples/releases/NAME.env, or NAME alone): settings, one KEY=VALUE a line, that
the replica runs with, APP_VERSION among them; ${DATABASE_SERVER} in a value is the lab's
user:password@host:port. The release is the lab's build of `app` with those settings, kept in
$LAB_DIR/releases/VERSION. RELEASE may also be a release the lab holds already, that folder
($LAB_DIR/releases/initial is the one the lab started with): how to go back to it.

Rolling: one replica at a time, HAProxy stops sending it new requests (drain), its in-flight requests end, it
restarts on the release, and once it is ready HAProxy takes it back; then the next. A replica that is not
ready within --ready-timeout seconds stops the rollout: every replica changed goes back to its release.

Canary: the release on replica-1 first, with --canary-share of the traffic (HAProxy weights), for --bake
seconds; every second after --min-bake it is compared on Prometheus (ops/prometheus/canary/rules.yml) with
the replicas on the release before: an error ratio more than --max-error-ratio above theirs, or a route whose
p90 latency is over --max-latency-ratio times theirs (plus 100 ms), rolls it back at once, the reason on the
deploy's record; so does a canary that served no request in its bake time. Otherwise the release is
promoted: the other replicas follow, rolling.

While a replica restarts, the tickets about that replica alone (restarted, out of rotation, target down,
liveness, not ready for its store) are silenced in Alertmanager until shortly after it is back: a deploy is no incident, and the
tracker would otherwise open one per restart. Alerts on what users see are never silenced.

Every deploy is recorded in the lab's tracker (incident deploy record): succeeded, or rolled-back with the
reason. Ctrl-C rolls back what was changed and records that. Exit 0 when the release went out, 1 when it was
rolled back, 64 for a bad command line, 69 when the lab cannot be reached.

--json prints one JSON object a line instead of text, each with `event` and `at_ms` (milliseconds since the
epoch): `message` (`message`: what the text would say); `serving` (a replica takes traffic on a release:
`replica`, `version`, the `share` of the traffic it gets); `draining` (`replica`: it takes no new request);
`stopping` (`reason`, and `by`: `canary` when the canary analysis judged the release, `rollout` when a
replica was not ready, `no-data` when the canary served no request to judge, `error` when Prometheus or
HAProxy failed); first `started` (`version`, `strategy`, `before`: the release folder
each replica ran before) and last `done` (`result`, `version`, `deploy`: the id recorded or null, `notes`).
`incident gameday run` reads them for a scenario's `deploy:` steps.
"""
import argparse
import contextlib
import csv
import io
import json
import os
import pathlib
import re
import shlex
import shutil
import signal
import socket
import string
import subprocess
import sys
import time
import urllib.parse
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent


class Refused(Exception):
    """The deploy cannot start: `status` is the exit status."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class Stop(Exception):
    """The rollout must stop and go back: the message is the reason recorded; `by` says who decided."""

    def __init__(self, message, by="rollout"):
        super().__init__(message)
        self.by = by


JSON_EVENTS = False


def event(kind, at=None, **fields):
    """One event of the deploy, at `at` (seconds since the epoch; default now); printed with --json only."""
    if JSON_EVENTS:
        print(json.dumps({"event": kind, "at_ms": int((at or time.time()) * 1000), **fields}), flush=True)


@contextlib.contextmanager
def uninterruptible():
    """Ctrl-C waits until the block is done: a rollback or a record cut in half helps no one."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def say(message):
    if JSON_EVENTS:
        event("message", message=message)
    else:
        print(f"deploy: {message}", flush=True)


class Lab:
    """The lab as lab.env describes it: its replicas, HAProxy's runtime API and Prometheus."""

    def __init__(self):
        try:
            self.dir = pathlib.Path(os.environ["LAB_DIR"])
            self.bin = pathlib.Path(os.environ["LAB_BIN"])
            self.socket = os.environ["HAPROXY_SOCKET"]
            self.prometheus = os.environ["PROMETHEUS_URL"]
            self.replica_urls = os.environ["INCIDENT_REPLICAS"].split()
        except KeyError as missing:
            raise Refused(69, f"{missing} is not set: start the lab (scripts/lab.sh up) and source its lab.env")
        if not (self.dir / "lab.env").exists():
            raise Refused(69, f"the lab is not up ({self.dir}/lab.env is missing); run scripts/lab.sh up")
        self.names = [f"replica-{number}" for number in range(1, len(self.replica_urls) + 1)]
        self.alertmanager = os.environ.get("ALERTMANAGER_URL")

    def haproxy(self, command):
        """Sends one runtime API command and returns its answer."""
        with socket.socket(socket.AF_UNIX) as connection:
            connection.settimeout(5)
            try:
                connection.connect(self.socket)
            except OSError as error:
                raise Refused(69, f"HAProxy's runtime API does not answer at {self.socket}: {error}")
            connection.sendall(command.encode() + b"\n")
            answer = b""
            while chunk := connection.recv(65536):
                answer += chunk
        text = answer.decode()
        if command.startswith("set ") and text.strip():
            raise Refused(69, f"HAProxy refused '{command}': {text.strip()}")
        return text

    def server_stats(self, name):
        """HAProxy's row of `show stat` for one replica of the user backend."""
        rows = csv.DictReader(io.StringIO(self.haproxy("show stat").lstrip("# ")))
        for row in rows:
            if row["pxname"] == "app" and row["svname"] == name:
                return row
        raise Refused(69, f"HAProxy has no server app/{name}")

    def release_of(self, number):
        return pathlib.Path((self.dir / f"app-{number}.release").read_text().strip())

    def set_release(self, number, release):
        path = self.dir / f"app-{number}.release"
        temporary = path.with_suffix(".new")
        temporary.write_text(f"{release}\n")
        temporary.replace(path)

    def app_pid(self, number):
        """The pid of the app the replica's supervisor runs now, or None between two runs."""
        supervisor = (self.dir / f"app-{number}.pid").read_text().strip()
        children = pathlib.Path(f"/proc/{supervisor}/task/{supervisor}/children")
        try:
            for pid in children.read_text().split():
                if pathlib.Path(f"/proc/{pid}/comm").read_text().strip() == "app":
                    return int(pid)
        except OSError:
            pass
        return None

    # The tickets about one replica a restart raises, by the label that names the replica in each.
    REPLICA_TICKETS = [("instance", "AppRestarted|AppTargetDown|AppStoreNotReady"),
                       ("replica", "AppReplicaOutOfRotation|AppReplicaLivenessProbeFailing|AppTargetDown")]

    def silence_replica(self, name, seconds, version):
        """Silences the tickets about replica `name` for `seconds`; a warning, not a failure, when it cannot."""
        if not self.alertmanager:
            return
        now = time.time()
        stamp = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
        for label, alerts in self.REPLICA_TICKETS:
            body = json.dumps({
                "matchers": [
                    {"name": "alertname", "value": alerts, "isRegex": True, "isEqual": True},
                    {"name": label, "value": name, "isRegex": False, "isEqual": True},
                ],
                "startsAt": stamp(now), "endsAt": stamp(now + seconds), "createdBy": "scripts/deploy.sh",
                "comment": f"deploy of {version}: {name} restarts on purpose"}).encode()
            request = urllib.request.Request(f"{self.alertmanager}/api/v2/silences", data=body, method="POST",
                                             headers={"Content-Type": "application/json"})
            try:
                urllib.request.urlopen(request, timeout=3).read()
            except OSError as error:
                say(f"could not silence {name}'s tickets in Alertmanager ({error}); they may open incidents")
                return

    def get(self, url, timeout=1):
        """(status, body) of a GET; status 0 when nothing answered."""
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()
        except (OSError, ValueError):
            return 0, b""

    def query(self, expression):
        """The instant vector of a PromQL expression: a list of (labels, value)."""
        url = f"{self.prometheus}/api/v1/query?" + urllib.parse.urlencode({"query": expression})
        status, body = self.get(url, timeout=5)
        if status != 200:
            raise Stop(f"Prometheus did not answer the canary analysis ({url}: HTTP {status})", by="error")
        return [(sample["metric"], float(sample["value"][1])) for sample in json.loads(body)["data"]["result"]]


def version_of(folder):
    """The APP_VERSION a release the lab holds runs with (its release.env), or None when it sets none."""
    for line in (folder / "release.env").read_text().splitlines():
        words = shlex.split(line, comments=True)
        if words and words[0].startswith("APP_VERSION="):
            return words[0].partition("=")[2]
    return None


def read_release(argument):
    """The release file's settings, with ${DATABASE_SERVER} filled in."""
    path = pathlib.Path(argument)
    if not path.exists() and not argument.endswith(".env"):
        path = ROOT / "examples" / "releases" / f"{argument}.env"
    if not path.is_file():
        raise Refused(64, f"no release file {argument}; give one of examples/releases/*.env, or its name")
    database = urllib.parse.urlsplit(os.environ.get("APP_DATABASE_URL", "")).netloc
    settings = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, equals, value = line.partition("=")
        if not equals or not re.fullmatch(r"APP_[A-Z0-9_]+", key):
            raise Refused(64, f"{path}:{number}: '{line}' is not a setting (APP_NAME=VALUE)")
        try:
            settings[key] = string.Template(value).substitute(DATABASE_SERVER=database)
        except (KeyError, ValueError) as error:
            raise Refused(64, f"{path}:{number}: {error} is not a variable a release may use (DATABASE_SERVER)")
    version = settings.get("APP_VERSION", "")
    if not re.fullmatch(r"[A-Za-z0-9._+-]{1,64}", version):
        raise Refused(64, f"{path} gives no APP_VERSION (1 to 64 letters, digits, '.', '-', '_', '+')")
    return version, settings


def prepare(lab, version, settings):
    """The release's folder: the lab's build of `app` and its settings, made once per version."""
    folder = lab.dir / "releases" / version
    text = "".join(f"{key}={shlex.quote(value)}\n" for key, value in settings.items())
    if folder.exists():
        if (folder / "release.env").read_text() != text:
            raise Refused(64, f"release {version} exists in {folder} with other settings; give it another version")
        return folder
    staging = folder.with_name(folder.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    shutil.copy2(lab.bin / "app", staging / "app")
    (staging / "release.env").write_text(text)
    staging.rename(folder)
    return folder


class Rollout:
    """One deploy: what it changed, so that it can go back."""

    def __init__(self, lab, args, release, version):
        self.lab, self.args, self.release, self.version = lab, args, release, version
        self.before = {number: lab.release_of(number) for number in range(1, len(lab.names) + 1)}
        self.weights = {}
        self.changed = []

    def wait(self, condition, seconds, interval=0.2):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(interval)
        return condition()

    def restart(self, number, release):
        """Drains the replica, restarts it on `release` and puts it back in rotation once ready."""
        lab, name = self.lab, self.lab.names[number - 1]
        url = lab.replica_urls[number - 1]
        # Long enough for the drain, the restart, the ready timeout and the alerts' windows after it.
        lab.silence_replica(name, 10 + 15 + self.args.ready_timeout + 60, release.name)
        lab.haproxy(f"set server app/{name} state drain")
        event("draining", replica=name)
        if not self.wait(lambda: lab.server_stats(name)["scur"] in ("0", ""), 10):
            say(f"{name} still has requests in flight after 10 s; restarting it anyway (the app drains them)")
        lab.set_release(number, release)
        old = lab.app_pid(number)
        if old:
            os.kill(old, signal.SIGTERM)
            if not self.wait(lambda: not pathlib.Path(f"/proc/{old}").exists(), 15):
                os.kill(old, signal.SIGKILL)
        wanted = version_of(release)

        def ready():
            status, body = lab.get(url + "/readyz")
            if status != 200:
                return False
            _, info = lab.get(url + "/")
            return wanted is None or json.loads(info or b"{}").get("version") == wanted

        if not self.wait(ready, self.args.ready_timeout):
            pid = lab.app_pid(number)
            status, body = lab.get(url + "/readyz")
            why = (body.decode(errors="replace").strip()[:200] or "nothing answered") if pid else "it keeps exiting"
            raise Stop(f"{name} was not ready on {release.name} within {self.args.ready_timeout:g} s ({why})")
        lab.haproxy(f"set server app/{name} state ready")
        if not self.wait(lambda: lab.server_stats(name)["status"].startswith("UP"), 10):
            raise Stop(f"HAProxy did not take {name} back into rotation within 10 s")
        self.serving(name, release)

    def serving(self, name, release):
        """Tells --json readers that `name` takes traffic on `release`, and what share of it."""
        weights = {other: int(self.lab.haproxy(f"get weight app/{other}").split()[0]) for other in self.lab.names}
        event("serving", replica=name, version=version_of(release) or release.name,
              share=round(weights[name] / max(1, sum(weights.values())), 4))

    def step(self, number):
        """Moves one replica to the new release."""
        self.changed.append(number)
        say(f"{self.lab.names[number - 1]}: {self.before[number].name} → {self.version}")
        started = time.monotonic()
        self.restart(number, self.release)
        say(f"{self.lab.names[number - 1]}: ready on {self.version} in {time.monotonic() - started:.1f} s")

    def set_canary_weight(self, share):
        """Gives replica-1 `share` of the traffic: weights 100 for the others, the canary's to match."""
        others = len(self.lab.names) - 1
        for name in self.lab.names:
            self.weights[name] = self.lab.haproxy(f"get weight app/{name}").split()[0]
        canary = max(1, min(256, round(share / (1 - share) * others * 100)))
        for name in self.lab.names[1:]:
            self.lab.haproxy(f"set weight app/{name} 100")
        self.lab.haproxy(f"set weight app/{self.lab.names[0]} {canary}")
        say(f"canary {self.lab.names[0]} gets {canary / (canary + 100 * others):.0%} of the traffic")

    def restore_weights(self):
        for name, weight in self.weights.items():
            self.lab.haproxy(f"set weight app/{name} {weight}")
        self.weights = {}

    def judge(self, baseline):
        """The reason the canary must go back, or None while it looks as good as `baseline`."""
        args, lab = self.args, self.lab
        errors = dict((labels.get("version"), value)
                      for labels, value in lab.query("version:http_request_errors:ratio_rate10s"))
        if self.version in errors and baseline in errors:
            canary, base = errors[self.version], errors[baseline]
            if canary > base + args.max_error_ratio:
                return (f"canary error ratio {canary:.1%} against {base:.1%} on {baseline} "
                        f"(more than {args.max_error_ratio:.1%} above)")
        latency = {}
        for labels, value in lab.query("version_route:http_request_duration_seconds:p90_rate10s"):
            if value == value:  # NaN where a route had no request in the window
                latency[(labels.get("version"), labels.get("method"), labels.get("route"))] = value
        for (version, method, route), canary in sorted(latency.items()):
            base = latency.get((baseline, method, route))
            if version == self.version and base is not None and canary > base * args.max_latency_ratio + 0.1:
                return (f"canary p90 of {method} {route} {canary * 1000:.0f} ms against {base * 1000:.0f} ms on "
                        f"{baseline} (over {args.max_latency_ratio:g}× + 100 ms)")
        return None

    def bake(self):
        """Watches the canary for --bake seconds; returns the reason to roll back, or None."""
        baseline = version_of(self.before[1]) or self.initial_version()
        started = time.monotonic()
        say(f"baking {self.args.bake:g} s against {baseline}")
        while (elapsed := time.monotonic() - started) < self.args.bake:
            if elapsed >= self.args.min_bake:
                reason = self.judge(baseline)
                if reason:
                    return reason
            time.sleep(1)
        served = dict((labels.get("version"), value) for labels, value in self.lab.query("version:http_requests:rate10s"))
        if not served.get(self.version):
            raise Stop(f"the canary served no request in its {self.args.bake:g} s bake; nothing to judge it by",
                       by="no-data")
        return self.judge(baseline)

    def initial_version(self):
        _, info = self.lab.get(self.lab.replica_urls[-1] + "/")
        return json.loads(info or b"{}").get("version", "")

    def roll_back(self):
        """Every replica changed goes back to its release, then the weights to theirs (a canary never takes more
        than its share); Ctrl-C waits for it."""
        with uninterruptible():
            for number in reversed(self.changed):
                say(f"{self.lab.names[number - 1]}: back to {self.before[number].name}")
                try:
                    self.restart(number, self.before[number])
                except (Stop, Refused) as problem:
                    say(f"rolling back {self.lab.names[number - 1]} failed too: {problem}")
            try:
                if self.weights:
                    self.restore_weights()
            except Refused as problem:
                say(f"restoring HAProxy's weights failed: {problem}")

    def run(self):
        """Returns (result, notes)."""
        try:
            if self.args.strategy == "canary":
                # The canary's weight first: it takes its share, never more, from its first request.
                if self.args.canary_share is not None:
                    self.set_canary_weight(self.args.canary_share)
                self.step(1)
                reason = self.bake()
                if reason:
                    raise Stop(reason, by="canary")
                say("canary passed; promoting")
                self.restore_weights()
                self.serving(self.lab.names[0], self.release)
                rest = range(2, len(self.lab.names) + 1)
            else:
                rest = range(1, len(self.lab.names) + 1)
            for number in rest:
                self.step(number)
            return "succeeded", None
        except (Stop, Refused) as problem:
            by = problem.by if isinstance(problem, Stop) else "error"
            say(f"stopping: {problem}; rolling back")
            event("stopping", reason=str(problem), by=by)
            self.roll_back()
            return "rolled-back", str(problem)
        except KeyboardInterrupt:
            say("interrupted; rolling back")
            self.roll_back()
            return "rolled-back", "interrupted by the operator (Ctrl-C)"


def record(args, version, result, notes):
    """Records the deploy in the lab's tracker; returns its id."""
    command = [str(pathlib.Path(os.environ["LAB_BIN"]) / "incident"), "deploy", "record", "--service", "app",
               "--version", version, "--result", result, "--strategy", args.strategy, "-q"]
    commit, committed = args.commit, args.committed_at
    if commit is None:
        found = subprocess.run(["git", "-C", str(ROOT), "show", "-s", "--format=%H %cI", "HEAD"],
                               capture_output=True, text=True)
        if found.returncode == 0:
            commit, committed = found.stdout.split()[0], committed or found.stdout.split()[1]
    if commit:
        command += ["--commit", commit]
    if committed:
        command += ["--committed-at", committed]
    if notes:
        command += ["--notes", notes]
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "INCIDENT_AUTHOR": "deploy"})
    if done.returncode != 0:
        say(f"the deploy went out but could not be recorded: {done.stderr.strip()}")
        return None
    return done.stdout.strip()


class Arguments(argparse.ArgumentParser):
    """argparse, with a bad command line exiting 64 as the CLI's do."""

    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"deploy: {message}", file=sys.stderr)
        sys.exit(64)


def main():
    parser = Arguments(prog="scripts/deploy.sh", description=__doc__.split("\n")[0], allow_abbrev=False)
    parser.add_argument("release")
    parser.add_argument("--strategy", choices=["rolling", "canary"], default="rolling")
    parser.add_argument("--canary-share", type=float, help="the canary's share of traffic, 0.01 to 0.5 (default: 1/N)")
    parser.add_argument("--bake", type=float, default=40, help="seconds the canary is watched (default 40)")
    parser.add_argument("--min-bake", type=float, default=3, help="seconds before the first judgement (default 3)")
    parser.add_argument("--max-error-ratio", type=float, default=0.01)
    parser.add_argument("--max-latency-ratio", type=float, default=1.5)
    parser.add_argument("--ready-timeout", type=float, default=20)
    parser.add_argument("--commit")
    parser.add_argument("--committed-at")
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--json", action="store_true", help="print JSON-lines events instead of text")
    args = parser.parse_args()
    global JSON_EVENTS
    JSON_EVENTS = args.json
    if args.canary_share is not None and not 0.01 <= args.canary_share <= 0.5:
        parser.error("--canary-share is a share of traffic from 0.01 to 0.5")
    for name in ("bake", "min_bake", "max_error_ratio", "max_latency_ratio", "ready_timeout"):
        if getattr(args, name) < 0:
            parser.error(f"--{name.replace('_', '-')} cannot be negative")
    try:
        lab = Lab()
        held = pathlib.Path(args.release)
        if held.is_dir() and held.resolve().parent == (lab.dir / "releases").resolve():
            release, version = held.resolve(), version_of(held) or held.name
        else:
            version, settings = read_release(args.release)
            release = prepare(lab, version, settings)
        if all(lab.release_of(number) == release for number in range(1, len(lab.names) + 1)):
            raise Refused(64, f"every replica runs {version} already")
        rollout = Rollout(lab, args, release, version)
        started = time.monotonic()
        event("started", version=version, strategy=args.strategy,
              before=[str(rollout.before[number]) for number in sorted(rollout.before)])
        say(f"{args.strategy} deploy of {version} to {len(lab.names)} replica(s)")
        result, notes = rollout.run()
        finished = time.time()
    except Refused as refusal:
        print(f"deploy: {refusal}", file=sys.stderr)
        return refusal.status
    with uninterruptible():
        took = time.monotonic() - started
        deploy = None if args.no_record else record(args, version, result, notes)
        named = f"deploy #{deploy}" if deploy else "deploy"
        say(f"{named}: {version} {result} in {took:.1f} s" + (f": {notes}" if notes else ""))
        event("done", at=finished, result=result, version=version, deploy=int(deploy) if deploy else None,
              notes=notes)
    return 0 if result == "succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())
