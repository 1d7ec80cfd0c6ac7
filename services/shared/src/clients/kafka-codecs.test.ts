import { test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { registerZstdCodec } from './kafka-codecs.ts';

const { CompressionCodecs, CompressionTypes } = kafkajs;

test('the zstd codec round-trips a batch and writes a zstd frame', async () => {
  registerZstdCodec();
  const codec = CompressionCodecs[CompressionTypes.ZSTD]() as {
    compress(encoder: { buffer: Buffer }): Promise<Buffer>;
    decompress(buffer: Buffer): Promise<Buffer>;
  };
  const batch = Buffer.from('user record '.repeat(2_000));
  const compressed = await codec.compress({ buffer: batch });
  // zstd frames start with the magic number 0xFD2FB528 (little-endian).
  assert.equal(compressed.readUInt32LE(0), 0xfd2fb528);
  assert.ok(compressed.length < batch.length / 10, `${compressed.length} bytes`);
  assert.deepEqual(await codec.decompress(compressed), batch);
  await assert.rejects(codec.decompress(Buffer.from('not zstd')));
});
