#!/usr/bin/env bash
# llmaccel GPU bundle: runs the GPU test suite, then the GPU benchmarks, on the Java runtime in this
# folder. The host needs an NVIDIA driver for CUDA 13 and nothing else (no JDK); cuBLAS is used when
# libcublas.so.13 is in /usr/local/cuda/lib64 or on LD_LIBRARY_PATH. Results go to $OUT when it is
# set, else to ./results: tests.log (summary), junit/ (JUnit XML, every case), bench.txt (the table).
# Exit status 0 when the tests pass (skipped cases included) and the benchmarks ran.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-$here/results}
mkdir -p "$out"
java="$here/runtime/bin/java"
cp="$here/lib/llmaccel.jar:$here/lib/llmaccel-tests.jar:$here/lib/llmaccel-bench.jar:$here/lib/javacpp.jar"
cp="$cp:$here/lib/javacpp-linux-x86_64.jar:$here/lib/openblas.jar:$here/lib/openblas-linux-x86_64.jar"
export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}/usr/local/cuda/lib64"
opts=(-Xss4m "-Dorg.bytedeco.javacpp.cachedir=${TMPDIR:-/tmp}/llmaccel-javacpp")

echo "== GPU tests (op suite on cuda, CUDA backend, CUDA vs CPU, fallback, probe)"
"$java" "${opts[@]}" -Dllmaccel.test.backends=cuda -jar "$here/lib/junit-platform-console-standalone.jar" execute \
    --class-path "$cp" --disable-banner --details=summary --details-theme=ascii --reports-dir "$out/junit" \
    --select-class dev.llmaccel.backend.cuda.CudaProbeTest \
    --select-class dev.llmaccel.backend.FallbackTest \
    --select-class dev.llmaccel.backend.CudaBackendTest \
    --select-class dev.llmaccel.backend.CudaAgreementTest \
    --select-class dev.llmaccel.backend.OpSuiteTest 2>&1 | tee "$out/tests.log"
tests=${PIPESTATUS[0]}

echo "== GPU benchmarks"
"$java" "${opts[@]}" -cp "$cp" dev.llmaccel.bench.cuda.GpuBench 2>&1 | tee "$out/bench.txt"
bench=${PIPESTATUS[0]}

echo "tests exit $tests, benchmarks exit $bench; results in $out"
[ "$tests" -eq 0 ] && [ "$bench" -eq 0 ]
