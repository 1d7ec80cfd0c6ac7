import { promisify } from 'node:util';
import zlib from 'node:zlib';
import kafkajs from 'kafkajs';

// kafkajs is CommonJS and Node cannot see CompressionCodecs as a named export.
const { CompressionCodecs, CompressionTypes } = kafkajs;

const zstdCompress = promisify(zlib.zstdCompress);
const zstdDecompress = promisify(zlib.zstdDecompress);

/** zstd level 3: zstd's own default, faster than gzip and smaller. */
const ZSTD_LEVEL = 3;

/**
 * Teaches kafkajs zstd (Kafka codec 4) with Node's built-in zlib. kafkajs ships only gzip: without this,
 * a consumer fails on the first zstd batch any producer writes, and the producer cannot choose zstd.
 */
export function registerZstdCodec(): void {
  CompressionCodecs[CompressionTypes.ZSTD] = () => ({
    compress: (encoder: { buffer: Buffer }) =>
      zstdCompress(encoder.buffer, { params: { [zlib.constants.ZSTD_c_compressionLevel]: ZSTD_LEVEL } }),
    decompress: (buffer: Buffer) => zstdDecompress(buffer),
  });
}
