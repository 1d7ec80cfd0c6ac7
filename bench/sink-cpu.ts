// `node --conditions=source bench/sink-cpu.ts`: the consumer's Cassandra sink alone, in this process: client
// CPU and Cassandra's CPU per row written, for each request shape in SINK_SHAPES ("rows x requests in
// flight", default 1x160,10x16,20x8,50x4). SINK_ROWS rows (50,000) of the sample user with fresh ids, written
// 500 at a time as the consumer's chunks are, into a keyspace of its own that is dropped at the end.
import { applySchema } from '@userstream/shared';
import { cassandraClient, cpuSeconds, stackServerPid } from '../dev/index.ts';
import { createCassandraSink, type RowToWrite } from '@userstream/consumer';
import { sampleRecord } from '@userstream/shared/testing';
import { stackDownMessage } from './run.ts';

const down = await stackDownMessage();
if (down) {
  console.error(down);
  process.exit(1);
}
const total = Number(process.env.SINK_ROWS ?? 50_000);
const shapes = (process.env.SINK_SHAPES ?? '1x160,10x16,20x8,50x4')
  .split(',')
  .map((shape) => shape.split('x').map(Number) as [number, number]);
const chunk = 500;
const keyspace = `sink_cpu_${process.pid}`;
const db = await cassandraClient();
try {
  await applySchema(db, {
    keyspace,
    table: 'users',
    replication: "{'class': 'SimpleStrategy', 'replication_factor': 1}",
  });
  const rows: RowToWrite[] = Array.from({ length: total }, (_, i) => ({
    record: { ...sampleRecord, id: crypto.randomUUID(), produced_at: 1_764_000_000_000 + i },
    partition: i % 3,
    offset: String(i),
  }));
  const cassandraPid = stackServerPid('cassandra');
  for (const [batchRows, concurrency] of shapes) {
    const sink = createCassandraSink(db, { keyspace, table: 'users', concurrency, batchRows });
    await sink.write(rows.slice(0, 2_000)); // warm-up
    const [client, server, started] = [process.cpuUsage(), cpuSeconds(cassandraPid ?? -1), performance.now()];
    for (let start = 0; start < total; start += chunk) {
      const outcome = await sink.write(rows.slice(start, start + chunk));
      if (outcome.written.length !== Math.min(chunk, total - start)) throw new Error('rows not written');
    }
    const used = process.cpuUsage(client);
    const serverMicros = ((cpuSeconds(cassandraPid ?? -1) ?? NaN) - (server ?? NaN)) * 1e6;
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${batchRows} rows x ${concurrency}: client ${((used.user + used.system) / total).toFixed(1)} µs/row, ` +
        `Cassandra ${(serverMicros / total).toFixed(1)} µs/row, ${Math.round(total / seconds)} rows/s`,
    );
  }
} finally {
  await db.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  await db.shutdown();
}
