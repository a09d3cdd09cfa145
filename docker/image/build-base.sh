#!/usr/bin/env bash
# Builds the base layer of the llmtail container image without a Docker daemon or a registry:
#   * a Java runtime cut by jlink from Debian's openjdk-17-jdk-headless (its jmods), and
#   * the C libraries that runtime links against, copied file by file from the installed Debian
#     packages libc6, libgcc-s1, libstdc++6 and zlib1g (with their copyright files),
#   * /etc/passwd and /etc/group with the unprivileged user llmtail (65532), /tmp, and
#     /var/lib/llmtail owned by that user (the span log in data/ and the spill directory live there).
# It writes OUT/rootfs.tar (that tree as one layer, which docker/Dockerfile ADDs) and
# OUT/llmtail-base.tar, the same layer as a `docker save` archive whose image config carries the
# user, PATH and the HEALTHCHECK; Jib builds the llmtail image on top of it
# (sampler-server/pom.xml, profile `image`).
#
# Usage: docker/image/build-base.sh OUT        (JDK: $LLMTAIL_BASE_JDK, default Debian's JDK 17)
set -euo pipefail

out=${1:?usage: build-base.sh OUT}
jdk=${LLMTAIL_BASE_JDK:-/usr/lib/jvm/java-17-openjdk-amd64}
packages=(libc6 libgcc-s1 libstdc++6 zlib1g)
# The JDK modules llmtail and its libraries use (jdeps --print-module-deps on llmtail.jar, minus
# java.desktop which only optional bean introspection asks for) plus TLS for the exporter.
modules=java.base,java.logging,java.management,java.naming,java.sql,jdk.jfr,jdk.management,jdk.unsupported,jdk.crypto.ec,jdk.zipfs

fail() { echo "build-base.sh: $*" >&2; exit 1; }
[ -d "$jdk/jmods" ] || fail "no jmods in $jdk: install Debian's openjdk-17-jdk-headless or set LLMTAIL_BASE_JDK to a JDK with jmods"
command -v dpkg-query >/dev/null || fail "dpkg-query not found: the base layer is assembled from installed Debian packages"
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p:amd64" 2>/dev/null | grep -q 'install ok installed' \
    || fail "Debian package $p (amd64) is not installed: apt-get install $p"
done

rootfs=$out/rootfs
rm -rf "$rootfs" "$out/llmtail-base.tar" "$out/rootfs.tar"
mkdir -p "$rootfs"/{etc,tmp,var/lib/llmtail/spill,var/lib/llmtail/data,opt,usr/share/doc}

"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --compress=2 --output "$rootfs/opt/java"

for p in "${packages[@]}"; do
  # Shared objects and the dynamic loader only: no gconv modules, docs or gdb scripts.
  dpkg-query -L "$p:amd64" | grep -E '^/(usr/)?lib(64)?/(x86_64-linux-gnu/)?[^/]+\.so[.0-9]*$' |
    while read -r f; do
      mkdir -p "$rootfs$(dirname "$f")"
      cp -P "$f" "$rootfs$f"
    done
  mkdir -p "$rootfs/usr/share/doc/$p"
  cp "/usr/share/doc/$p/copyright" "$rootfs/usr/share/doc/$p/copyright"
done
[ -e "$rootfs/lib64/ld-linux-x86-64.so.2" ] || fail "the dynamic loader was not copied from libc6"

printf 'root:x:0:0:root:/root:/sbin/nologin\nllmtail:x:65532:65532:llmtail:/var/lib/llmtail:/sbin/nologin\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nllmtail:x:65532:\n' >"$rootfs/etc/group"
printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
chmod 1777 "$rootfs/tmp"

"$rootfs/opt/java/bin/java" -version >/dev/null 2>&1 || fail "the jlink runtime does not start on this machine"

# One uncompressed layer, owned by root except the user's home; fixed times so that the same
# inputs give the same layer digest. docker/Dockerfile ADDs this same file.
layer=$out/rootfs.tar
tar_opts=(--sort=name --mtime=@0 --numeric-owner --format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime)
tar -C "$rootfs" "${tar_opts[@]}" --owner=0 --group=0 --exclude=./var/lib/llmtail -cf "$layer" .
tar -C "$rootfs" "${tar_opts[@]}" --owner=65532 --group=65532 -rf "$layer" ./var/lib/llmtail
diff_id=sha256:$(sha256sum "$layer" | cut -d' ' -f1)

# Docker image config: HEALTHCHECK asks /readyz through a class of the application layer, so
# the image needs no shell or curl (Jib keeps the base image's health check).
config=$(cat <<JSON
{"architecture":"amd64","os":"linux",
 "config":{"User":"65532:65532","WorkingDir":"/var/lib/llmtail",
  "Env":["PATH=/opt/java/bin:/usr/bin:/bin","JAVA_HOME=/opt/java"],
  "Healthcheck":{"Test":["CMD","/opt/java/bin/java","-XX:TieredStopAtLevel=1","-XX:+UseSerialGC","-XX:-UsePerfData","-Xmx16m","-cp","/app/classes","dev.llmtail.server.ReadinessProbe"],
   "Interval":10000000000,"Timeout":5000000000,"StartPeriod":30000000000,"Retries":3}},
 "rootfs":{"type":"layers","diff_ids":["$diff_id"]},
 "history":[{"created":"1970-01-01T00:00:00Z","created_by":"docker/image/build-base.sh: jlink runtime from Debian openjdk-17 + ${packages[*]}"}]}
JSON
)
config_id=$(printf '%s' "$config" | sha256sum | cut -d' ' -f1)
printf '%s' "$config" >"$out/$config_id.json"
printf '[{"Config":"%s.json","RepoTags":["llmtail-base:local"],"Layers":["layer.tar"]}]\n' "$config_id" >"$out/manifest.json"
# The `docker save` layout Jib reads as a tar:// base image.
tar -C "$out" --mtime=@0 --owner=0 --group=0 --transform='s/^rootfs\.tar$/layer.tar/' \
  -cf "$out/llmtail-base.tar" manifest.json "$config_id.json" rootfs.tar
rm "$out/manifest.json" "$out/$config_id.json"
echo "base layer: $layer ($(du -h "$layer" | cut -f1)), as a base image: $out/llmtail-base.tar"
