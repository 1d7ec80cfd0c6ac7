// The rows of the newest users published, read back from Cassandra by id: what a person sees was written.
import cassandra from 'cassandra-driver';

/** A user as the page shows it. */
export interface UserView {
  id: string;
  name: string;
  nat: string | null;
  picture: string | null;
  ingestedAt: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads the rows of `ids` that exist in `keyspace.table`, newest ingested first. */
export async function readUsers(
  client: cassandra.Client,
  keyspace: string,
  table: string,
  ids: readonly string[],
): Promise<UserView[]> {
  const uuids = ids.filter((id) => UUID.test(id)).map((id) => cassandra.types.Uuid.fromString(id));
  if (uuids.length === 0) return [];
  const result = await client.execute(
    `SELECT id, first_name, last_name, nat, picture, ingested_at FROM ${keyspace}.${table} WHERE id IN ?`,
    [uuids],
    { prepare: true },
  );
  return result.rows
    .map((row) => ({
      id: String(row.get('id')),
      name: [row.get('first_name'), row.get('last_name')].filter((part) => part != null).join(' '),
      nat: (row.get('nat') as string | null) ?? null,
      picture: (row.get('picture') as string | null) ?? null,
      ingestedAt: (row.get('ingested_at') as Date | null)?.toISOString() ?? null,
    }))
    .sort((a, b) => (b.ingestedAt ?? '').localeCompare(a.ingestedAt ?? ''));
}
