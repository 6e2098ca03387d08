#!/usr/bin/env bash
# Builds the GPU bundle: one folder that runs llmaccel's GPU tests and GPU benchmarks on a host
# that has an NVIDIA driver but no JDK (the lent GPU machines). Called by
#   mvn -q -pl bench -am package -Pgpu-bundle -DskipTests
# (-am: the llmaccel jars come from this build, not from whatever ~/.m2 holds) as: gpu-bundle.sh <bundle dir> <JDK home> <bench classes dir>, after Maven has copied the jars
# into <bundle dir>/lib. Fails when the folder exceeds 64 MiB (what a device call may carry).
set -euo pipefail
bundle=$1
jdk=$2
classes=$3
here=$(cd "$(dirname "$0")" && pwd)
lib="$bundle/lib"
limit=$((64 * 1024 * 1024))

if ! "$jdk/bin/jar" --list --file "$lib/llmaccel.jar" | grep -q 'libllmaccel_cuda.so$'; then
    echo "$lib/llmaccel.jar has no CUDA library: build llmaccel where nvcc is installed" >&2
    exit 1
fi

# 1. A Java runtime with the modules the tests, JUnit and JavaCPP load, without debug data.
rm -rf "$bundle/runtime"
"$jdk/bin/jlink" --add-modules java.base,java.logging,java.management,java.xml,jdk.unsupported \
    --strip-debug --no-man-pages --no-header-files --compress=2 --output "$bundle/runtime"
if command -v strip > /dev/null; then
    strip --strip-unneeded "$bundle/runtime/lib/server/libjvm.so"  # the symbol table: the JVM runs without it
fi

# 2. OpenBLAS natives without the LAPACK builds the library never loads (it binds openblas_nolapack).
slim=$(mktemp -d)
(cd "$slim" && "$jdk/bin/jar" --extract --file "$lib/openblas-linux-x86_64.jar")
rm -f "$slim"/org/bytedeco/openblas/linux-x86_64/libjniopenblas_full.so \
      "$slim"/org/bytedeco/openblas/linux-x86_64/libjniopenblas.so
rm -rf "$slim"/org/bytedeco/openblas/linux-x86_64/include
rm "$lib/openblas-linux-x86_64.jar"
"$jdk/bin/jar" --create --no-manifest --file "$lib/openblas-linux-x86_64.jar" -C "$slim" .
rm -rf "$slim"

# 3. The benchmarks and the one script.
"$jdk/bin/jar" --create --file "$lib/llmaccel-bench.jar" -C "$classes" .
cp "$here/src/bundle/run-gpu.sh" "$bundle/run-gpu.sh"
chmod +x "$bundle/run-gpu.sh"

bytes=$(du -sb "$bundle" | cut -f1)
echo "GPU bundle: $bundle, $((bytes / 1024 / 1024)) MiB ($bytes bytes)"
if [ "$bytes" -gt "$limit" ]; then
    echo "GPU bundle is larger than 64 MiB" >&2
    exit 1
fi
