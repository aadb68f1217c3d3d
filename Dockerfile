# gitcanary: build on Debian bookworm, run on bookworm-slim as user 999
# (the user Argo CD's repo-server and its CMP sidecars run as).
FROM debian:bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends cmake g++ make pkg-config libgit2-dev \
      libyaml-cpp-dev nlohmann-json3-dev libcpp-httplib-dev doctest-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j "$(nproc)" --target gitcanary

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgit2-1.5 libyaml-cpp0.7 libcpp-httplib0.11 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/gitcanary /usr/local/bin/gitcanary
USER 999
ENTRYPOINT ["/usr/local/bin/gitcanary"]
