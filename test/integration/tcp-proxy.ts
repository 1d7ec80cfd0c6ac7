import net from 'node:net';

/** A loopback TCP proxy to `host:port` whose link can be cut and restored. */
export interface TcpProxy {
  /** The proxy's own port on 127.0.0.1 (the same after a restore). */
  readonly port: number;
  /** Drops every open connection and refuses new ones, as a server that went away. */
  cut(): Promise<void>;
  /** Accepts connections again, on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a proxy to `target` ("host:port"), so a test can make a real server unreachable from a service. */
export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const [host, port] = [
    target.slice(0, target.lastIndexOf(':')),
    Number(target.slice(target.lastIndexOf(':') + 1)),
  ];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, host);
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
  let listening = false;
  const listen = (on: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(on, '127.0.0.1', () => {
        server.off('error', reject);
        listening = true;
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  const stop = async () => {
    if (!listening) return;
    listening = false;
    const closed = new Promise((resolve) => server.close(resolve));
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  const own = await listen(0);
  return {
    port: own,
    cut: stop,
    async restore() {
      if (!listening) await listen(own);
    },
    close: stop,
  };
}
