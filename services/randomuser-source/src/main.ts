#!/usr/bin/env node
// The offline randomuser.me 1.4 source as a service: configured from the environment, stopped by SIGTERM/SIGINT.
// An invalid variable stops it at start (exit 2) with every bad variable named, via runMain.
import { redactConfig } from '@userstream/shared/config';
import { createLogger } from '@userstream/shared/observability';
import { installShutdown, runMain } from '@userstream/shared/lifecycle';
import { loadConfig } from './config.ts';
import { startRandomUserSource } from './source-server.ts';

runMain('randomuser-source', async () => {
  const config = loadConfig(process.env);
  const logger = createLogger('randomuser-source', config.logLevel);
  const shutdown = installShutdown(logger, config.shutdownTimeoutMs);
  const source = await startRandomUserSource({
    host: config.host,
    port: config.port,
    faults: config.faults,
    pageCacheSize: config.pageCacheSize,
    portraitsUrl: config.portraitsUrl,
    logger,
  });
  shutdown.add('http server', () => source.close());
  logger.info({ url: source.url, config: redactConfig({ ...config }) }, 'randomuser source ready');
  return undefined;
});
