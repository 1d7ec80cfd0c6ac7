# shellcheck shell=bash
# shellcheck disable=SC2034,SC2153 # variables shared with the other files scripts/stack.sh sources (checked whole with -x)
# Apicurio Registry for scripts/stack.sh (Confluent-compatible API under /apis/ccompat/v7), from
# io.apicurio:apicurio-registry-app:tar.gz:all (stack/registry/pom.xml), storage H2 in a file. The
# interface is described at the top of lib.sh. In secure mode a second instance, registry-proxy
# (registry-proxy.ts), serves HTTPS with basic auth on REGISTRY_PORT, and Apicurio moves behind it to
# REGISTRY_INTERNAL_PORT on 127.0.0.1.

REGISTRY_PORT=${REGISTRY_PORT:-8081}
REGISTRY_MANAGEMENT_PORT=${REGISTRY_MANAGEMENT_PORT:-9000}
REGISTRY_HEAP=${REGISTRY_HEAP:-384M}
APICURIO_VERSION=${APICURIO_VERSION:-3.0.9}
REGISTRY_START_TIMEOUT=${REGISTRY_START_TIMEOUT:-120}

registry_instances() {
  echo registry
  if secure || [[ -f $(pid_file registry-proxy) ]]; then echo registry-proxy; fi
}
registry_port() {
  if [[ $1 == registry ]] && secure; then echo "$REGISTRY_INTERNAL_PORT"; else echo "$REGISTRY_PORT"; fi
}
registry_ports() {
  if [[ $1 == registry-proxy ]]; then
    printf '%s\n' "$REGISTRY_PORT:HTTPS (TLS and basic-auth proxy)"
    return
  fi
  printf '%s\n' "$(registry_port "$1"):HTTP"
  # 3.0.x (the default) opens no management interface; later 3.x builds do.
  [[ $APICURIO_VERSION == 2.* || $APICURIO_VERSION == 3.0.* ]] || printf '%s\n' "$REGISTRY_MANAGEMENT_PORT:management"
}
registry_log() {
  if [[ $1 == registry-proxy ]]; then echo "$STACK_HOME/$1/logs/proxy.log"; else echo "$STACK_HOME/$1/logs/registry.log"; fi
}
registry_stdout() { registry_log "$1"; } # Quarkus logs to the console only
registry_timeout() { echo "$REGISTRY_START_TIMEOUT"; }
registry_version() { echo "$APICURIO_VERSION"; }
registry_endpoint() {
  case $1 in
    registry-proxy) echo "registry   https://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7 (TLS, basic auth: user $SECURE_REGISTRY_USER)" ;;
    *) echo "registry   http://127.0.0.1:$(registry_port "$1")/apis/ccompat/v7 (Confluent-compatible API)" ;;
  esac
}
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

# The TLS and basic-auth proxy (secure mode), a Node.js process.
registry_proxy_start() {
  local s=$1 d=$SECURE_DIR
  mkdir -p "$STACK_HOME/$s/logs"
  launch "$s" env "PROXY_PORT=$REGISTRY_PORT" "PROXY_TARGET_PORT=$REGISTRY_INTERNAL_PORT" \
    "PROXY_CERT_FILE=$d/server.pem" "PROXY_KEY_FILE=$d/server.key" "PROXY_USERNAME=$SECURE_REGISTRY_USER" \
    "PROXY_PASSWORD_FILE=$d/registry-$SECURE_REGISTRY_USER.password" \
    "$NODE_BIN" --no-warnings "$REPO_ROOT/scripts/stack/registry-proxy.ts" "-Dstack.server=$s" "-Dstack.home=$STACK_HOME"
}

registry_start() { # registry_start <instance>
  local s=$1 home=$STACK_HOME/$1 data port
  if [[ $s == registry-proxy ]]; then
    registry_proxy_start "$s"
    return
  fi
  data=$(data_dir "$s")
  port=$(registry_port "$s")
  mkdir -p "$data" "$home/logs" "$home/tmp"
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
    -Dquarkus.http.host=127.0.0.1 "-Dquarkus.http.port=$port" \
    -Dquarkus.management.host=127.0.0.1 "-Dquarkus.management.port=$REGISTRY_MANAGEMENT_PORT" \
    "-Dapicurio.datasource.url=jdbc:h2:file:$data/registry;DB_CLOSE_ON_EXIT=FALSE" \
    "-Dapicurio.import.work-dir=$home/tmp" "-Dapicurio.storage.snapshot.location=$home/tmp" \
    -Dquarkus.log.level=INFO \
    -jar "$launcher"
}
