# gitcanary's image: built on Debian bookworm, run on bookworm-slim as user 999
# (the user Argo CD's repo-server and its CMP sidecars run as).
#
# It holds the three executables (gitcanary, and gitcanary-git and
# gitcanary-serve, which gitcanary hands the git commands and serve to, from
# the same directory), Argo CD's plugin.yaml where the
# cmp-server looks for it, the Helm 4 post-renderer plugin and the kustomize
# plugin. tests/dockerfile_steps.sh runs these same steps on a Debian host.
FROM debian:bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends cmake g++ make pkg-config libgit2-dev \
      libyaml-cpp-dev nlohmann-json3-dev libcpp-httplib-dev doctest-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release \
 && cmake --build build -j "$(nproc)" --target gitcanary gitcanary-git gitcanary-serve

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgssapi-krb5-2 libcpp-httplib0.11 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/gitcanary /src/build/gitcanary-git /src/build/gitcanary-serve /usr/local/bin/
COPY --from=build /src/deploy/argocd/plugin.yaml /home/argocd/cmp-server/config/plugin.yaml
COPY --from=build /src/deploy/helm-plugin /usr/local/share/gitcanary/helm-plugin
COPY --from=build /src/deploy/kustomize-plugin /usr/local/share/gitcanary/kustomize-plugin
ENV KUSTOMIZE_PLUGIN_HOME=/usr/local/share/gitcanary/kustomize-plugin
USER 999:999
ENTRYPOINT ["/usr/local/bin/gitcanary"]
