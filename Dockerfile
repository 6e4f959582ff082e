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
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-Djava.io.tmpdir=/tmp", "-cp", "/app/hostops.jar:/app/lib/*", "dev.hostops.Main"]
CMD ["run"]
