# The service under test (`app`), the `incident` CLI and its receiver (`incident-serve`) in one small image.
#   docker build -t incident-app .
#   docker run --rm -p 8080:8080 -e APP_ADMIN_TOKEN=change-me incident-app
# The three are one multi-call binary (incident-multicall, told apart by argv[0]) that links the Swift standard
# library and Foundation statically: the runtime and Foundation's ICU data (34 MB) are in the image once, not
# once per program. The runtime stage starts from scratch and holds that binary, the shared libraries it and
# libpq load (read off `ldd`), the time zone database and a user: no shell, no package manager, 231 MB to
# 103 MB. The binary is stripped: no Swift backtracer is in the image to symbolicate a crash with anyway.

# ---- build: the official Swift toolchain image ----
FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libsqlite3-dev libpq5 tzdata ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies are resolved, at the pinned versions, in a layer of their own: it is rebuilt only when
# Package.swift or Package.resolved changes.
COPY Package.swift Package.resolved ./
RUN swift package resolve
COPY Sources ./Sources
COPY app ./app
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib --product incident-multicall \
    && install -D --strip "$(swift build -c release --show-bin-path)/incident-multicall" /rootfs/usr/local/bin/incident \
    && ln -s incident /rootfs/usr/local/bin/app \
    && ln -s incident /rootfs/usr/local/bin/incident-serve
# The runtime's root file system: the libraries the binary needs and the ones libpq (loaded on first use of a
# postgres:// store) needs, found by ldd (a library it cannot find fails the build), with a loader cache; name
# lookup through /etc/hosts, then DNS; CA certificates (for libpq's sslrootcert); zoneinfo for TZ; a user;
# /tmp for SQLite. Paths follow the build machine's architecture.
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN LIBS=/usr/lib/"$(uname -m)"-linux-gnu \
    && { ldd /rootfs/usr/local/bin/incident && ldd "$LIBS"/libpq.so.5; } > /tmp/needed \
    && if grep 'not found' /tmp/needed; then echo "ldd: a library is missing" >&2; exit 1; fi \
    && LOADER=$(awk '$1 ~ /^\/.*ld-linux/ { print $1; exit }' /tmp/needed) \
    && mkdir -p /rootfs"$LIBS" /rootfs"$(dirname "$LOADER")" /rootfs/etc/ssl/certs /rootfs/usr/share \
    && awk '$2 == "=>" && $3 ~ /^\// { print $3 }' /tmp/needed | sort -u \
        | xargs -I {} cp --dereference {} /rootfs"$LIBS"/ \
    && cp --dereference "$LIBS"/libpq.so.5 /rootfs"$LIBS"/ \
    && cp --dereference "$LOADER" /rootfs"$LOADER" \
    && echo "$LIBS" > /rootfs/etc/ld.so.conf \
    && ldconfig -r /rootfs \
    && printf 'passwd: files\ngroup: files\nhosts: files dns\n' > /rootfs/etc/nsswitch.conf \
    && cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ \
    && cp -a /usr/share/zoneinfo /rootfs/usr/share/ \
    && printf 'root:x:0:0:root:/root:/usr/sbin/nologin\napp:x:10001:10001::/data:/usr/sbin/nologin\n' > /rootfs/etc/passwd \
    && printf 'root:x:0:\napp:x:10001:\n' > /rootfs/etc/group \
    && install -d -m 1777 /rootfs/tmp \
    && install -d /owned/data

# ---- runtime: only what the binary loads, non-root ----
FROM scratch
COPY --from=build /rootfs /
# /data, the working directory and the databases' home, belongs to the user (the contents of /owned: /data).
COPY --from=build --chown=10001:10001 /owned /
USER 10001:10001
WORKDIR /data
ENV PATH=/usr/local/bin \
    APP_HOST=0.0.0.0 \
    APP_PORT=8080 \
    APP_DATA=/data/app.db \
    INCIDENT_DB=/data/incidents.db
EXPOSE 8080
# `app healthcheck` asks /readyz on APP_PORT: no curl (and no shell) in the image.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["app", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["app"]
CMD ["serve"]
