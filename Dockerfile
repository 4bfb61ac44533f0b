# syntax=docker/dockerfile:1
# One build, one small image per daemon:
#   docker build --target tally-api -t tally-api .
# Targets: tally-api, tally-worker, tally-scheduler, gemini-emulator (development
# only), tally (the command line, e.g. for CI jobs). Every image runs as the
# unprivileged user `tally` (uid 10001) and holds one binary plus the sample dataset.

ARG RUST_VERSION=1.89
ARG DEBIAN_RELEASE=bookworm

# --- build: every binary of the workspace, release profile, from the lock file ---
FROM rust:${RUST_VERSION}-${DEBIAN_RELEASE} AS build
WORKDIR /src
COPY . .
# The cache mounts keep the registry and target folder between builds; the binaries
# are copied out of the cached target folder in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
        -p tally-api -p tally-worker -p tally-scheduler -p gemini-emulator -p tally-cli \
 && mkdir -p /out \
 && cp target/release/tally-api target/release/tally-worker target/release/tally-scheduler \
       target/release/gemini-emulator target/release/tally /out/

# --- runtime: Debian slim, CA roots for Google's endpoints, curl for health checks ---
FROM debian:${DEBIAN_RELEASE}-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 tally \
 && useradd --system --uid 10001 --gid tally --home-dir /var/lib/tally --shell /usr/sbin/nologin tally \
 && mkdir -p /var/lib/tally/datasets \
 && chown -R tally:tally /var/lib/tally
COPY --chown=tally:tally datasets /var/lib/tally/datasets
WORKDIR /var/lib/tally
ENV TALLY_DATA_DIR=/var/lib/tally/datasets \
    RUST_LOG=info
USER 10001:10001

FROM runtime AS tally-api
COPY --from=build /out/tally-api /usr/local/bin/tally-api
ENV TALLY_LISTEN=0.0.0.0:8000
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD ["curl", "-fsS", "http://127.0.0.1:8000/healthz"]
ENTRYPOINT ["/usr/local/bin/tally-api"]

FROM runtime AS tally-worker
# The local OCR model tesseract-tha runs the tesseract program with its Thai data.
USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-tha \
 && rm -rf /var/lib/apt/lists/*
USER 10001:10001
COPY --from=build /out/tally-worker /usr/local/bin/tally-worker
ENV TALLY_METRICS_LISTEN=0.0.0.0:9101
EXPOSE 9101
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:9101/metrics"]
ENTRYPOINT ["/usr/local/bin/tally-worker"]

FROM runtime AS tally-scheduler
COPY --from=build /out/tally-scheduler /usr/local/bin/tally-scheduler
ENV TALLY_METRICS_LISTEN=0.0.0.0:9102
EXPOSE 9102
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:9102/metrics"]
ENTRYPOINT ["/usr/local/bin/tally-scheduler"]

FROM runtime AS gemini-emulator
COPY --from=build /out/gemini-emulator /usr/local/bin/gemini-emulator
ENV EMULATOR_LISTEN=0.0.0.0:8090 \
    EMULATOR_DATASETS=/var/lib/tally/datasets
EXPOSE 8090
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8090/_emulator/stats"]
ENTRYPOINT ["/usr/local/bin/gemini-emulator"]

FROM runtime AS tally
COPY --from=build /out/tally /usr/local/bin/tally
ENTRYPOINT ["/usr/local/bin/tally"]
