// Users, roles and ACLs of the secure local stack, made by scripts/stack.sh after `up --secure` (idempotent).
//
//   Kafka      (SCRAM users exist from format time) prefix ACLs: the pipeline's user may do anything with
//              topics and consumer groups whose names start with the prefix; the outsider gets nothing.
//   Cassandra  the default superuser cassandra/cassandra is replaced by the stack's own administrator and
//              loses its login; the keyspace and its table (users.cql) exist; roles: consumer (SELECT and
//              MODIFY on the keyspace), creator (may create keyspaces, and everything on this one), reader
//              (SELECT only).
//
// Environment: the administrators' client settings (as scripts/stack.sh admin_env prints them) and
// SETUP_DIR (password files), SETUP_KAFKA_USER, SETUP_PREFIX, SETUP_KEYSPACE, SETUP_CONSUMER, SETUP_CREATOR,
// SETUP_READER, SETUP_ADMIN, SETUP_ADMIN_MARKER (written once the administrator exists).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import cassandra from 'cassandra-driver';
import { z } from 'zod';
import {
  cassandraEnvShape,
  cassandraSecurityFrom,
  kafkaSecurityEnvShape,
  kafkaSecurityFrom,
  parseEnv,
  schemaStatements,
} from '@userstream/shared';

const env = parseEnv(
  z.object({
    ...kafkaSecurityEnvShape,
    ...cassandraEnvShape,
    KAFKA_BROKERS: z.string(),
    SETUP_DIR: z.string(),
    SETUP_KAFKA_USER: z.string(),
    SETUP_PREFIX: z.string(),
    SETUP_KEYSPACE: z.string(),
    SETUP_CONSUMER: z.string(),
    SETUP_CREATOR: z.string(),
    SETUP_READER: z.string(),
    SETUP_ADMIN: z.string(),
    SETUP_ADMIN_MARKER: z.string(),
  }),
);
// kafkajs is CommonJS: its enums are not named exports.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes } =
  kafkajs;
const password = (name: string) => readFileSync(join(env.SETUP_DIR, `${name}.password`), 'utf8').trim();
/** A CQL string literal (the passwords are hex, but quote anyway). */
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

async function kafkaAcls(): Promise<void> {
  const kafka = new Kafka({
    clientId: 'stack-setup',
    brokers: env.KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
    ...kafkaSecurityFrom(env),
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const allow = (resourceType: kafkajs.AclResourceTypes) => ({
      resourceType,
      resourceName: env.SETUP_PREFIX,
      resourcePatternType: ResourcePatternTypes.PREFIXED,
      principal: `User:${env.SETUP_KAFKA_USER}`,
      host: '*',
      operation: AclOperationTypes.ALL,
      permissionType: AclPermissionTypes.ALLOW,
    });
    await admin.createAcls({ acl: [allow(AclResourceTypes.TOPIC), allow(AclResourceTypes.GROUP)] });
  } finally {
    await admin.disconnect();
  }
}

function cassandraClient(username: string, secret: string): cassandra.Client {
  return new cassandra.Client({
    contactPoints: env.CASSANDRA_CONTACT_POINTS,
    localDataCenter: env.CASSANDRA_LOCAL_DC,
    authProvider: new cassandra.auth.PlainTextAuthProvider(username, secret),
    ...cassandraSecurityFrom(env),
  });
}

/**
 * Connects as the stack's administrator. The first time, it is made out of the default superuser, which
 * then loses its login (its password is well known).
 */
async function cassandraAdmin(): Promise<cassandra.Client> {
  const adminPassword = password(`cassandra-${env.SETUP_ADMIN}`);
  const admin = cassandraClient(env.SETUP_ADMIN, adminPassword);
  try {
    await admin.connect();
    return admin;
  } catch (error) {
    await admin.shutdown();
    if (!(error instanceof cassandra.errors.NoHostAvailableError)) throw error;
  }
  const initial = cassandraClient('cassandra', 'cassandra');
  await initial.connect();
  try {
    await initial.execute(
      `CREATE ROLE IF NOT EXISTS ${env.SETUP_ADMIN} WITH SUPERUSER = true AND LOGIN = true AND PASSWORD = ${literal(adminPassword)}`,
    );
  } finally {
    await initial.shutdown();
  }
  const created = cassandraClient(env.SETUP_ADMIN, adminPassword);
  await created.connect();
  // From now on the stack's probes log in as the administrator, whatever happens next.
  writeFileSync(env.SETUP_ADMIN_MARKER, `${new Date().toISOString()}\n`);
  await created.execute(
    `ALTER ROLE cassandra WITH SUPERUSER = false AND LOGIN = false AND PASSWORD = ${literal(password('store') + adminPassword)}`,
  );
  return created;
}

async function cassandraRoles(): Promise<void> {
  const client = await cassandraAdmin();
  try {
    const keyspace = env.SETUP_KEYSPACE;
    for (const statement of schemaStatements({
      keyspace,
      table: env.CASSANDRA_TABLE,
      replication: env.CASSANDRA_REPLICATION,
    })) {
      await client.execute(statement);
    }
    const grants: Record<string, string[]> = {
      [env.SETUP_CONSUMER]: [`SELECT ON KEYSPACE ${keyspace}`, `MODIFY ON KEYSPACE ${keyspace}`],
      [env.SETUP_CREATOR]: ['CREATE ON ALL KEYSPACES', `ALL PERMISSIONS ON KEYSPACE ${keyspace}`],
      [env.SETUP_READER]: [`SELECT ON KEYSPACE ${keyspace}`],
    };
    for (const [role, permissions] of Object.entries(grants)) {
      const secret = literal(password(`cassandra-${role}`));
      // Created once: Cassandra 5.0 refuses a second password change within 5 s.
      await client.execute(`CREATE ROLE IF NOT EXISTS ${role} WITH LOGIN = true AND PASSWORD = ${secret}`);
      for (const permission of permissions) await client.execute(`GRANT ${permission} TO ${role}`);
    }
  } finally {
    await client.shutdown();
  }
}

try {
  await Promise.all([kafkaAcls(), cassandraRoles()]);
  process.stdout.write(
    `secure: Kafka ACLs for User:${env.SETUP_KAFKA_USER} on topics and groups ${env.SETUP_PREFIX}*; Cassandra roles ${env.SETUP_CONSUMER}, ${env.SETUP_CREATOR}, ${env.SETUP_READER} on ${env.SETUP_KEYSPACE}\n`,
  );
  process.exit(0);
} catch (error) {
  process.stderr.write(
    `stack: secure setup failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
}
