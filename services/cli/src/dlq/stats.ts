import { isoOrDash, renderTable } from '../render/table.ts';
import { letterReason, letterStage, type Letter } from './letter.ts';

/** Letters counted by stage and reason, with the oldest and newest of each group and of all. */
export interface DlqStats {
  topic: string;
  total: number;
  oldest?: string | undefined;
  newest?: string | undefined;
  groups: { stage: string; reason: string; count: number; oldest: string; newest: string }[];
}

/** Counts `letters` by stage and reason (largest groups first). */
export function computeStats(topic: string, letters: readonly Letter[]): DlqStats {
  const groups = new Map<
    string,
    { stage: string; reason: string; count: number; oldest: number; newest: number }
  >();
  for (const letter of letters) {
    const stage = letterStage(letter);
    const reason = letterReason(letter);
    const key = `${stage}\u0000${reason}`;
    const group = groups.get(key) ?? { stage, reason, count: 0, oldest: Infinity, newest: -Infinity };
    group.count += 1;
    group.oldest = Math.min(group.oldest, letter.timestamp);
    group.newest = Math.max(group.newest, letter.timestamp);
    groups.set(key, group);
  }
  const all = [...groups.values()];
  return {
    topic,
    total: letters.length,
    oldest: all.length ? isoOrDash(all.reduce((min, g) => Math.min(min, g.oldest), Infinity)) : undefined,
    newest: all.length ? isoOrDash(all.reduce((max, g) => Math.max(max, g.newest), -Infinity)) : undefined,
    groups: [...groups.values()]
      .sort((a, b) => b.count - a.count || a.stage.localeCompare(b.stage) || a.reason.localeCompare(b.reason))
      .map((g) => ({ ...g, oldest: isoOrDash(g.oldest), newest: isoOrDash(g.newest) })),
  };
}

/** The stats as a table for people. */
export function renderStats(stats: DlqStats): string {
  if (stats.total === 0) return `${stats.topic}: no dead letters`;
  const lines = [
    `${stats.topic}: ${stats.total} dead letter${stats.total === 1 ? '' : 's'}, oldest ${stats.oldest}, newest ${stats.newest}`,
    '',
    renderTable(
      ['STAGE', 'REASON', 'COUNT', 'OLDEST', 'NEWEST'],
      stats.groups.map((g) => [g.stage, g.reason, g.count, g.oldest, g.newest]),
    ),
  ];
  return lines.join('\n');
}
