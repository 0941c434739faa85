/** Fetch for public status feeds: maps HTTP failures to the connector's typed errors. */
import { MalformedResponseError, ThrottledError, UnavailableError } from '../../types';

/** GETs a public status URL and returns the body text; 429 and 5xx become typed errors. */
export async function fetchFeedText(url: string, signal: AbortSignal): Promise<{ status: number; body: string }> {
  let res: Response;
  try {
    res = await fetch(url, { signal, headers: { accept: 'application/json, application/rss+xml, text/xml;q=0.9' } });
  } catch (cause) {
    throw new UnavailableError(`status feed ${url} unreachable`, null, { cause });
  }
  const body = await res.text();
  if (res.status === 429) {
    const retry = Number(res.headers.get('retry-after') ?? '60');
    throw new ThrottledError(`status feed ${url} throttled`, (Number.isFinite(retry) ? retry : 60) * 1000);
  }
  if (res.status >= 500) throw new UnavailableError(`status feed ${url} answered ${res.status}`);
  if (res.status >= 400 && res.status !== 404) throw new MalformedResponseError(`status feed ${url} answered ${res.status}`);
  return { status: res.status, body };
}

/** Parses JSON or throws MalformedResponseError naming the URL. */
export function parseJson(url: string, body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch (cause) {
    throw new MalformedResponseError(`status feed ${url} is not JSON`, { cause });
  }
}
