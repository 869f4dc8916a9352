#!/usr/bin/env python3
"""The lab's keeper: plays the faults from outside the app on what scripts/lab.sh started.

    lab_keeper.py serve CONFIG   serves the fault API on loopback until SIGTERM, then undoes every fault
    lab_keeper.py sweep CONFIG   undoes whatever a keeper left (its state file, its tagged rules and cgroups)
    lab_keeper.py leftovers CONFIG
                                 prints each rule and cgroup of the lab still on the machine, one per line

It speaks the app's admin API (`GET/POST/DELETE /admin/faults`, the same bearer token, the same JSON), so
`incident inject kill replica=2` records the injected incident exactly as an app fault: the keeper's own
activation time, its fault id, and a clear that undoes it. Every fault ends: at its duration (a timer here),
on clear, on SIGTERM, and at `scripts/lab.sh down`, which runs `sweep` even if this process died. It touches
only what the lab started: replicas and HAProxy by the process ids in the lab's pid files, iptables rules
carrying its comment, cgroups under `incident-lab-<tag>`, database sessions named
`incident-lab-<tag>-fault-<id>`. A fault it cannot play whole is refused (503: a missing privilege, tool or
kernel feature; 409: it would overlap a fault in force), and one whose undo fails stays listed, is retried,
and makes the clear answer 503.

Fault types (the catalog's validation is in Swift; this checks again and refuses what it cannot do whole):
  kill replica=N|all            SIGKILL; the lab's supervisor restarts it
  pause replica=N|all           SIGSTOP until the end, then SIGCONT
  partition from=lb to=replica-N | from=replica-N to=db
                                drops the packets that hop sends to the other (iptables, cgroup v2 match)
  db_down                       PostgreSQL stopped (fast), started again at the end
  db_lock                       a session holds ACCESS EXCLUSIVE on the notes table
  db_connections                sleeping sessions take every free connection slot
  cpu_throttle replica=N|all cpus=F
                                a cgroup v1 CPU quota of F cores
  oom replica=N|all             the replica moved to a cgroup v1 memory limit just above what it holds there
                                (the kernel refuses a limit under use: EBUSY), and the app's own memory_leak
                                started, so the kernel's OOM killer ends it; the supervisor restarts it
  disk_full                     ballast fills the tmpfs lab.sh mounted for the database's data; at the end the
                                ballast goes, and PostgreSQL is started again if it stopped (a full WAL panics it)
"""
import errno
import hmac
import http.server
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone

# Each type's fields beside `type` and `duration_s`; any other field is refused, as the catalog does.
FIELDS = {
    "kill": {"replica"}, "pause": {"replica"}, "partition": {"from", "to"}, "db_down": set(), "db_lock": set(),
    "db_connections": set(), "cpu_throttle": {"replica", "cpus"}, "oom": {"replica"},
    "disk_full": set(),
}
TYPES = tuple(FIELDS)
UNDO_RETRY_SECONDS = 5
CPU_PERIOD_US = 100_000
OOM_HEADROOM_BYTES = 4 << 20  # what an oom fault's replica may still take before the OOM killer ends it
OOM_LEAK = {"type": "memory_leak", "mb_per_s": 32, "max_mb": 256}  # within the app's APP_MAX_LEAK_MB
CGROUP1_CONTROLLERS = ("cpu", "memory")
RESTARTS_DATABASE = {"db_down", "disk_full"}  # their undo starts PostgreSQL: one at a time
DATA_FS_SOURCE = "incident-postgres-data"  # the tmpfs scripts/throwaway-postgres.sh mounts for the data


class Refused(Exception):
    """A fault the keeper will not play: `status` 400 for a bad request, 503 for a missing privilege or
    kernel feature (the CLI exits 69), 409 for a conflict."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def say(message):
    """One line of the keeper's log (keeper.log in the lab's folder), with the time it was written."""
    print(f"keeper: {datetime.now(timezone.utc).strftime('%H:%M:%S.%f')[:-3]} {message}", file=sys.stderr, flush=True)


def now_rfc3339(seconds):
    milliseconds = int(seconds * 1000)
    moment = datetime.fromtimestamp(milliseconds / 1000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{milliseconds % 1000:03d}Z"


def run(command, env=None, check=True):
    """Runs `command` from `/` (the postgres user may not enter the lab's folder). A missing program or a
    failure is Refused (503) when `check`, else a result with its return code (127: missing)."""
    try:
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=30, cwd="/")
    except FileNotFoundError:
        if check:
            raise Refused(503, f"{command[0]} is missing (install it, and run as root)") from None
        return subprocess.CompletedProcess(command, 127, "", f"{command[0]} is missing")
    if check and result.returncode != 0:
        raise Refused(503, f"{' '.join(command[:3])}… failed: {(result.stderr or result.stdout).strip()[:300]}")
    return result


class Lab:
    """What the lab started, from CONFIG (written by lab.sh up)."""

    def __init__(self, path):
        with open(path) as file:
            self.config = json.load(file)
        self.dir = self.config["lab_dir"]
        self.tag = self.config["tag"]
        self.comment = f"incident-lab-{self.tag}"
        self.state_file = os.path.join(self.dir, "keeper-state.json")

    def replicas(self, choice):
        count = len(self.config["replica_ports"])
        numbers = range(1, count + 1) if choice == "all" else [choice]
        for number in numbers:
            if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= count:
                raise Refused(400, f"field 'replica' is {choice}; the lab runs replica 1 to {count}, or all")
        return list(numbers)

    def replica_pid(self, number):
        """The running app of replica `number`: the child of its supervisor loop (it may be restarting)."""
        with open(os.path.join(self.dir, f"app-{number}.pid")) as file:
            supervisor = int(file.read())
        for _ in range(50):
            try:
                with open(f"/proc/{supervisor}/task/{supervisor}/children") as file:
                    for pid in file.read().split():
                        with open(f"/proc/{pid}/comm") as comm:
                            if comm.read().strip() == "app":
                                return int(pid)
            except OSError:
                pass
            time.sleep(0.1)
        raise Refused(503, f"replica-{number} has no running app (its supervisor is {supervisor})")

    def haproxy_pid(self):
        with open(os.path.join(self.dir, "haproxy.pid")) as file:
            return int(file.read())

    def postgres(self):
        database = self.config.get("postgres")
        if not database:
            raise Refused(503, "the lab runs without PostgreSQL (--store sqlite); database faults need --store postgres")
        return database

    def psql(self, sql, url=None):
        database = self.postgres()
        environment = dict(os.environ, PGCONNECT_TIMEOUT="3")
        command = ["psql", url or database["admin_url"], "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", sql]
        return run(command, env=environment).stdout

    def is_app(self, pid):
        """True when `pid` is still an app a supervisor of this lab started (pids are reused)."""
        supervisors = set()
        for name in os.listdir(self.dir):
            if name.startswith("app-") and name.endswith(".pid"):
                with open(os.path.join(self.dir, name)) as file:
                    supervisors.add(file.read().strip())
        try:
            with open(f"/proc/{pid}/stat") as file:
                fields = file.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{pid}/comm") as file:
                return file.read().strip() == "app" and fields[1] in supervisors
        except OSError:
            return False

    def is_session(self, pid):
        """True when `pid` is still a psql this lab's keeper started for a fault."""
        try:
            with open(f"/proc/{pid}/environ", "rb") as file:
                return f"PGAPPNAME={self.comment}-fault-".encode() in file.read()
        except OSError:
            return False


# cgroups: v2 for the packet match (iptables -m cgroup --path), v1 for the CPU quota.
def cgroup2_root():
    with open("/proc/mounts") as mounts:
        for line in mounts:
            fields = line.split()
            if fields[2] == "cgroup2":
                return fields[1]
    raise Refused(503, "no cgroup v2 hierarchy is mounted: partition matches a process's packets by cgroup")


def cgroup1_root(controller):
    path = f"/sys/fs/cgroup/{controller}"
    if not os.path.isdir(path) or not os.access(path, os.W_OK):
        raise Refused(503, f"the cgroup v1 {controller} controller is not writable at {path} (run as root)")
    return path


def cgroup_of(pid, controller):
    """The cgroup path of `pid` in a v1 controller's hierarchy, or the v2 one (controller '')."""
    with open(f"/proc/{pid}/cgroup") as file:
        for line in file:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if controller in controllers.split(",") or (controller == "" and controllers == ""):
                return path
    return "/"


def local_ports(pids, port):
    """The local ports of the TCP connections `pids` hold open to 127.0.0.1:`port`."""
    listing = run(["ss", "-Htnp", "state", "established", "dst", f"127.0.0.1:{port}"]).stdout
    ports = set()
    for line in listing.splitlines():
        if any(f"pid={pid}," in line for pid in pids):
            ports.add(line.split()[2].rsplit(":", 1)[1])
    return sorted(ports)


def is_lab_data_fs(path):
    """True when `path` is the mount point of the small tmpfs lab.sh made for the database's data."""
    with open("/proc/mounts") as mounts:
        return any(fields[:3] == [DATA_FS_SOURCE, path, "tmpfs"] for fields in (line.split() for line in mounts))


def cgroup_procs(folder):
    """The pids in the cgroup `folder`, as strings; none when it is gone."""
    try:
        with open(os.path.join(folder, "cgroup.procs")) as file:
            return set(file.read().split())
    except OSError:
        return set()


def move(pid, folder):
    with open(os.path.join(folder, "cgroup.procs"), "w") as file:
        try:
            file.write(str(pid))
            file.flush()
        except ProcessLookupError:
            pass  # the process is gone, as a killed one is


def move_back(pid, root, origin):
    """Moves `pid` back to its cgroup `origin` under `root`, or to `root` when that one is gone."""
    for folder in (os.path.join(root, origin.lstrip("/")), root):
        try:
            move(pid, folder)
            return
        except OSError:
            continue


def in_lab_cgroup(pid, controller):
    """The lab fault's cgroup `pid` is in already, if any: two faults on one cgroup would undo each other."""
    path = cgroup_of(pid, controller)
    return path if "/incident-lab-" in path else None


def remove_cgroup(folder, root):
    """Moves what is left in `folder` back to `root` and removes it."""
    if not os.path.isdir(folder):
        return
    try:
        with open(os.path.join(folder, "cgroup.procs")) as file:
            for pid in file.read().split():
                move(pid, root)
    except OSError:
        pass
    for _ in range(50):
        try:
            os.rmdir(folder)
            break
        except FileNotFoundError:
            break
        except OSError:
            time.sleep(0.1)
    if os.path.basename(os.path.dirname(folder)).startswith("incident-lab-"):
        try:
            os.rmdir(os.path.dirname(folder))  # the lab's own folder, once its last fault is gone
        except OSError:
            pass


class Keeper:
    """The faults in force. `acting` lets one play or undo run at a time (two on one process would undo each
    other's work); `lock` guards the list only, so a listing never waits behind a slow play (pg_ctl)."""

    def __init__(self, lab):
        self.lab = lab
        self.acting = threading.Lock()
        self.lock = threading.Lock()
        self.faults = {}  # id -> fault dict (its JSON form) with private "undo", "_ends", "_retry" entries
        self.next_id = 1
        self.closing = False

    def save(self):
        """Writes the list for `sweep` (the lock held)."""
        path = self.lab.state_file
        with open(path + ".tmp", "w") as file:
            json.dump(list(self.faults.values()), file)
        os.replace(path + ".tmp", path)

    @staticmethod
    def check(request):
        """Refuses (400) what the catalog would: an unknown type or field, a duration out of bounds."""
        kind = request.get("type")
        if kind not in FIELDS:
            raise Refused(400, f"field 'type': '{kind}' is not a fault the keeper plays; one of: {', '.join(TYPES)}")
        unknown = sorted(set(request) - FIELDS[kind] - {"type", "duration_s"})
        if unknown:
            raise Refused(400, f"field '{unknown[0]}' does not apply to a {kind} fault")
        duration = request.get("duration_s", 300)
        if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not 0.001 <= duration <= 86400:
            raise Refused(400, "field 'duration_s' must be a number from 0.001 to 86400")
        return kind, duration

    def inject(self, request):
        kind, duration = self.check(request)
        with self.acting:
            with self.lock:
                if self.closing:
                    raise Refused(503, "the keeper is stopping")
                if kind in RESTARTS_DATABASE:
                    taken = [fault["id"] for fault in self.faults.values() if fault["type"] in RESTARTS_DATABASE]
                    if taken:
                        raise Refused(409, f"fault {taken[0]} stops or fills the database already: clear it first; "
                                           "the end of one would start the server under the other")
                fault_id = self.next_id
                self.next_id += 1
            started = time.monotonic()
            try:
                undo = getattr(self, "play_" + kind)(fault_id, request)
            except Refused:
                raise
            except (ValueError, TypeError) as error:
                raise Refused(400, f"the {kind} fault is malformed: {error}") from error
            except Exception as error:  # noqa: BLE001 - a fault half played is undone by its play step
                raise Refused(503, f"the keeper could not play {kind}: {error}") from error
            say(f"played fault {fault_id} ({kind}) in {time.monotonic() - started:.1f} s")
            activated = time.time()
            fault = dict(request)
            fault.update(
                id=fault_id, duration_s=duration, activated_at=now_rfc3339(activated),
                expires_at=now_rfc3339(activated + duration), undo=undo)
            fault["_ends"] = time.monotonic() + duration
            fault["_retry"] = 0  # every key now: the list is read under the lock while an undo sets this one
            with self.lock:
                self.faults[fault_id] = fault
                self.save()
        return self.public_form(fault)

    @staticmethod
    def public_form(fault):
        """The fault's JSON form, as the app's admin API writes it."""
        return {key: value for key, value in fault.items() if key != "undo" and not key.startswith("_")}

    def end(self, fault):
        """Undoes `fault` (`acting` held). It leaves the list only once undone; a failed undo keeps it listed,
        retried every few seconds, and returns the error."""
        started = time.monotonic()
        try:
            undo_fault(self.lab, fault["type"], fault["undo"])
        except Exception as error:  # noqa: BLE001 - said, kept, retried, and swept at lab.sh down
            fault["_retry"] = time.monotonic() + UNDO_RETRY_SECONDS
            say(f"undoing fault {fault['id']} ({fault['type']}) failed: {error}")
            return str(error)
        say(f"undid fault {fault['id']} ({fault['type']}) in {time.monotonic() - started:.1f} s")
        with self.lock:
            del self.faults[fault["id"]]
            self.save()
        return None

    def clear(self, fault_id):
        with self.acting:
            with self.lock:
                fault = self.faults.get(fault_id)
            if fault is None:
                return None
            error = self.end(fault)
        if error:
            raise Refused(503, f"undoing fault {fault_id} failed: {error}; it stays in force and listed, the keeper "
                               "retries, and scripts/lab.sh down sweeps it")
        return self.public_form(fault)

    def clear_all(self):
        with self.acting:
            with self.lock:
                faults = list(self.faults.values())
            failed = [fault["id"] for fault in faults if self.end(fault)]
        if failed:
            raise Refused(503, f"undoing fault(s) {failed} failed; they stay listed, and the keeper retries")
        return [self.public_form(fault) for fault in faults]

    def listing(self):
        with self.lock:
            return [self.public_form(fault) for fault in self.faults.values()]

    def expire(self):
        while True:
            time.sleep(0.1)
            try:
                with self.acting:
                    now = time.monotonic()
                    with self.lock:
                        due = [fault for fault in self.faults.values()
                               if fault["_ends"] <= now and fault.get("_retry", 0) <= now]
                    for fault in due:
                        self.end(fault)
            except Exception as error:  # noqa: BLE001 - the timer must outlive a failed save
                say(f"expiry: {error}")

    def stop(self):
        """Refuses new faults and undoes every one in force (SIGTERM)."""
        with self.lock:
            self.closing = True
        try:
            self.clear_all()
        except Refused as refused:
            say(f"{refused.message}; scripts/lab.sh down sweeps them")

    # --- the faults -----------------------------------------------------------------------------------

    def play_kill(self, fault_id, request):
        for number in self.lab.replicas(request.get("replica", 1)):
            os.kill(self.lab.replica_pid(number), signal.SIGKILL)
        return {}

    def play_pause(self, fault_id, request):
        pids = [self.lab.replica_pid(number) for number in self.lab.replicas(request.get("replica", 1))]
        stopped = []
        try:
            for pid in pids:
                os.kill(pid, signal.SIGSTOP)
                stopped.append(pid)
        except Exception:
            undo_fault(self.lab, "pause", {"pids": stopped})
            raise
        return {"pids": pids}

    def play_partition(self, fault_id, request):
        source, destination = request.get("from"), request.get("to")
        if source == "lb" and str(destination).startswith("replica-"):
            pids = [self.lab.haproxy_pid()]
            port = self.lab.config["replica_ports"][self.lab.replicas(int(destination[8:]))[0] - 1]
        elif str(source).startswith("replica-") and destination == "db":
            pids = [self.lab.replica_pid(self.lab.replicas(int(source[8:]))[0])]
            port = self.lab.postgres()["port"]
        else:
            raise Refused(400, "a partition is from=lb to=replica-N, or from=replica-N to=db")
        root = cgroup2_root()
        self.refuse_overlap(pids, "", f"a partition from {source}")
        folder = os.path.join(root, self.lab.comment, f"fault-{fault_id}")
        tagged = ["-m", "comment", "--comment", f"{self.lab.comment} fault {fault_id}", "-j", "DROP"]
        to_port = ["OUTPUT", "-p", "tcp", "-d", "127.0.0.1", "--dport", str(port)]
        # New connections by the process's cgroup; a socket keeps the cgroup it was made in, so the
        # connections open already (a pool's, HAProxy's keep-alive ones) by their own ports.
        rules = [to_port + ["-m", "cgroup", "--path", os.path.relpath(folder, root)] + tagged]
        rules += [to_port + ["--sport", local] + tagged for local in local_ports(pids, port)]
        if run(["iptables", "-w", "-L", "OUTPUT", "-n"], check=False).returncode != 0:
            raise Refused(503, "iptables cannot be used here (run as root, with the iptables package)")
        os.makedirs(folder, exist_ok=True)
        origins = {str(pid): cgroup_of(pid, "") for pid in pids}
        undo = {"rules": rules, "folder": folder, "root": root, "origins": origins}
        try:
            for pid in pids:
                move(pid, folder)
            for rule in rules:
                run(["iptables", "-w", "-I"] + rule)
        except Exception:
            undo_fault(self.lab, "partition", undo)
            raise
        return undo

    def play_db_down(self, fault_id, request):
        run(pg_ctl(self.lab) + ["-m", "fast", "-w", "stop"])
        return {}

    def sessions(self, fault_id, sql, url, wanted):
        """Starts psql sessions named for the fault, each running `sql`, as `wanted(active, connecting,
        started)` asks: how many more to start now (0: wait for those connecting), or None once the fault is
        in force. Gives up after 15 s, ending what it started."""
        name = f"{self.lab.comment}-fault-{fault_id}"
        environment = dict(os.environ, PGAPPNAME=name, PGCONNECT_TIMEOUT="3")
        processes = []
        undo = {"application_name": name, "pids": []}
        deadline = time.time() + 15
        active = 0
        try:
            while time.time() < deadline:
                active = int(self.lab.psql(
                    f"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{name}' AND state = 'active'"))
                connecting = sum(process.poll() is None for process in processes) - active
                more = wanted(active, connecting, len(processes))
                if more is None:
                    return undo
                for _ in range(more):
                    process = subprocess.Popen(["psql", url, "-qAtX", "-c", sql], env=environment,
                                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                    processes.append(process)
                    undo["pids"].append(process.pid)
                time.sleep(0.1)
        except BaseException:
            undo_fault(self.lab, "db_lock", undo)  # the sessions started so far, which no fault lists
            raise
        ended = [process for process in processes if process.poll() is not None]
        why = ended[0].stderr.read().strip()[:200] if ended else "nothing"
        undo_fault(self.lab, "db_lock", undo)
        raise Refused(503, f"the database sessions of the fault did not start ({name}): {active} active, "
                           f"{len(ended)} of {len(processes)} ended (the first said: {why or 'nothing'})")

    def free_slots(self):
        """Connection slots a non-superuser may still take, not counting the session that asks."""
        return int(self.lab.psql(
            "SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int"
            " - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
            " AND pid <> pg_backend_pid())"))

    def play_db_lock(self, fault_id, request):
        database = self.lab.postgres()
        sql = "BEGIN; LOCK TABLE note IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(86400);"

        def one_session(active, connecting, started):
            return None if active else 0 if started else 1

        return self.sessions(fault_id, sql, database["admin_url"].rsplit("/", 1)[0] + "/app", one_session)

    def refuse_overlap(self, pids, controller, what):
        for pid in pids:
            taken = in_lab_cgroup(pid, controller)
            if taken:
                raise Refused(409, f"{what} is in force already ({taken}): clear it first; two faults on one "
                                   "process would undo each other")

    def play_db_connections(self, fault_id, request):
        database = self.lab.postgres()
        free = self.free_slots()
        if free <= 0:
            raise Refused(409, "no connection slot is free already")
        limit = 3 * database["max_connections"]

        def every_slot(active, connecting, started):
            # A slot another client took meanwhile is as good as one of these; one a client let go is taken
            # by a new session.
            free = self.free_slots()
            if active and free <= 0:
                return None
            return free if connecting <= 0 and started + free <= limit else 0

        # As the app's role, so that the sessions take the slots the replicas use, not the superuser's.
        return self.sessions(fault_id, "SELECT pg_sleep(86400);", database["app_url"], every_slot)

    def play_cpu_throttle(self, fault_id, request):
        cpus = request.get("cpus", 0.1)
        if isinstance(cpus, bool) or not isinstance(cpus, (int, float)) or not 0.01 <= cpus <= 1:
            raise Refused(400, "field 'cpus' must be a number from 0.01 to 1")
        root = cgroup1_root("cpu")
        pids = [self.lab.replica_pid(number) for number in self.lab.replicas(request.get("replica", 1))]
        self.refuse_overlap(pids, "cpu", "a cpu_throttle of that replica")
        folder = os.path.join(root, self.lab.comment, f"fault-{fault_id}")
        undo = {"folder": folder, "root": root, "origins": {str(pid): cgroup_of(pid, "cpu") for pid in pids}}
        try:
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, "cpu.cfs_period_us"), "w") as file:
                file.write(str(CPU_PERIOD_US))
            with open(os.path.join(folder, "cpu.cfs_quota_us"), "w") as file:
                file.write(str(round(cpus * CPU_PERIOD_US)))
            for pid in pids:
                move(pid, folder)
        except Exception:
            undo_fault(self.lab, "cpu_throttle", undo)
            raise
        return undo

    def play_disk_full(self, fault_id, request):
        data = self.lab.postgres()["data"]
        if not is_lab_data_fs(data):
            raise Refused(503, f"the database's data ({data}) is not on a file system of the lab's own: run "
                               "scripts/lab.sh up as root, which mounts a small tmpfs there; disk_full never fills "
                               "the machine's disk")
        ballast = os.path.join(data, f"{self.lab.comment}-ballast-{fault_id}")
        undo = {"ballast": ballast}
        try:
            descriptor = os.open(ballast, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                # Big blocks, then small ones, until the file system says it is full.
                for block in (bytes(1 << 20), bytes(4096)):
                    while True:
                        try:
                            os.write(descriptor, block)
                        except OSError as error:
                            if error.errno != errno.ENOSPC:
                                raise
                            break
            finally:
                os.close(descriptor)
        except Exception:
            undo_fault(self.lab, "disk_full", undo)
            raise
        return undo

    def play_oom(self, fault_id, request):
        root = cgroup1_root("memory")
        numbers = self.lab.replicas(request.get("replica", 1))
        pids = [self.lab.replica_pid(number) for number in numbers]
        self.refuse_overlap(pids, "memory", "an oom of that replica")
        folder = os.path.join(root, self.lab.comment, f"fault-{fault_id}")
        undo = {"folder": folder, "root": root, "origins": {str(pid): cgroup_of(pid, "memory") for pid in pids},
                "leaks": []}
        try:
            # The leaks first, answered before any cap can end a replica; then the cap.
            leak = dict(OOM_LEAK, duration_s=request.get("duration_s", 300))
            for number, pid in zip(numbers, pids):
                port = self.lab.config["replica_ports"][number - 1]
                undo["leaks"].append([port, app_admin(self.lab, port, "POST", "/admin/faults", leak)["id"], pid])
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, "memory.swappiness"), "w") as file:
                file.write("0")  # where the machine has swap, the kernel kills rather than swaps
            for pid in pids:
                move(pid, folder)
            # What the processes held stays charged where it was; the cap counts from what they take now.
            with open(os.path.join(folder, "memory.usage_in_bytes")) as file:
                cap = int(file.read()) + OOM_HEADROOM_BYTES
            with open(os.path.join(folder, "memory.limit_in_bytes"), "w") as file:
                file.write(str(cap))
        except Exception:
            undo_fault(self.lab, "oom", undo)
            raise
        return undo


def app_admin(lab, port, method, path, body=None):
    """One request to a replica's own admin API, with the lab's token; its JSON answer."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", method=method, data=json.dumps(body).encode() if body else None,
        headers={"Authorization": f"Bearer {lab.config['token']}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return json.load(answer)
    except urllib.error.HTTPError as error:
        raise Refused(503, f"the app on port {port} answered {method} {path} with {error.code}: "
                           f"{error.read()[:300].decode(errors='replace')}") from None


def pg_ctl(lab):
    """pg_ctl on the lab's cluster, as the postgres user (PostgreSQL refuses root)."""
    database = lab.postgres()
    return ["runuser", "-u", "postgres", "--", os.path.join(database["bin"], "pg_ctl"), "-D", database["data"]]


def start_postgres(lab):
    """Starts the lab's PostgreSQL again, as lab.sh did, unless it runs."""
    database = lab.postgres()
    if run(pg_ctl(lab) + ["status"], check=False).returncode != 0:
        options = (f"-p {database['port']} -k {database['dir']} -c listen_addresses=127.0.0.1 "
                   f"-c max_connections={database['max_connections']}")
        run(pg_ctl(lab) + ["-l", os.path.join(database["dir"], "server.log"), "-w", "-o", options, "start"])


def undo_fault(lab, kind, undo):
    """Undoes one fault from what its play step kept; safe to run twice."""
    if kind == "pause":
        for pid in undo.get("pids", []):
            if lab.is_app(pid):  # a pid the state file kept may be another process's by now
                os.kill(pid, signal.SIGCONT)
    elif kind in ("partition", "cpu_throttle", "oom"):
        for port, leak, pid in undo.get("leaks", []):
            # Only on the app that leaks: one the supervisor restarted numbers its own faults from 1 again.
            if lab.is_app(pid):
                try:
                    app_admin(lab, port, "DELETE", f"/admin/faults/{leak}")
                except (OSError, Refused):
                    pass  # it ended meanwhile, and its leak with it
        try:
            for rule in undo.get("rules", []):
                while run(["iptables", "-w", "-D"] + rule, check=False).returncode == 0:
                    pass
                if run(["iptables", "-w", "-C"] + rule, check=False).returncode == 0:
                    raise Refused(503, f"the rule {' '.join(rule)} is still in force")
            inside = cgroup_procs(undo["folder"])
            for pid, origin in undo.get("origins", {}).items():
                if pid in inside:  # one that left (an app the OOM killer ended) may be another process's pid now
                    move_back(pid, undo["root"], origin)
        finally:
            remove_cgroup(undo["folder"], undo["root"])
    elif kind == "db_down":
        start_postgres(lab)
    elif kind == "disk_full":
        try:
            os.remove(undo["ballast"])
        except FileNotFoundError:
            pass
        start_postgres(lab)  # a WAL write that found the disk full stops the server (PANIC)
    elif kind in ("db_lock", "db_connections"):
        try:
            lab.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                     f"WHERE application_name = '{undo['application_name']}'")
        except Refused:
            pass  # the database is down: the sessions are gone with it
        for pid in undo.get("pids", []):
            if lab.is_session(pid):
                os.kill(pid, signal.SIGTERM)


def sweep(lab):
    """Undoes everything a keeper of this lab left in force: its state file's faults, then any rule, cgroup
    or database session carrying the lab's name."""
    try:
        with open(lab.state_file) as file:
            faults = json.load(file)
    except (OSError, ValueError):
        faults = []
    failed = []
    for fault in faults:
        try:
            undo_fault(lab, fault["type"], fault["undo"])
        except Exception as error:  # noqa: BLE001 - said, and kept in the state file for the next sweep
            say(f"sweep: fault {fault['id']} ({fault['type']}): {error}")
            failed.append(fault)
    rules = run(["iptables", "-w", "-S", "OUTPUT"], check=False).stdout.splitlines()
    for rule in rules:
        if lab.comment in rule and rule.startswith("-A OUTPUT "):
            run(["iptables", "-w", "-D"] + shlex.split(rule[3:]), check=False)
    roots = []
    try:
        roots.append(cgroup2_root())
    except Refused:
        pass
    roots += [f"/sys/fs/cgroup/{controller}" for controller in CGROUP1_CONTROLLERS]
    for root in roots:
        parent = os.path.join(root, lab.comment)
        if os.path.isdir(parent):
            for child in os.listdir(parent):
                if os.path.isdir(os.path.join(parent, child)):
                    remove_cgroup(os.path.join(parent, child), root)
            remove_cgroup(parent, root)
    for ballast in ballasts(lab):
        try:
            os.remove(ballast)
        except OSError as error:
            say(f"sweep: {ballast}: {error}")
            failed.append({"id": None, "type": "disk_full", "undo": {"ballast": ballast}})
    if lab.config.get("postgres"):
        try:
            lab.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                     f"WHERE application_name LIKE '{lab.comment}-fault-%'")
        except Refused:
            pass
    with open(lab.state_file, "w") as file:
        json.dump(failed, file)
    return not failed


def ballasts(lab):
    """The disk_full ballast files in the database's data folder."""
    database = lab.config.get("postgres")
    if not database or not os.path.isdir(database["data"]):
        return []
    prefix = f"{lab.comment}-ballast-"
    return [os.path.join(database["data"], name) for name in os.listdir(database["data"]) if name.startswith(prefix)]


def leftovers(lab):
    """What of the lab's faults is still in force on the machine, for `lab.sh status`."""
    found = [f"ballast: {ballast}" for ballast in ballasts(lab)]
    for rule in run(["iptables", "-w", "-S", "OUTPUT"], check=False).stdout.splitlines():
        if lab.comment in rule:
            found.append(f"iptables rule: {rule}")
    roots = [f"/sys/fs/cgroup/{controller}" for controller in CGROUP1_CONTROLLERS]
    try:
        roots.append(cgroup2_root())
    except Refused:
        pass
    for root in roots:
        parent = os.path.join(root, lab.comment)
        if os.path.isdir(parent):
            found += [f"cgroup: {os.path.join(parent, child)}" for child in os.listdir(parent)
                      if os.path.isdir(os.path.join(parent, child))]
    return found


class Handler(http.server.BaseHTTPRequestHandler):
    keeper = None
    token = ""
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        say(f"{self.command} {self.path} {args[1] if len(args) > 1 else ''}")

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, message):
        self.answer(status, {"error": {"message": message}})

    def authorised(self):
        given = self.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode()):
            return True
        self.error(401, "a bearer token is required: the lab's APP_ADMIN_TOKEN")
        return False

    def do_GET(self):  # noqa: N802 - the base class's name
        if not self.authorised():
            return
        if self.path == "/admin/faults":
            self.answer(200, {"faults": self.keeper.listing()})
        else:
            self.error(404, f"no route {self.path}")

    def do_POST(self):  # noqa: N802
        if not self.authorised():
            return
        if self.path != "/admin/faults":
            return self.error(404, f"no route {self.path}")
        length = int(self.headers.get("Content-Length") or 0)
        if length > 16 * 1024:
            return self.error(413, "a fault request is at most 16 KiB")
        try:
            request = json.loads(self.rfile.read(length) or b"null")
            if not isinstance(request, dict):
                raise ValueError
        except ValueError:
            return self.error(400, "a fault must be a JSON object, such as {\"type\":\"kill\",\"replica\":1}")
        try:
            fault = self.keeper.inject(request)
        except Refused as refused:
            return self.error(refused.status, refused.message)
        self.send_response(201)
        data = json.dumps(fault).encode()
        self.send_header("Content-Type", "application/json")
        self.send_header("Location", f"/admin/faults/{fault['id']}")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_DELETE(self):  # noqa: N802
        if not self.authorised():
            return
        prefix = "/admin/faults/"
        try:
            if self.path == "/admin/faults":
                return self.answer(200, {"faults": self.keeper.clear_all()})
            if not (self.path.startswith(prefix) and self.path[len(prefix):].isdigit()):
                return self.error(404, f"no route {self.path}")
            fault = self.keeper.clear(int(self.path[len(prefix):]))
        except Refused as refused:
            return self.error(refused.status, refused.message)
        if fault is None:
            return self.error(404, f"no fault {self.path[len(prefix):]} is in force; GET /admin/faults lists them")
        self.answer(200, fault)


def serve(lab):
    keeper = Keeper(lab)
    sweep(lab)  # a keeper that died before leaves nothing behind for this one
    Handler.keeper = keeper
    Handler.token = lab.config["token"]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", lab.config["port"]), Handler)
    threading.Thread(target=keeper.expire, daemon=True).start()

    def stop(signum, frame):
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    say(f"listening on 127.0.0.1:{lab.config['port']}")
    server.serve_forever()
    keeper.stop()
    say("stopped")


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("serve", "sweep", "leftovers"):
        print("usage: lab_keeper.py serve|sweep|leftovers CONFIG", file=sys.stderr)
        return 64
    lab = Lab(sys.argv[2])
    if sys.argv[1] == "serve":
        serve(lab)
    elif sys.argv[1] == "sweep":
        return 0 if sweep(lab) else 1
    else:
        for line in leftovers(lab):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
