#!/usr/bin/env bash
# Builds the committed Dockerfile with podman, runs the image on a loopback port and checks it: healthy,
# not root, serving, breakable through its admin API, `incident` inside, clean stop within 10 s.
#
# Where the Dockerfile's base images cannot be pulled (no registry access), local stand-ins are made under
# the exact names it uses, once per machine, and kept in podman's image store for later runs:
#   docker.io/library/debian:bookworm-slim  a `debootstrap --variant=minbase bookworm` root file system
#   docker.io/library/swift:6.3-bookworm    that plus the official image's packages; this machine's Swift
#                                           toolchain and package mirror are bound in at build time
#
# Every base image the Dockerfile names must be present or pullable; only those two get stand-ins.
#
#   scripts/container-test.sh            (as root; needs podman, and debootstrap for the stand-ins)
#   DOCKERFILE=broken.Dockerfile scripts/container-test.sh     checks another Dockerfile (a pipeline game day)
set -euo pipefail
cd "$(dirname "$0")/.."

DOCKERFILE=${DOCKERFILE:-Dockerfile}
IMAGE=localhost/incident-app:ci
RUNTIME_BASE=docker.io/library/debian:bookworm-slim
BUILDER_BASE=docker.io/library/swift:6.3-bookworm
STANDIN_LABEL=org.incident.standin
# Stand-ins are remade when this changes: bump the number after changing how they are made.
STANDIN_RECIPE=2-$(sha256sum scripts/container/swift-standin.Containerfile | cut -c1-12)
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
TOKEN=container-test-token-$RANDOM$RANDOM
CONTAINER=incident-app-ci-$$
# What this machine needs to run containers (see README, Container).
PODMAN=(podman --runtime runc)
LIMITS=(--ulimit nofile=1024:20000 --ulimit nproc=4096:4096)

step() { printf '\n== %s\n' "$*"; CURRENT_STEP=$*; }
fail() { printf '\ncontainer test FAILED at step "%s": %s\n' "$CURRENT_STEP" "$*" >&2; exit 1; }
cleanup() {
    local status=$?
    if "${PODMAN[@]}" container exists "$CONTAINER" 2>/dev/null; then
        if [ "$status" -ne 0 ]; then
            echo "-- last log lines of $CONTAINER:" >&2
            "${PODMAN[@]}" logs --tail 20 "$CONTAINER" >&2 || true
        fi
        "${PODMAN[@]}" rm --force --time 0 "$CONTAINER" >/dev/null 2>&1 || true
    fi
    [ -n "${WORK:-}" ] && rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
CURRENT_STEP="start"
WORK=$(mktemp -d)

# The stand-in recipe the image `$1` was made by; empty or `<no value>` for a real image.
standin_label() {
    "${PODMAN[@]}" image inspect --format "{{ index .Labels \"$STANDIN_LABEL\" }}" "$1"
}

# True when the image `$1` exists and is either the real one or a stand-in made by this recipe.
usable() {
    local label
    "${PODMAN[@]}" image exists "$1" || return 1
    label=$(standin_label "$1")
    [ -z "$label" ] || [ "$label" = "<no value>" ] || [ "$label" = "$STANDIN_RECIPE" ]
}

is_standin() {
    [ "$(standin_label "$1")" = "$STANDIN_RECIPE" ]
}

# The runtime stand-in: a debootstrap root file system made like the official slim image.
make_runtime_standin() {
    command -v debootstrap >/dev/null || fail "debootstrap is not installed (apt-get install debootstrap)"
    debootstrap --variant=minbase bookworm "$WORK/rootfs" "$DEBIAN_MIRROR" >"$WORK/debootstrap.log" 2>&1 \
        || { tail -5 "$WORK/debootstrap.log" >&2; fail "debootstrap failed"; }
    # As the official slim image: its package sources, apt and dpkg settings that keep caches and
    # documentation out of every layer, and none of either to begin with.
    rm -f "$WORK/rootfs/etc/apt/sources.list"
    cat >"$WORK/rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    cat >"$WORK/rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
EOF
    cat >"$WORK/rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $DEBIAN_MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${DEBIAN_MIRROR%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    rm -rf "$WORK"/rootfs/usr/share/{doc,man,info,locale,lintian} "$WORK"/rootfs/var/lib/apt/lists/* \
        "$WORK"/rootfs/var/cache/apt/*
    tar -C "$WORK/rootfs" -c . | "${PODMAN[@]}" import --quiet \
        --change 'CMD ["bash"]' --change "LABEL $STANDIN_LABEL=$STANDIN_RECIPE" - "$RUNTIME_BASE" >/dev/null
    rm -rf "$WORK/rootfs"
}

# The builder stand-in: the runtime stand-in plus the official Swift image's packages.
make_builder_standin() {
    [ -x /opt/swift/usr/bin/swift ] || fail "no Swift toolchain at /opt/swift to stand in for $BUILDER_BASE"
    ensure_base_image "$RUNTIME_BASE" make_runtime_standin
    "${PODMAN[@]}" build --quiet --pull=never --format docker --network host "${LIMITS[@]}" \
        --label "$STANDIN_LABEL=$STANDIN_RECIPE" --tag "$BUILDER_BASE" \
        --file scripts/container/swift-standin.Containerfile scripts/container >/dev/null \
        || fail "could not build the $BUILDER_BASE stand-in"
}

# Makes sure the base image `$1` exists: present (real or a current stand-in), pulled, or made by `$2`
# (none for an image that has no stand-in).
ensure_base_image() {
    if usable "$1"; then
        echo "$1: present"
    elif "${PODMAN[@]}" pull --quiet "$1" >/dev/null 2>&1; then
        echo "$1: pulled"
    elif [ -n "$2" ]; then
        echo "$1: cannot be pulled; making a local stand-in"
        "$2"
        echo "$1: stand-in made"
    else
        fail "the base image $1 in $DOCKERFILE is not here and cannot be pulled: does that tag exist?"
    fi
}

# The images the Dockerfile's FROM lines name (not its own stages, nor scratch), as podman names them:
# debian:bookworm-slim is docker.io/library/debian:bookworm-slim.
base_images() {
    awk 'toupper($1) == "FROM" {
             image = $2; for (i = 2; i <= NF; i++) if ($i !~ /^--/) { image = $i; break }
             if (!(image in stages) && image != "scratch") print image
             if (toupper($(NF - 1)) == "AS") stages[$NF] = 1
         }' "$DOCKERFILE" | while read -r image; do
        case $image in
            *.*/* | localhost/*) echo "$image" ;;
            */*) echo "docker.io/$image" ;;
            *) echo "docker.io/library/$image" ;;
        esac
    done
}

step "base images"
[ -f "$DOCKERFILE" ] || fail "no Dockerfile at $DOCKERFILE"
for image in $(base_images); do
    case $image in
        "$RUNTIME_BASE") ensure_base_image "$image" make_runtime_standin ;;
        "$BUILDER_BASE") ensure_base_image "$image" make_builder_standin ;;
        *) ensure_base_image "$image" "" ;;
    esac
done

step "build the image from the Dockerfile"
BUILD_ARGS=(--pull=never --format docker --network host "${LIMITS[@]}" --tag "$IMAGE")
if is_standin "$BUILDER_BASE"; then
    BUILD_ARGS+=(--volume /opt/swift:/opt/swift:ro --volume /opt/swift-packages:/opt/swift-packages:ro)
fi
BUILD_START=$(date +%s)
"${PODMAN[@]}" build "${BUILD_ARGS[@]}" --file "$DOCKERFILE" . || fail "podman build failed"
BUILD_SECONDS=$(($(date +%s) - BUILD_START))
SIZE=$("${PODMAN[@]}" image inspect --format '{{.Size}}' "$IMAGE")
echo "built in ${BUILD_SECONDS} s; image size $((SIZE / 1000000)) MB ($SIZE bytes)"

step "image configuration: HEALTHCHECK kept, non-root user, port 8080"
HEALTHCHECK=$("${PODMAN[@]}" image inspect --format '{{json .Config.Healthcheck}}' "$IMAGE")
echo "healthcheck: $HEALTHCHECK"
case $HEALTHCHECK in *healthcheck*) ;; *) fail "the image has no HEALTHCHECK running 'app healthcheck'" ;; esac
USER_ID=$("${PODMAN[@]}" image inspect --format '{{.Config.User}}' "$IMAGE")
case ${USER_ID%%:*} in "" | 0 | root) fail "the image runs as root (USER '$USER_ID')" ;; esac
"${PODMAN[@]}" image inspect --format '{{json .Config.ExposedPorts}}' "$IMAGE" | grep -q '8080/tcp' \
    || fail "the image does not EXPOSE 8080"

step "run on a loopback port"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Without systemd, podman cannot schedule health checks and complains on every start and stop; the checks
# are run by hand below, and its messages shown only when a step fails.
"${PODMAN[@]}" run --detach --name "$CONTAINER" "${LIMITS[@]}" --publish "127.0.0.1:$PORT:8080" \
    --env APP_ADMIN_TOKEN="$TOKEN" "$IMAGE" >/dev/null 2>"$WORK/podman.err" || { cat "$WORK/podman.err" >&2; fail "podman run failed"; }
URL=http://127.0.0.1:$PORT
for _ in $(seq 1 50); do curl --silent --fail "$URL/livez" >/dev/null && break; sleep 0.2; done

step "health check reports healthy"
for _ in $(seq 1 20); do
    "${PODMAN[@]}" healthcheck run "$CONTAINER" >/dev/null 2>&1 && break
    sleep 0.5
done
STATUS=$("${PODMAN[@]}" inspect --format '{{.State.Health.Status}}' "$CONTAINER")
if [ "$STATUS" != healthy ]; then
    LAST=$("${PODMAN[@]}" inspect --format \
        '{{range .State.Health.Log}}{{.ExitCode}}: {{.Output}}{{"\n"}}{{end}}' "$CONTAINER" | grep . | tail -1)
    fail "health status is '$STATUS'; the HEALTHCHECK's last answer: exit ${LAST:-none}"
fi
echo "health: $STATUS"

step "runs as a non-root user"
# The image has no shell and no `id`: the service's process is read on this side.
PID=$("${PODMAN[@]}" inspect --format '{{.State.Pid}}' "$CONTAINER")
UIDS=$(awk '$1 == "Uid:" { print $2, $3, $4, $5 }' "/proc/$PID/status") || fail "cannot read /proc/$PID/status"
echo "uids (real, effective, saved, file system): $UIDS"
for uid in $UIDS; do [ "$uid" != 0 ] || fail "the service runs as root: $UIDS"; done

step "GET / and /readyz answer"
curl --silent --show-error --fail "$URL/" || fail "GET / failed"
echo
curl --silent --show-error --fail "$URL/readyz" || fail "GET /readyz failed"
echo

step "an error fault through the admin API shows in /metrics"
curl --silent --show-error --fail -X POST "$URL/admin/faults" -H "Authorization: Bearer $TOKEN" \
    -d '{"type":"error","status":503,"route":"/api/*","duration_s":60}' || fail "POST /admin/faults failed"
echo
CODE=$(curl --silent --output /dev/null --write-out '%{http_code}' "$URL/api/notes")
[ "$CODE" = 503 ] || fail "GET /api/notes answered $CODE under the error fault, not 503"
METRICS=$(curl --silent --show-error --fail "$URL/metrics") || fail "GET /metrics failed"
grep -E '^app_faults_injected_total\{type="error"\} [1-9]' <<<"$METRICS" || fail "no injected error in /metrics"
grep -E '^http_requests_total\{method="GET",route="/api/notes",status="503"\} [1-9]' <<<"$METRICS" \
    || fail "the 503 is not in http_requests_total"

step "incident and incident-serve run inside the image"
# Each output is read whole before a line of it is shown: `| head` would close the pipe while the command
# still writes, and under pipefail its SIGPIPE would fail the check now and then.
HELP=$("${PODMAN[@]}" exec "$CONTAINER" incident --help) || fail "incident --help failed"
head -3 <<<"$HELP"
"${PODMAN[@]}" exec "$CONTAINER" incident --version || fail "incident --version failed"
HELP=$("${PODMAN[@]}" exec "$CONTAINER" incident-serve --help) || fail "incident-serve --help failed"
head -1 <<<"$HELP"
# The image's own store, and libpq loaded with what it needs to find a host: a postgres:// store that is not
# there, by address and by a name from /etc/hosts, is refused as unreachable (69: connection refused), not
# as a missing library or an unknown host.
"${PODMAN[@]}" exec "$CONTAINER" incident open "container check" --at 2026-01-01T00:00:00Z -q >/dev/null \
    || fail "incident open failed in the image"
"${PODMAN[@]}" exec "$CONTAINER" incident list | grep -q "container check" || fail "incident list lost the record"
for host in 127.0.0.1 localhost; do
    set +e
    PG_ERR=$("${PODMAN[@]}" exec "$CONTAINER" incident list --db "postgres://nobody@$host:1/none" 2>&1)
    PG_STATUS=$?
    set -e
    echo "postgres at $host unreachable: exit $PG_STATUS, $PG_ERR"
    [ "$PG_STATUS" = 69 ] && [[ $PG_ERR == *"Connection refused"* ]] \
        || fail "a postgres:// store at $host that is not there gave exit $PG_STATUS, not 69 and refused: $PG_ERR"
done

step "podman stop ends it with exit 0 within 10 s"
STOP_START=$(date +%s%N)
"${PODMAN[@]}" stop --time 10 "$CONTAINER" >/dev/null 2>"$WORK/podman.err" || { cat "$WORK/podman.err" >&2; fail "podman stop failed"; }
STOP_MS=$((($(date +%s%N) - STOP_START) / 1000000))
EXIT_CODE=$("${PODMAN[@]}" inspect --format '{{.State.ExitCode}}' "$CONTAINER")
echo "stopped in $STOP_MS ms, exit code $EXIT_CODE"
[ "$EXIT_CODE" = 0 ] || fail "exit code $EXIT_CODE after podman stop"
[ "$STOP_MS" -lt 10000 ] || fail "took $STOP_MS ms to stop"
"${PODMAN[@]}" logs "$CONTAINER" 2>/dev/null | tail -1 | grep -q '"message":"stopped"' \
    || fail "the last log line is not the service's 'stopped'"

# Old builds of this image and their build stages are left untagged by each new build: remove them.
"${PODMAN[@]}" image prune --force >/dev/null

printf '\ncontainer test passed: image %s, %s MB, built in %s s, stopped in %s ms\n' \
    "$IMAGE" "$((SIZE / 1000000))" "$BUILD_SECONDS" "$STOP_MS"
