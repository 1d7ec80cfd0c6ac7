// The Prometheus config and alert rules in monitoring/: promtool checks them and runs their unit tests
// (monitoring/tests/), every alert has a case where it fires and one where it does not, and the rules use
// only metric names the services really export. promtool comes from Debian's prometheus package
// (scripts/setup/prometheus.sh); without it these tests fail under CI=true and are skipped elsewhere.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../integration/support.ts';

const MONITORING = join(REPO_ROOT, 'monitoring');
const hasPromtool = spawnSync('promtool', ['--version']).status === 0;
const skip =
  !hasPromtool && process.env.CI !== 'true'
    ? 'promtool is not installed (scripts/setup/prometheus.sh)'
    : false;

function promtool(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { cwd: MONITORING, encoding: 'utf8' });
  if (result.error)
    throw new Error(
      `promtool could not run (scripts/setup/prometheus.sh installs it): ${result.error.message}`,
    );
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const yamlFiles = (dir: string) =>
  readdirSync(join(MONITORING, dir))
    .filter((file) => file.endsWith('.yml'))
    .map((file) => join(dir, file));

interface RuleFile {
  groups: { rules: { alert?: string; expr: string }[] }[];
}
interface RuleTestFile {
  tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
}
const ruleFiles = yamlFiles('rules');
const rules = ruleFiles.flatMap((file) =>
  (parse(readFileSync(join(MONITORING, file), 'utf8')) as RuleFile).groups.flatMap((group) => group.rules),
);
const alertTests = yamlFiles('tests').flatMap((file) =>
  (parse(readFileSync(join(MONITORING, file), 'utf8')) as RuleTestFile).tests.flatMap(
    (test) => test.alert_rule_test ?? [],
  ),
);

describe('monitoring: Prometheus config and alert rules', () => {
  it('promtool check rules accepts every rule file', { skip }, () => {
    const { status, output } = promtool('check', 'rules', ...ruleFiles);
    assert.equal(status, 0, output);
    assert.match(output, new RegExp(`SUCCESS: ${rules.length} rules found`));
  });

  it('promtool check config accepts prometheus.yml and the rule files it loads', { skip }, () => {
    const { status, output } = promtool('check', 'config', 'prometheus.yml');
    assert.equal(status, 0, output);
    assert.match(output, new RegExp(`SUCCESS: ${ruleFiles.length} rule files found`));
  });

  it('promtool test rules passes the rule unit tests', { skip }, () => {
    const { status, output } = promtool('test', 'rules', ...yamlFiles('tests'));
    assert.equal(status, 0, output);
    assert.doesNotMatch(output, /FAILED/);
  });

  it('every alert has a test where it fires and one where it does not', () => {
    const alerts = rules.flatMap((rule) => (rule.alert ? [rule.alert] : []));
    for (const name of [
      'ConsumerLagGrowing',
      'DeadLetters',
      'ProducerRunsFailing',
      'ProducerRunsSkipped',
      'ConsumerPaused',
      'ServiceDown',
      'DependencyDown',
    ]) {
      assert.ok(alerts.includes(name), `an alert ${name}`);
    }
    for (const alert of alerts) {
      const cases = alertTests.filter((test) => test.alertname === alert);
      assert.ok(
        cases.some((test) => (test.exp_alerts ?? []).length > 0),
        `${alert}: a case where it fires`,
      );
      assert.ok(
        cases.some((test) => (test.exp_alerts ?? []).length === 0),
        `${alert}: a case where it does not`,
      );
    }
  });

  it('the rules use only metric names that the services export', () => {
    const sources = ['producer', 'consumer', 'status']
      .map((service) => join(REPO_ROOT, 'services', service, 'src'))
      .flatMap((dir) =>
        readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((file) => join(dir, file)),
      )
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    const exported = new Set([...sources.matchAll(/name: '(userstream_[a-z_]+)'/g)].map((match) => match[1]));
    const used = new Set(
      rules.flatMap((rule) => [...rule.expr.matchAll(/\buserstream_[a-z_]+/g)].map((m) => m[0])),
    );
    assert.ok(used.size >= 5, [...used].join(', '));
    for (const name of used) assert.ok(exported.has(name), `${name} is exported by a service`);
  });

  it('scrapes each service on the port it listens on by default, and ServiceDown covers every job', () => {
    const config = parse(readFileSync(join(MONITORING, 'prometheus.yml'), 'utf8')) as {
      scrape_configs: {
        job_name: string;
        static_configs?: { targets: string[] }[];
        dns_sd_configs?: { names: string[]; port: number }[];
      }[];
    };
    const ports: Record<string, number> = {
      producer: 8080,
      consumer: 8090,
      status: 8070,
      'randomuser-source': 8088,
    };
    const jobs = config.scrape_configs.map((job) => job.job_name);
    assert.deepEqual([...jobs].sort(), Object.keys(ports).sort());
    for (const job of config.scrape_configs) {
      const targets = [
        ...(job.static_configs ?? []).flatMap((c) => c.targets),
        ...(job.dns_sd_configs ?? []).flatMap((c) => c.names.map((name) => `${name}:${c.port}`)),
      ];
      assert.deepEqual(targets, [`${job.job_name}:${ports[job.job_name]}`], job.job_name);
    }
    const serviceDown = rules.find((rule) => rule.alert === 'ServiceDown');
    for (const job of jobs) assert.ok(serviceDown?.expr.includes(job), `ServiceDown covers ${job}`);
  });
});
