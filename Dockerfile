# Kiln container image: build with the Swift toolchain, run on slim Debian.
# The build-stage RUN lines are executed verbatim by scripts/check-dockerfile.sh in CI,
# and the runtime package list is checked against what the binary links.

# ---- build: Swift 6.3 on Debian 12 ----
FROM swift:6.3-bookworm AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN scripts/install-deps.sh build
COPY Package.swift Makefile ./
COPY Sources Sources
RUN make release

# ---- runtime: only the shared libraries kiln links ----
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends libopenblas0-pthread libgfortran5 libquadmath0 libssl3 zlib1g libstdc++6 libjpeg62-turbo libpng16-16 libdeflate0 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /srv/kiln --shell /usr/sbin/nologin kiln
WORKDIR /srv/kiln
COPY --from=build /src/.build/release/kiln /usr/local/bin/kiln
COPY models models
COPY config config
USER 10001
ENV KILN_PORT=8000
EXPOSE 8000
# Liveness through bash's /dev/tcp: no HTTP client needs to be installed in the image.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${KILN_PORT} && printf 'GET /v2/health/live HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["kiln", "serve"]
CMD ["--config", "config/kiln.json"]
