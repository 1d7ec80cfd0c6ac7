# shellcheck shell=bash
# Apicurio Registry for scripts/stack.sh (Confluent-compatible API under /apis/ccompat/v7), from
# io.apicurio:apicurio-registry-app:tar.gz:all (stack/registry/pom.xml), storage H2 in a file. The
# interface is described at the top of lib.sh.

REGISTRY_PORT=${REGISTRY_PORT:-8081}
REGISTRY_MANAGEMENT_PORT=${REGISTRY_MANAGEMENT_PORT:-9000}
REGISTRY_HEAP=${REGISTRY_HEAP:-384M}
APICURIO_VERSION=${APICURIO_VERSION:-3.0.9}
REGISTRY_START_TIMEOUT=${REGISTRY_START_TIMEOUT:-120}

registry_instances() { echo registry; }
registry_port() { echo "$REGISTRY_PORT"; }
registry_ports() {
  printf '%s\n' "$REGISTRY_PORT:HTTP"
  # 3.0.x (the default) opens no management interface; later 3.x builds do.
  [[ $APICURIO_VERSION == 2.* || $APICURIO_VERSION == 3.0.* ]] || printf '%s\n' "$REGISTRY_MANAGEMENT_PORT:management"
}
registry_log() { echo "$STACK_HOME/$1/logs/registry.log"; }
registry_stdout() { registry_log "$1"; } # Quarkus logs to the console only
registry_timeout() { echo "$REGISTRY_START_TIMEOUT"; }
registry_version() { echo "$APICURIO_VERSION"; }
registry_endpoint() { echo "registry   http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7 (Confluent-compatible API)"; }
registry_env() { echo "export SCHEMA_REGISTRY_URL=http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7"; }

registry_install() {
  mvn_run registry "$TEMPLATES/registry/pom.xml" dependency:get "-Dapicurio.version=$APICURIO_VERSION"
  local archive
  archive=$(local_repo)/io/apicurio/apicurio-registry-app/$APICURIO_VERSION/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz
  [[ -f $archive ]] || die "registry: Maven reported success but $archive is missing"
  tar -xzf "$archive" -C "$1"
}

registry_java() {
  if [[ -n ${REGISTRY_JAVA_HOME:-} ]]; then
    [[ -x $REGISTRY_JAVA_HOME/bin/java ]] || die "registry: REGISTRY_JAVA_HOME=$REGISTRY_JAVA_HOME has no bin/java"
    echo "$REGISTRY_JAVA_HOME/bin/java"
  else
    echo "$JAVA"
  fi
}

registry_start() { # registry_start <instance>
  local s=$1 home=$STACK_HOME/$1
  mkdir -p "$home/data" "$home/logs" "$home/tmp"
  local app=$STACK_HOME/registry/lib launcher
  if [[ -f $app/quarkus-run.jar ]]; then
    launcher=$app/quarkus-run.jar # 3.x fast-jar layout
  else
    launcher=$(find "$app" -maxdepth 1 -name '*-runner.jar' | head -n 1) # 3.0.x / 2.x legacy-jar layout
  fi
  [[ -n $launcher && -f $launcher ]] || die "$s: no quarkus-run.jar or *-runner.jar in $app"
  local java
  java=$(registry_java)
  # Storage: H2 in a file under data/, so schema ids survive restarts as the Kafka data does
  # (the default is H2 in memory). stdout is the log: Quarkus logs to the console.
  launch "$s" "$java" "-Dstack.server=$s" "-Dstack.home=$STACK_HOME" \
    "-Xmx$REGISTRY_HEAP" -XX:+UseSerialGC -Djava.awt.headless=true "-Djava.io.tmpdir=$home/tmp" \
    -Dquarkus.http.host=127.0.0.1 "-Dquarkus.http.port=$REGISTRY_PORT" \
    -Dquarkus.management.host=127.0.0.1 "-Dquarkus.management.port=$REGISTRY_MANAGEMENT_PORT" \
    "-Dapicurio.datasource.url=jdbc:h2:file:$home/data/registry;DB_CLOSE_ON_EXIT=FALSE" \
    "-Dapicurio.import.work-dir=$home/tmp" "-Dapicurio.storage.snapshot.location=$home/tmp" \
    -Dquarkus.log.level=INFO \
    -jar "$launcher"
}
