#!/usr/bin/env bash
# Builds this checkout and packs .device for a device call (`run` with carry [".device"]): .ci/device-pack, then the
# TurboJPEG library the data path loads (the device has none; the scripts point JMAMBA_NATIVE_LIB_DIR at .device/native)
# and without the jars no device run needs (PDF/plot and JMH helpers, Maven's duplicate *-tests jars), so that the pack
# stays well under the 64 MiB a call carries. Run from anywhere inside the checkout (a worktree works):
#   bash .ci/gpu/pack.sh
set -euo pipefail
root=$(git rev-parse --show-toplevel); cd "$root"
export JAVA_HOME=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64} MAVEN_OPTS=--sun-misc-unsafe-memory-access=allow
mvn -q install -DskipTests
.ci/device-pack
mkdir -p .device/native
cp /usr/lib/x86_64-linux-gnu/libturbojpeg.so.0.2.0 .device/native/libturbojpeg.so.0
rm -f .device/lib/{pdfbox,fontbox,commons-math3,jopt-simple}-*.jar .device/lib/jmamba-*-tests.jar
du -sh .device
