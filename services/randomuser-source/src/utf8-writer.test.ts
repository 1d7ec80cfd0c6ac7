import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Utf8Writer } from './utf8-writer.ts';

describe('Utf8Writer', () => {
  it('grows past its first guess and keeps every byte, multi-byte characters included', () => {
    const writer = new Utf8Writer(1);
    const pieces = ['{"a":', '"Тимофій"', ',"b":"مهدی"', ',"c":"😀"}', 'x'.repeat(10_000)];
    for (const piece of pieces) writer.write(piece);
    assert.equal(writer.bytes().toString('utf8'), pieces.join(''));
    assert.equal(writer.bytes().length, Buffer.byteLength(pieces.join('')));
  });
});
