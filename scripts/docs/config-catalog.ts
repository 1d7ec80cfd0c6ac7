// Every environment variable of every service, read from the services' zod schemas: the one place the
// configuration is written. docs/configuration.md is rendered from it and .env.example is checked against it.
import { z } from 'zod';
import { producerEnvSchema } from '../../services/producer/src/config.ts';
import { consumerEnvSchema } from '../../services/consumer/src/config.ts';
import { sourceEnvSchema } from '../../services/randomuser-source/src/config.ts';
import { statusEnvSchema } from '../../services/status/src/config.ts';

/** Each service's environment schema, in the order the docs list services. */
export const SERVICE_SCHEMAS = {
  producer: producerEnvSchema,
  consumer: consumerEnvSchema,
  'randomuser-source': sourceEnvSchema,
  status: statusEnvSchema,
} as const satisfies Record<string, z.ZodObject>;

export type ServiceName = keyof typeof SERVICE_SCHEMAS;

/** One variable as the docs show it. */
export interface SettingDoc {
  name: string;
  /** The services that read it, in SERVICE_SCHEMAS order. */
  services: ServiceName[];
  /** Its default per service, written as the variable would be set; undefined when it has none. */
  defaults: Partial<Record<ServiceName, string>>;
  /** What values it accepts, from the schema (a range, a list), or '' when the description says it. */
  accepts: string;
  /** The schema's `.describe()` text; '' when it has none (a test refuses that). */
  description: string;
}

/** The largest integer bound, which the docs leave unsaid (see intVar in services/shared). */
const MAX_INT32 = 2_147_483_647;
const BOOLEAN_SPELLINGS = ['0', '1', 'false', 'no', 'true', 'yes'];

interface InputJsonSchema {
  type?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  format?: string;
}

/** The input side of a field as JSON Schema (transforms such as boolVar's are left out). */
function inputJsonSchema(field: z.ZodType): InputJsonSchema {
  return z.toJSONSchema(field, { io: 'input', unrepresentable: 'any' }) as InputJsonSchema;
}

/** A parsed default written back the way an environment variable spells it; undefined when unset. */
export function asEnvText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.map((item) => asEnvText(item) ?? '').join(',');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** The value a field takes when its variable is unset, as environment text. */
export function envDefault(field: z.ZodType): string | undefined {
  const parsed = field.safeParse(undefined);
  if (!parsed.success) throw new Error(`a field without a default must be optional: ${parsed.error.message}`);
  return asEnvText(parsed.data);
}

/** A short statement of the values a field accepts, or '' for free text. */
export function acceptedValues(field: z.ZodType): string {
  const json = inputJsonSchema(field);
  if (json.enum !== undefined) {
    const values = json.enum.map(String);
    const isBoolean = [...values].sort().join() === BOOLEAN_SPELLINGS.join();
    return isBoolean
      ? '`true`, `false` (or `1`, `0`, `yes`, `no`)'
      : values.map((v) => `\`${v}\``).join(', ');
  }
  if (json.type === 'integer' || json.type === 'number') {
    const kind = json.type === 'integer' ? 'integer' : 'number';
    const { minimum, maximum } = json;
    if (minimum !== undefined && maximum !== undefined && maximum < MAX_INT32) {
      return `${kind} ${minimum}..${maximum}`;
    }
    return minimum === undefined ? kind : `${kind} ≥ ${minimum}`;
  }
  if (json.format === 'uri') return 'http(s) URL';
  return '';
}

/** Every variable of every service, in the order the schemas declare them. */
export function configCatalog(schemas: Record<ServiceName, z.ZodObject> = SERVICE_SCHEMAS): SettingDoc[] {
  const byName = new Map<string, SettingDoc>();
  for (const [service, schema] of Object.entries(schemas) as [ServiceName, z.ZodObject][]) {
    for (const [name, value] of Object.entries(schema.shape)) {
      const field = value as z.ZodType;
      const setting = byName.get(name) ?? {
        name,
        services: [],
        defaults: {},
        accepts: acceptedValues(field),
        description: field.description ?? '',
      };
      setting.services.push(service);
      const fallback = envDefault(field);
      if (fallback !== undefined) setting.defaults[service] = fallback;
      byName.set(name, setting);
    }
  }
  return [...byName.values()];
}
