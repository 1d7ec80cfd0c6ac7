import { isoOrDash } from '../render/table.ts';
import { keyText, letterReason, letterStage, type Letter } from './letter.ts';
import { toJsonSafe, type ValueView } from './value-view.ts';

/** One letter for `dlq show`: where it is, why it failed, its headers, and its value made readable. */
export interface ShownLetter {
  partition: number;
  offset: string;
  timestamp: string;
  key: string | null;
  stage: string;
  reason: string;
  headers: Record<string, string>;
  value: ValueView;
}

/** A letter and its value view as shown. */
export function showLetter(letter: Letter, value: ValueView): ShownLetter {
  const view =
    value.format === 'avro' || value.format === 'json' ? { ...value, data: toJsonSafe(value.data) } : value;
  return {
    partition: letter.partition,
    offset: letter.offset,
    timestamp: isoOrDash(letter.timestamp),
    key: keyText(letter),
    stage: letterStage(letter),
    reason: letterReason(letter),
    headers: letter.headers,
    value: view,
  };
}

function describeValue(value: ValueView): string {
  switch (value.format) {
    case 'avro':
      return `value (Avro, schema id ${value.schemaId}):\n${indent(JSON.stringify(value.data, null, 2))}`;
    case 'json':
      return `value (JSON):\n${indent(JSON.stringify(value.data, null, 2))}`;
    case 'hex':
      return `value (hex, ${value.bytes} bytes${value.note ? `; ${value.note}` : ''}):\n${indent(value.data)}`;
    case 'none':
      return 'value: none (tombstone)';
  }
}

const indent = (text: string, by = '    '): string =>
  text
    .split('\n')
    .map((line) => by + line)
    .join('\n');

/** Letters as text blocks for people: a title line, the headers, the value. */
export function renderShown(topic: string, letters: readonly ShownLetter[], total: number): string {
  if (letters.length === 0) return `${topic}: no dead letters match`;
  const blocks = letters.map((letter) => {
    const headers = Object.entries(letter.headers)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, value]) => `  ${name}: ${value}`);
    return [
      `${topic} partition ${letter.partition} offset ${letter.offset}  ${letter.timestamp}  ${letter.stage}/${letter.reason}  key ${letter.key ?? '(none)'}`,
      ...headers,
      `  ${describeValue(letter.value).replace(/\n/g, '\n  ')}`,
    ].join('\n');
  });
  const more =
    total > letters.length ? `\n\n${letters.length} of ${total} matching letters shown (--limit)` : '';
  return blocks.join('\n\n') + more;
}
