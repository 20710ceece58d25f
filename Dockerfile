# rcs in a container: a build stage with the Rust toolchain, trunk and wasm-bindgen, and a
# small runtime stage that runs rcs as an unprivileged user.
#
#   docker build -t rcs .
#   docker run -d -p 8443:8443 -v rcs-data:/var/lib/rcs rcs
#   docker exec -it <container> rcs account create "Acme" admin@acme.example
#
# Settings come from RCS_* variables (-e RCS_DATABASE_URL=postgres://...) or a mounted file
# (-v ./rcs.toml:/etc/rcs/rcs.toml -e RCS_CONFIG=/etc/rcs/rcs.toml); see deploy/rcs.toml.

FROM rust:1.95-bookworm AS build
WORKDIR /src
# The web build tools first, in their own layer: they change far less often than the code.
COPY Cargo.toml Cargo.lock ./
COPY web/Trunk.toml web/Trunk.toml
COPY scripts/setup-tools scripts/setup-tools
RUN RCS_SKIP_BROWSER=1 scripts/setup-tools
COPY . .
RUN scripts/build-web && cargo build --release --locked -p rcs \
    && install -D -m 0755 target/release/rcs /out/rcs

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/rcs --shell /usr/sbin/nologin rcs \
    && install -d -o rcs -g rcs -m 0750 /var/lib/rcs
COPY --from=build /out/rcs /usr/local/bin/rcs
USER rcs
WORKDIR /var/lib/rcs
ENV RCS_DATA_DIR=/var/lib/rcs \
    RCS_HTTPS_ADDR=0.0.0.0:8443 \
    RCS_LOG_FORMAT=json
VOLUME ["/var/lib/rcs"]
EXPOSE 8443 9100
# SIGTERM stops rcs cleanly (in-flight requests finish, queued boot events are written).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/rcs"]
CMD ["serve"]
