#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on a free loopback port, for tests and benchmarks (Debian's `postgresql`).
#
#   scripts/throwaway-postgres.sh start DIR   # makes DIR, starts the cluster, prints its URI (a superuser's)
#   scripts/throwaway-postgres.sh stop DIR    # stops it and removes DIR
#
# POSTGRES_MAX_CONNECTIONS sets the server's max_connections (default 300: the test suites run in parallel, each
# test on a database of its own, and each CLI process and server they start holds its connections).
# POSTGRES_DATA_FS_MB=N puts the data on a tmpfs of N MiB of its own (root only), so that the lab's disk_full
# fault fills that file system and never the machine's; WAL is kept small to fit.
#
# It runs as the unprivileged postgres user when started by root (PostgreSQL refuses root), with password
# (scram-sha-256) authentication on 127.0.0.1 only; DIR holds the data, the socket, the log and the password.
set -euo pipefail
action=${1:-}
dir=${2:-}
[[ ($action == start || $action == stop) && -n $dir ]] || {
    echo "usage: $0 start|stop DIR" >&2
    exit 64
}
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -1)
[[ -x $pg_bin/initdb ]] || {
    echo "$0: PostgreSQL's server is not installed (Debian: apt-get install postgresql)" >&2
    exit 69
}
as_owner() {
    # From /, which the postgres user can enter whatever folder the caller is in.
    if [[ $(id -u) == 0 ]]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}
if [[ $action == stop ]]; then
    [[ -d $dir/data ]] && as_owner "$pg_bin/pg_ctl" -D "$dir/data" -m fast stop > /dev/null 2>&1 || true
    if mountpoint -q "$dir/data"; then umount "$dir/data" || umount -l "$dir/data"; fi
    rm -rf "$dir"
    exit 0
fi
mkdir -p "$dir"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
password=$(python3 -c 'import secrets; print(secrets.token_hex(12))')
echo "$password" > "$dir/password"
[[ $(id -u) == 0 ]] && chown -R postgres "$dir"
if [[ -n ${POSTGRES_DATA_FS_MB:-} ]]; then
    [[ $(id -u) == 0 ]] || {
        echo "$0: POSTGRES_DATA_FS_MB needs root (it mounts a tmpfs)" >&2
        exit 77
    }
    mkdir -p "$dir/data"
    # Root without the right to mount (a container's root): the data on the machine's disk, and the lab's
    # disk_full fault refused.
    if ! mount -t tmpfs -o "size=${POSTGRES_DATA_FS_MB}m,mode=0700,uid=$(id -u postgres),gid=$(id -g postgres)" \
        incident-postgres-data "$dir/data"; then
        echo "$0: cannot mount a tmpfs for the data; it goes on the machine's disk" >&2
        chown postgres "$dir/data"
    fi
fi
as_owner "$pg_bin/initdb" -D "$dir/data" -U postgres --auth-host=scram-sha-256 --auth-local=peer \
    --pwfile="$dir/password" > "$dir/initdb.log"
if mountpoint -q "$dir/data"; then
    printf 'min_wal_size = 32MB\nmax_wal_size = 64MB\n' >> "$dir/data/postgresql.conf"
fi
as_owner "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=${POSTGRES_MAX_CONNECTIONS:-300}" \
    start > /dev/null
echo "postgres://postgres:$password@127.0.0.1:$port/postgres"
