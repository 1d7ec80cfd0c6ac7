// TLS and basic-auth reverse proxy in front of the local stack's Apicurio Registry (secure mode only):
// Apicurio 3.0.9 authenticates through OpenID Connect only, so the stack's registry gets HTTPS and a user
// name and password here, and Apicurio itself listens on a loopback port of its own behind it.
//
//   node scripts/stack/registry-proxy.ts [-D... markers, ignored]
//
// Environment: PROXY_PORT (HTTPS, 127.0.0.1), PROXY_TARGET_PORT (Apicurio, http://127.0.0.1),
// PROXY_CERT_FILE, PROXY_KEY_FILE (PEM), PROXY_USERNAME, PROXY_PASSWORD_FILE.
// A request without the right credentials gets 401 and never reaches the registry. Logs one line per
// start, stop and refused request; never a credential.
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, type ServerOptions } from 'node:https';
import { createHash, timingSafeEqual } from 'node:crypto';

const HOST = '127.0.0.1';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    process.stderr.write(`registry-proxy: ${name} is not set\n`);
    process.exit(64);
  }
  return value;
}

const port = Number(required('PROXY_PORT'));
const targetPort = Number(required('PROXY_TARGET_PORT'));
const tls: ServerOptions = {
  cert: readFileSync(required('PROXY_CERT_FILE')),
  key: readFileSync(required('PROXY_KEY_FILE')),
};
const expected = digest(
  `Basic ${Buffer.from(`${required('PROXY_USERNAME')}:${readFileSync(required('PROXY_PASSWORD_FILE'), 'utf8').trim()}`).toString('base64')}`,
);

/** A fixed-length digest, so that the comparison takes the same time whatever the header's length. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString()} registry-proxy: ${message}\n`);
}

const server = createServer(tls, (req, res) => {
  if (!timingSafeEqual(digest(req.headers.authorization ?? ''), expected)) {
    log(
      `401 ${req.method ?? '?'} ${(req.url ?? '').split('?')[0] ?? ''} from ${req.socket.remoteAddress ?? '?'}`,
    );
    res.writeHead(401, {
      'www-authenticate': 'Basic realm="schema registry"',
      'content-type': 'application/json',
    });
    res.end('{"error_code":401,"message":"Unauthorized"}');
    return;
  }
  const headers = { ...req.headers, host: `${HOST}:${targetPort}` };
  delete headers.authorization;
  const upstream = httpRequest(
    { host: HOST, port: targetPort, method: req.method, path: req.url, headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', (error) => {
    log(`502: registry not reachable on ${HOST}:${targetPort} (${error.message})`);
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end('{"error_code":502,"message":"registry not reachable"}');
  });
  req.pipe(upstream);
});

server.listen(port, HOST, () => log(`https://${HOST}:${port} -> http://${HOST}:${targetPort}`));
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log(`stopping (${signal})`);
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
