# shellcheck shell=bash
# shellcheck disable=SC2034,SC2153 # variables shared with the other files scripts/stack.sh sources (checked whole with -x)
# Secure mode of scripts/stack.sh (`up --secure`): a throw-away CA, server and client certificates and
# random passwords under $STACK_HOME/secure (generated once, deleted by `down --wipe`), the mode the stack
# runs in, and the client settings `env` prints for it. What each server does with them is in its own
# file (kafka.sh, cassandra.sh, registry.sh); users, roles and ACLs are made by secure-setup.ts.

SECURE_DIR=$STACK_HOME/secure
KAFKA_MTLS_PORT=${KAFKA_MTLS_PORT:-9094}
REGISTRY_INTERNAL_PORT=${REGISTRY_INTERNAL_PORT:-8082}
# The pipeline's names: Kafka user (prefix ACLs on topics and groups users_created*), registry user, and
# Cassandra roles (consumer: read/write its keyspace; creator: may create it; reader: may only read it).
SECURE_KAFKA_USER=userstream
SECURE_KAFKA_OUTSIDER=outsider
SECURE_REGISTRY_USER=userstream
SECURE_CASSANDRA_CONSUMER=userstream_consumer
SECURE_CASSANDRA_CREATOR=userstream_creator
SECURE_CASSANDRA_READER=userstream_reader
SECURE_CASSANDRA_ADMIN=stack_admin
SECURE_KEYSPACE=userstream
SECURE_PREFIX=users_created

# plain or secure: what `up --secure` chose, kept in $RUN_DIR/mode while the stack may be running.
STACK_MODE=plain
mode_file() { echo "$RUN_DIR/mode"; }
load_mode() { [[ -f $(mode_file) ]] && STACK_MODE=$(<"$(mode_file)") || STACK_MODE=plain; }
save_mode() {
  mkdir -p "$RUN_DIR"
  echo "$STACK_MODE" >"$(mode_file)"
}
secure() { [[ $STACK_MODE == secure ]]; }

# Data of a secure stack is kept apart from a plain one's (users and roles live in it).
data_dir() { # data_dir <instance>
  if secure; then echo "$STACK_HOME/$1/data-secure"; else echo "$STACK_HOME/$1/data"; fi
}

secret() { cat "$SECURE_DIR/$1.password"; } # secret <name>: a generated password

# Writes a random password to $SECURE_DIR/<name>.password unless it exists.
make_password() {
  local f=$SECURE_DIR/$1.password
  [[ -s $f ]] && return 0
  (umask 077 && openssl rand -hex 18 >"$f")
}

# sign <name> <CN> <ca> <extensions>: a key and a certificate signed by <ca> (ca.pem/ca.key prefix).
sign() {
  local name=$1 cn=$2 ca=$3 ext=$4 d=$SECURE_DIR
  openssl req -new -newkey rsa:2048 -nodes -keyout "$d/$name.key" -out "$d/$name.csr" -subj "/CN=$cn" 2>/dev/null
  openssl x509 -req -in "$d/$name.csr" -CA "$d/$ca.pem" -CAkey "$d/$ca.key" -set_serial "0x$(openssl rand -hex 8)" \
    -days 30 -out "$d/$name.pem" -extfile <(printf '%s\n' "$ext") 2>/dev/null
  rm -f "$d/$name.csr"
}

make_ca() { # make_ca <name> <CN>
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$SECURE_DIR/$1.key" -out "$SECURE_DIR/$1.pem" -days 30 \
    -subj "/CN=$2" -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' 2>/dev/null
}

# The CA, certificates, stores and passwords, once per STACK_HOME:
#   ca.pem                    the CA every client trusts (its key ca.key signs the rest)
#   server.pem/.key, .p12     the servers' certificate (IP 127.0.0.1-3, localhost; CN stack-server, which the
#                             brokers present to each other and Kafka maps to a super user); truststore.p12
#   client.pem/.key           a client certificate (CN userstream) for mutual TLS
#   other-ca.pem, other-client.pem/.key   a CA nobody trusts and a client certificate it signed (tests)
#   *.password                Kafka users, Cassandra roles, the registry user, the stores
make_secure_files() {
  command -v openssl >/dev/null 2>&1 || die "secure mode needs openssl (apt-get install openssl)"
  command -v "$(dirname "$JAVA")/keytool" >/dev/null 2>&1 || die "secure mode needs keytool beside $JAVA"
  mkdir -p "$SECURE_DIR"
  chmod 700 "$SECURE_DIR"
  local name
  for name in store kafka-admin "kafka-$SECURE_KAFKA_USER" "kafka-$SECURE_KAFKA_OUTSIDER" \
    "registry-$SECURE_REGISTRY_USER" "cassandra-$SECURE_CASSANDRA_ADMIN" "cassandra-$SECURE_CASSANDRA_CONSUMER" \
    "cassandra-$SECURE_CASSANDRA_CREATOR" "cassandra-$SECURE_CASSANDRA_READER"; do
    make_password "$name"
  done
  [[ -s $SECURE_DIR/truststore.p12 ]] && return 0
  say "secure: a throw-away CA and certificates in $SECURE_DIR"
  (
    umask 077
    make_ca ca 'userstream local stack CA'
    sign server stack-server ca 'subjectAltName=IP:127.0.0.1,IP:127.0.0.2,IP:127.0.0.3,DNS:localhost
extendedKeyUsage=serverAuth,clientAuth
keyUsage=critical,digitalSignature,keyEncipherment'
    sign client "$SECURE_KAFKA_USER" ca 'extendedKeyUsage=clientAuth
keyUsage=critical,digitalSignature,keyEncipherment'
    make_ca other-ca 'untrusted test CA'
    sign other-client "$SECURE_KAFKA_USER" other-ca 'extendedKeyUsage=clientAuth'
    local pw
    pw=$(secret store)
    openssl pkcs12 -export -in "$SECURE_DIR/server.pem" -inkey "$SECURE_DIR/server.key" -certfile "$SECURE_DIR/ca.pem" \
      -name server -out "$SECURE_DIR/server.p12" -passout "pass:$pw"
    "$(dirname "$JAVA")/keytool" -importcert -noprompt -alias ca -file "$SECURE_DIR/ca.pem" \
      -keystore "$SECURE_DIR/truststore.p12.tmp" -storetype PKCS12 -storepass "$pw" >/dev/null 2>&1
    mv "$SECURE_DIR/truststore.p12.tmp" "$SECURE_DIR/truststore.p12"
  ) || die "secure: making the certificates in $SECURE_DIR failed"
}

# The environment the readiness probes and secure-setup.ts use: the stack's administrators.
admin_env() {
  printf '%s\n' "KAFKA_SSL=true" "KAFKA_SSL_CA_FILE=$SECURE_DIR/ca.pem" "KAFKA_SASL_MECHANISM=scram-sha-512" \
    "KAFKA_SASL_USERNAME=admin" "KAFKA_SASL_PASSWORD_FILE=$SECURE_DIR/kafka-admin.password" \
    "SCHEMA_REGISTRY_SSL_CA_FILE=$SECURE_DIR/ca.pem" "SCHEMA_REGISTRY_USERNAME=$SECURE_REGISTRY_USER" \
    "SCHEMA_REGISTRY_PASSWORD_FILE=$SECURE_DIR/registry-$SECURE_REGISTRY_USER.password" \
    "CASSANDRA_SSL=true" "CASSANDRA_SSL_CA_FILE=$SECURE_DIR/ca.pem" \
    "CASSANDRA_SSL_CERT_FILE=$SECURE_DIR/client.pem" "CASSANDRA_SSL_KEY_FILE=$SECURE_DIR/client.key" \
    "CASSANDRA_USERNAME=$SECURE_CASSANDRA_ADMIN" \
    "CASSANDRA_PASSWORD_FILE=$SECURE_DIR/cassandra-$SECURE_CASSANDRA_ADMIN.password"
}

# `env` in secure mode: the pipeline's settings, file paths for every secret, and the other users.
secure_env() {
  local d=$SECURE_DIR
  cat <<EOT
export KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
export KAFKA_SSL=true
export KAFKA_SSL_CA_FILE=$d/ca.pem
export KAFKA_SASL_MECHANISM=scram-sha-512
export KAFKA_SASL_USERNAME=$SECURE_KAFKA_USER
export KAFKA_SASL_PASSWORD_FILE=$d/kafka-$SECURE_KAFKA_USER.password
export CONSUMER_GROUP_ID=$SECURE_PREFIX.cassandra-sink
export SCHEMA_REGISTRY_URL=https://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7
export SCHEMA_REGISTRY_SSL_CA_FILE=$d/ca.pem
export SCHEMA_REGISTRY_USERNAME=$SECURE_REGISTRY_USER
export SCHEMA_REGISTRY_PASSWORD_FILE=$d/registry-$SECURE_REGISTRY_USER.password
export CASSANDRA_CONTACT_POINTS=127.0.0.1:$CASSANDRA_PORT
export CASSANDRA_LOCAL_DC=$CASSANDRA_DC
export CASSANDRA_SSL=true
export CASSANDRA_SSL_CA_FILE=$d/ca.pem
export CASSANDRA_SSL_CERT_FILE=$d/client.pem
export CASSANDRA_SSL_KEY_FILE=$d/client.key
export CASSANDRA_USERNAME=$SECURE_CASSANDRA_CONSUMER
export CASSANDRA_PASSWORD_FILE=$d/cassandra-$SECURE_CASSANDRA_CONSUMER.password
export CASSANDRA_KEYSPACE=$SECURE_KEYSPACE
export CASSANDRA_APPLY_SCHEMA=false
# Secure stack (scripts/stack.sh up --secure). Kafka: SASL_SSL (SCRAM-SHA-512) on $KAFKA_PORT; mutual TLS
# (client certificate CN = user) on 127.0.0.1:$KAFKA_MTLS_PORT. Cassandra requires a client certificate.
# Other identities, password files beside the others in $d:
#   Kafka user $SECURE_KAFKA_OUTSIDER (no rights); admin (super user)
#   Cassandra roles $SECURE_CASSANDRA_CREATOR (may create keyspaces), $SECURE_CASSANDRA_READER (may only read $SECURE_KEYSPACE),
#   $SECURE_CASSANDRA_ADMIN (super user)
#   a client certificate from an untrusted CA: $d/other-client.pem, .key; that CA: $d/other-ca.pem
EOT
}

# The settings a readiness probe of <instance> uses: the administrators', except that Cassandra is asked as
# its default superuser until secure-setup.ts has replaced it.
probe_env() { # probe_env <instance>
  if [[ $(server_of "$1") == cassandra && ! -f $(roles_marker) ]]; then
    admin_env | grep -v '^CASSANDRA_PASSWORD_FILE=' | sed 's/^CASSANDRA_USERNAME=.*/CASSANDRA_USERNAME=cassandra/'
    echo CASSANDRA_PASSWORD=cassandra
  else
    admin_env
  fi
}

roles_marker() { echo "$(data_dir cassandra)/.stack-admin"; } # the administrator role exists

# Users, roles, ACLs (secure-setup.ts), once every server is ready.
secure_setup() {
  stack_node "$(admin_env)
KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
CASSANDRA_CONTACT_POINTS=127.0.0.1:$CASSANDRA_PORT
CASSANDRA_LOCAL_DC=$CASSANDRA_DC
SETUP_DIR=$SECURE_DIR
SETUP_KAFKA_USER=$SECURE_KAFKA_USER
SETUP_PREFIX=$SECURE_PREFIX
SETUP_KEYSPACE=$SECURE_KEYSPACE
SETUP_CONSUMER=$SECURE_CASSANDRA_CONSUMER
SETUP_CREATOR=$SECURE_CASSANDRA_CREATOR
SETUP_READER=$SECURE_CASSANDRA_READER
SETUP_ADMIN=$SECURE_CASSANDRA_ADMIN
SETUP_ADMIN_MARKER=$(roles_marker)" "$REPO_ROOT/scripts/stack/secure-setup.ts"
}
