// HTTP reads of the services' ops servers, each bounded in time: a service that hangs is reported down,
// never waited for.
import { describeError } from '@userstream/shared';

/** What a probe found: up with a value, or down with the reason. */
export type Probe<T> = { up: true; value: T } | { up: false; error: string };

/** GETs `url` and hands the answer to `read`; down on no answer within `timeoutMs`, or when `read` throws. */
export async function probe<T>(
  url: string,
  timeoutMs: number,
  read: (response: Response) => Promise<T>,
): Promise<Probe<T>> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { up: true, value: await read(response) };
  } catch (error) {
    return { up: false, error: withCause(error) };
  }
}

/** The error and its cause: fetch says only "fetch failed", its cause says why (ECONNREFUSED, ...). */
function withCause(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  return cause === undefined ? describeError(error) : `${describeError(error)} (${describeError(cause)})`;
}

/** The body of a 2xx answer as text; throws naming the status otherwise. */
export async function okText(response: Response): Promise<string> {
  const text = await response.text();
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`);
  return text;
}

/** A /readyz answer: 200 and its checks, or 503 and the checks that failed (both are answers). */
export async function readiness(
  response: Response,
): Promise<{ ready: boolean; checks: Record<string, string> }> {
  const body = (await response.json()) as { checks?: Record<string, string> };
  if (response.status !== 200 && response.status !== 503) throw new Error(`HTTP ${response.status}`);
  return { ready: response.status === 200, checks: body.checks ?? {} };
}

/** Runs `work` with a time limit, resolving to a down probe when it throws or runs out of time. */
export async function bounded<T>(work: () => Promise<T>, timeoutMs: number, what: string): Promise<Probe<T>> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const value = await Promise.race([
      work(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { up: true, value };
  } catch (error) {
    return { up: false, error: withCause(error) };
  } finally {
    clearTimeout(timer);
  }
}
