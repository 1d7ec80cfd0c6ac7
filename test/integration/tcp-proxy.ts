import net from 'node:net';

/** A loopback TCP proxy to `host:port` whose link can be cut and restored. */
export interface TcpProxy {
  /** The proxy's own port on 127.0.0.1. */
  readonly port: number;
  /** Drops every open connection, and every new one at once, as a server that went away. */
  cut(): void;
  /** Passes connections through again. */
  restore(): void;
  /**
   * For a proxy started with `{ kafka: true }`: passes on the next request with this API key (0 is Produce),
   * then drops its connection when the broker's answer to it arrives, so the broker has done the request and
   * the client never hears. Resolves once an answer was lost; rejects if none was within `timeoutMs`.
   */
  loseNextAnswer(apiKey: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Hands `onHeader` the first `headerBytes` of each of the size-prefixed frames Kafka's protocol is made of
 * (a request: size, API key, version, correlation id; an answer: size, correlation id), from a byte stream.
 */
function frameScanner(headerBytes: number, onHeader: (header: Buffer) => void): (chunk: Buffer) => void {
  let header = Buffer.alloc(0);
  let rest = 0; // bytes of the current frame after its header, still to pass
  return (chunk) => {
    let at = 0;
    while (at < chunk.length) {
      if (rest > 0) {
        const skipped = Math.min(rest, chunk.length - at);
        rest -= skipped;
        at += skipped;
        continue;
      }
      const taken = Math.min(headerBytes - header.length, chunk.length - at);
      header = Buffer.concat([header, chunk.subarray(at, at + taken)]);
      at += taken;
      if (header.length === headerBytes) {
        rest = header.readInt32BE(0) + 4 - headerBytes;
        onHeader(header);
        header = Buffer.alloc(0);
      }
    }
  };
}

/**
 * Starts a proxy to `target` ("host:port"), so a test can make a real server unreachable from a service;
 * `kafka` makes it read Kafka's frames, for loseNextAnswer.
 */
export async function startTcpProxy(target: string, { kafka = false } = {}): Promise<TcpProxy> {
  // Like cassandra-driver, a contact point without a port means 9042.
  const [host = '127.0.0.1', port = '9042'] = target.split(':');
  const sockets = new Set<net.Socket>();
  let linked = true;
  let losing: { apiKey: number; lost: () => void } | undefined;
  const server = net.createServer((client) => {
    // Cut: accepted and dropped at once. The proxy keeps listening, so its port cannot be taken meanwhile.
    if (!linked) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(port), host);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined); // either end's error closes both below
      socket.on('close', () => {
        sockets.delete(socket);
        drop();
      });
    }
    if (!kafka) {
      client.pipe(upstream).pipe(client);
      return;
    }
    // The correlation id of the request whose answer this connection is to lose.
    let doomed: number | undefined;
    let answerLost = false;
    const scanRequests = frameScanner(12, (header) => {
      if (losing && doomed === undefined && header.readInt16BE(4) === losing.apiKey)
        doomed = header.readInt32BE(8);
    });
    const scanAnswers = frameScanner(8, (header) => {
      if (doomed !== undefined && header.readInt32BE(4) === doomed) answerLost = true;
    });
    client.on('data', (chunk: Buffer) => {
      scanRequests(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      scanAnswers(chunk);
      if (!answerLost) {
        client.write(chunk);
        return;
      }
      // Not one byte of the chunk that holds the answer reaches the client: the connection dies instead.
      drop();
      losing?.lost();
      losing = undefined;
    });
  });
  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    cut() {
      linked = false;
      dropAll();
    },
    restore() {
      linked = true;
    },
    loseNextAnswer(apiKey, timeoutMs = 30_000) {
      if (!kafka) throw new Error('loseNextAnswer needs a proxy started with { kafka: true }');
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          losing = undefined;
          reject(new Error(`no answer to an API key ${apiKey} request was lost within ${timeoutMs} ms`));
        }, timeoutMs);
        losing = {
          apiKey,
          lost: () => {
            clearTimeout(timer);
            resolve();
          },
        };
      });
    },
    async close() {
      linked = false;
      const closed = new Promise((resolve) => server.close(resolve));
      dropAll();
      await closed;
    },
  };
}
