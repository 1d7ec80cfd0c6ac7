import { test } from 'node:test';
import assert from 'node:assert/strict';
import { named, parsePrometheusText, total } from './prometheus-text.ts';

const TEXT = `# HELP userstream_consumer_records_dead_lettered_total Messages sent to the dead-letter topic
# TYPE userstream_consumer_records_dead_lettered_total counter
userstream_consumer_records_dead_lettered_total{stage="decode",error="DecodeError",service="consumer"} 3
userstream_consumer_records_dead_lettered_total{stage="validate",error="Validation \\"x\\"",service="consumer"} 2

userstream_consumer_records_written_total{service="consumer"} 1000
userstream_consumer_batch_write_duration_seconds_bucket{le="+Inf",service="consumer"} 7
`;

test('reads names, labels (escapes included) and values; skips comments and blank lines', () => {
  const samples = parsePrometheusText(TEXT);
  assert.equal(samples.length, 4);
  assert.deepEqual(named(samples, 'userstream_consumer_records_dead_lettered_total')[1]?.labels, {
    stage: 'validate',
    error: 'Validation "x"',
    service: 'consumer',
  });
  assert.equal(total(samples, 'userstream_consumer_records_dead_lettered_total'), 5);
  assert.equal(total(samples, 'userstream_consumer_records_written_total'), 1000);
  assert.equal(total(samples, 'absent_total'), 0);
  assert.equal(
    named(samples, 'userstream_consumer_batch_write_duration_seconds_bucket')[0]?.labels.le,
    '+Inf',
  );
});
