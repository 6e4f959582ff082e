# The operator image: a JRE, the operator's classes and its runtime dependencies, run as a non-root
# user with nothing to write but /tmp (the Helm chart mounts it; the root filesystem is read-only).
#   mvn -B -pl operator -am package -DskipTests
#   docker build -t REGISTRY/hostops:0.1.0 . && docker push REGISTRY/hostops:0.1.0
# BASE: any image with a Java 17 runtime on PATH (the tests build a Debian one: testhosts jre-image).
ARG BASE=eclipse-temurin:17-jre
FROM ${BASE}
COPY operator/target/lib/ /app/lib/
COPY operator/target/hostops-operator-0.1.0-SNAPSHOT.jar /app/hostops.jar
USER 65532:65532
# The JVM for a process that is idle between resyncs (README "Speed and scale", measured by bin/bench fleet):
# C1 only (C2 kept compiling the reconcile paths for 10+ minutes, 13-30 ms of CPU per host per resync,
# more than the work itself), C1's thresholds at a tenth (a method run once per reconcile is compiled after
# minutes, not hours; with the default ones an A/B fleet run spent 1-3 ms more per host per resync in the
# first idle windows), the Serial collector (the heap is tens of MB; the JVM picks it anyway under the
# chart's 512Mi limit), no hsperfdata sampling every 50 ms (jcmd still attaches; jps/jstat do not list it).
ENTRYPOINT ["java", "-XX:TieredStopAtLevel=1", "-XX:CompileThresholdScaling=0.1", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-XX:MaxRAMPercentage=75", "-Djava.io.tmpdir=/tmp", "-cp", "/app/hostops.jar:/app/lib/*", "dev.hostops.Main"]
CMD ["run"]
