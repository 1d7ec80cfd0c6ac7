// The status page in a real browser: Debian's Chromium (scripts/setup/chromium.sh) driven by playwright-core,
// against the real pipeline (offline source -> producer -> Kafka -> consumer -> Cassandra) and the status
// service. It asserts what a person sees; screenshots go to test-results/ (UPDATE_DOCS_SCREENSHOT=1 also
// copies the first to docs/status-page.png, the README's picture).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type cassandra from 'cassandra-driver';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startRandomUserSource } from '@userstream/randomuser-source';
import { countRows } from '@userstream/shared';
import {
  cassandraClient,
  freshNames,
  kafkaClient,
  killLeftovers,
  opsPort,
  REPO_ROOT,
  startService,
  waitFor,
  type ServiceProcess,
} from './support.ts';

const CHROMIUM = '/usr/bin/chromium';
const USERS = 200;
const ARTIFACTS = join(REPO_ROOT, 'test-results');
// Missing Chromium fails under CI=true (.ci/run installs it) and skips elsewhere.
const skip =
  !existsSync(CHROMIUM) && process.env.CI !== 'true'
    ? `${CHROMIUM} is missing (bash scripts/setup/chromium.sh installs it)`
    : false;

// The parts of the DOM the checks touch: the project compiles without the DOM library.
interface ImageLike {
  complete: boolean;
  naturalWidth: number;
}
interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(...box: number[]): { data: Uint8ClampedArray } } | null;
}

describe('status page in Chromium: the pipeline as a person sees it', { skip }, () => {
  const names = freshNames('it_status');
  let source: Awaited<ReturnType<typeof startRandomUserSource>>;
  let db: cassandra.Client;
  let consumer: ServiceProcess;
  let producer: ServiceProcess;
  let status: ServiceProcess;
  let browser: BrowserContext;
  let page: Page;
  let profile: string;

  before(async () => {
    source = await startRandomUserSource({ port: 0, host: '127.0.0.1' });
    db = await cassandraClient();
    consumer = startService('consumer', names);
    await consumer.waitForOutput(/"msg":"consuming"/);
    const consumerPort = await opsPort(consumer);
    // A long-running producer (for its GET /runs) whose one run is started below, once the page watches:
    // no run at start, the scheduled one not before next year.
    producer = startService('producer', {
      ...names,
      RANDOMUSER_URL: source.url,
      RANDOMUSER_SEED: 'status-page',
      PRODUCER_BATCH_SIZE: String(USERS),
      PRODUCER_SCHEDULE: '0 0 1 1 *',
      PRODUCER_RUN_ON_START: 'false',
    });
    const producerPort = await opsPort(producer);
    status = startService('status', {
      ...names,
      STATUS_PRODUCER_URL: `http://127.0.0.1:${producerPort}`,
      STATUS_CONSUMER_URLS: `http://127.0.0.1:${consumerPort}`,
      STATUS_POLL_MS: '1000',
    });
    const statusPort = await opsPort(status);

    profile = mkdtempSync(join(tmpdir(), 'status-page-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 1000 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(`http://127.0.0.1:${statusPort}/`);
    // The run starts once the page has counted from zero, so that its charts show the run's rates.
    await waitFor('the page to show 0 published', async () =>
      (await page.locator('#total-published').textContent()) === '0' ? true : undefined,
    );
    const run = await fetch(`http://127.0.0.1:${producerPort}/runs`, { method: 'POST' });
    assert.equal(run.status, 202, await run.text());
  });

  after(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await Promise.all([status?.stop(), producer?.stop(), consumer?.stop()]);
    await killLeftovers();
    await db?.execute(`DROP KEYSPACE IF EXISTS ${names.CASSANDRA_KEYSPACE}`);
    await db?.shutdown();
    await source?.close();
  });

  /** The text of `selector` on the page, or undefined while it is absent. */
  const text = async (selector: string): Promise<string | undefined> =>
    (await page
      .locator(selector)
      .first()
      .textContent({ timeout: 1_000 })
      .catch(() => null)) ?? undefined;

  test('the written count shown equals the rows in Cassandra, with every part up', async () => {
    let seen: string | undefined;
    const shown = await waitFor(
      () => `the page to show ${USERS} written (shows ${seen})`,
      async () => ((seen = await text('#total-written')) === String(USERS) ? USERS : undefined),
      120_000,
    );
    assert.equal(await countRows(db, names.CASSANDRA_KEYSPACE, names.CASSANDRA_TABLE), shown);
    assert.equal(await text('#total-published'), String(USERS));
    for (const part of ['producer', 'consumer', 'kafka', 'registry', 'cassandra']) {
      await waitFor(`${part} shown up`, async () =>
        (await page.locator(`li[data-part="${part}"]`).getAttribute('data-state')) === 'up'
          ? true
          : undefined,
      );
    }
    // The producer's run, from its GET /runs.
    assert.match((await text('#runs tbody tr')) ?? '', new RegExp(`succeeded\\s*${USERS}`));
  });

  test('a newest user is shown with a portrait that has loaded', async () => {
    const portrait = page.locator('#users li.user img').first();
    await waitFor('a portrait to load', async () =>
      (await portrait.count()) > 0 &&
      (await portrait.evaluate((img: ImageLike) => img.complete && img.naturalWidth > 0))
        ? true
        : undefined,
    );
    const src = (await portrait.getAttribute('src')) ?? '';
    assert.ok(src.startsWith(`http://127.0.0.1:${source.port}/api/portraits/`), src);
    assert.match((await text('#users li.user .country')) ?? '', /\([A-Z]{2}\)$/);
  });

  test('the written-per-second chart has been drawn in its colour', async () => {
    // Pixels of the series' stroke colour (#2e9d4f): the line itself, not just the axes.
    const coloured = await waitFor('the written chart to draw its series', async () => {
      const count = await page.locator('#chart-written canvas').evaluate((canvas: CanvasLike) => {
        const context = canvas.getContext('2d');
        if (!context) return 0;
        const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
        let hits = 0;
        for (let i = 0; i < data.length; i += 4) {
          const near = (value: number, target: number) => Math.abs(value - target) < 24;
          if (
            data[i + 3]! > 200 &&
            near(data[i]!, 0x2e) &&
            near(data[i + 1]!, 0x9d) &&
            near(data[i + 2]!, 0x4f)
          )
            hits += 1;
        }
        return hits;
      });
      return count > 20 ? count : undefined;
    });
    assert.ok(coloured > 20);
    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = join(ARTIFACTS, 'status-page.png');
    await page.screenshot({ path: shot, fullPage: true });
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1')
      copyFileSync(shot, join(REPO_ROOT, 'docs', 'status-page.png'));
  });

  test('a poison record shows up as a dead letter, by stage and reason and among the newest', async () => {
    const kafkaProducer = kafkaClient().producer();
    await kafkaProducer.connect();
    try {
      // Not Confluent-framed Avro: the consumer refuses it at decode and dead-letters it.
      await kafkaProducer.send({
        topic: names.KAFKA_TOPIC,
        messages: [{ key: 'poison-1', value: Buffer.from('not avro at all') }],
      });
    } finally {
      await kafkaProducer.disconnect();
    }
    let newest: string | undefined;
    await waitFor(
      () => `the dead letter on the page (newest: ${newest})`,
      async () => ((newest = await text('#dead-newest')) ?? '').includes('poison-1') || undefined,
      60_000,
    );
    const letter = (await text('#dead-newest li.letter')) ?? '';
    assert.match(letter, /decode/);
    assert.match((await text('#dead-counts tbody')) ?? '', /consumer\s*decode/);
    assert.equal(await text('#total-deadLettered'), '1');
  });

  test('a stopped consumer is shown down while the rest keeps updating', async () => {
    assert.equal(await consumer.stop(), 0, consumer.output().slice(-2_000));
    await waitFor(
      'the consumer shown down',
      async () =>
        (await page.locator('li[data-part="consumer"]').getAttribute('data-state')) === 'down'
          ? true
          : undefined,
      30_000,
    );
    const before = await page.locator('#updated').getAttribute('data-at');
    await waitFor('another update', async () =>
      (await page.locator('#updated').getAttribute('data-at')) !== before ? true : undefined,
    );
    for (const part of ['producer', 'kafka', 'registry', 'cassandra']) {
      assert.equal(await page.locator(`li[data-part="${part}"]`).getAttribute('data-state'), 'up', part);
    }
    // The last numbers it had are still shown.
    assert.equal(await text('#total-written'), String(USERS));
    assert.match((await text('#dead-counts tbody')) ?? '', /consumer\s*decode/);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'status-page-consumer-down.png'), fullPage: true });
  });
});
