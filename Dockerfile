# The service under test (`app`) and the `incident` CLI in one small image.
#   docker build -t incident-app .
#   docker run --rm -p 8080:8080 -e APP_ADMIN_TOKEN=change-me incident-app
# Both binaries link the Swift standard library and Foundation statically, so the runtime image needs
# only Debian's C and C++ runtimes and SQLite. They are stripped (216 MB to 138 MB): the slim image has no
# Swift backtracer to symbolicate a crash with anyway.

# ---- build: the official Swift toolchain image ----
FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libsqlite3-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies are resolved, at the pinned versions, in a layer of their own: it is rebuilt only when
# Package.swift or Package.resolved changes.
COPY Package.swift Package.resolved ./
RUN swift package resolve
COPY Sources ./Sources
COPY app ./app
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib --product app \
    && swift build -c release --static-swift-stdlib --product incident \
    && mkdir /staging \
    && cp "$(swift build -c release --show-bin-path)/app" "$(swift build -c release --show-bin-path)/incident" /staging/ \
    && strip /staging/app /staging/incident

# ---- runtime: slim Debian, non-root ----
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libsqlite3-0 libpq5 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --user-group --uid 10001 --home-dir /data --create-home --shell /usr/sbin/nologin app
COPY --from=build /staging/app /staging/incident /usr/local/bin/
USER 10001:10001
WORKDIR /data
ENV APP_HOST=0.0.0.0 \
    APP_PORT=8080 \
    APP_DATA=/data/app.db \
    INCIDENT_DB=/data/incidents.db
EXPOSE 8080
# `app healthcheck` asks /readyz on APP_PORT: no curl in the image.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["app", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["app"]
CMD ["serve"]
