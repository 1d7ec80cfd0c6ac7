import net from 'node:net';

/** A loopback TCP proxy to `host:port` whose link can be cut and restored. */
export interface TcpProxy {
  /** The proxy's own port on 127.0.0.1. */
  readonly port: number;
  /** Drops every open connection, and every new one at once, as a server that went away. */
  cut(): void;
  /** Passes connections through again. */
  restore(): void;
  close(): Promise<void>;
}

/** Starts a proxy to `target` ("host:port"), so a test can make a real server unreachable from a service. */
export async function startTcpProxy(target: string): Promise<TcpProxy> {
  // Like cassandra-driver, a contact point without a port means 9042.
  const [host = '127.0.0.1', port = '9042'] = target.split(':');
  const sockets = new Set<net.Socket>();
  let linked = true;
  const server = net.createServer((client) => {
    // Cut: accepted and dropped at once. The proxy keeps listening, so its port cannot be taken meanwhile.
    if (!linked) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(port), host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined); // either end's error closes both below
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
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
    async close() {
      linked = false;
      const closed = new Promise((resolve) => server.close(resolve));
      dropAll();
      await closed;
    },
  };
}
