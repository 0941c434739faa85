/**
 * One entry point for every transport: refuses unknown channels, validates the request with the
 * channel's schema, runs the handler, checks the response against the contract (outside production)
 * and turns every failure into an ApiErrorBody that carries no stack trace and no secret.
 */
import { randomBytes } from 'node:crypto';
import { ApiError, channels, type ApiHandlers, type ApiReply, type ChannelId } from '../../../shared/contract';
import { describeZodError } from '../../../shared/format';
import { safeErrorText } from '../sync/safe-error';

export interface DispatchOptions {
  /** Check handler output against the response schema (default: on unless NODE_ENV is production). */
  validateResponse?: boolean;
  /** Where internal failures are logged in full (default: stderr). */
  log?: (message: string) => void;
}

/** Whether `channel` is a channel id of the contract (own keys only: no prototype tricks). */
export function isChannelId(channel: unknown): channel is ChannelId {
  return typeof channel === 'string' && Object.hasOwn(channels, channel);
}

const defaultValidate = () => process.env.NODE_ENV !== 'production';

/** Runs one request on one channel and always resolves with an ApiReply. */
export async function dispatch(
  handlers: ApiHandlers,
  channel: string,
  rawRequest: unknown,
  options: DispatchOptions = {},
): Promise<ApiReply> {
  const write = options.log ?? ((message: string) => console.error(message));
  const log = (message: string) => write(safeErrorText(message));
  if (!isChannelId(channel)) {
    return fail('bad-request', `unknown channel "${String(channel).slice(0, 80)}"`);
  }
  const contract = channels[channel];
  const parsed = contract.request.safeParse(rawRequest === undefined ? {} : rawRequest);
  if (!parsed.success) return fail('bad-request', describeZodError(parsed.error, `${channel} request`));

  try {
    // The handler table is indexed by the same id as the schema table, so the request type matches.
    const handler = handlers[channel] as (req: unknown) => Promise<unknown>;
    const data = await handler(parsed.data);
    if (options.validateResponse ?? defaultValidate()) {
      const checked = contract.response.safeParse(data);
      if (!checked.success) {
        const ref = reference();
        log(`[${ref}] ${describeZodError(checked.error, `${channel} response breaks the contract`)}`);
        return fail('internal', `internal error in ${channel} (ref ${ref})`);
      }
    }
    return { ok: true, data };
  } catch (error) {
    if (error instanceof ApiError) return fail(error.code, safeErrorText(error.message));
    const ref = reference();
    log(`[${ref}] ${channel} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    // The message of an unexpected error may carry paths, SQL or credentials: keep it in the log.
    return fail('internal', `internal error in ${channel} (ref ${ref})`);
  }
}

function fail(code: ApiError['code'], message: string): ApiReply {
  return { ok: false, error: { code, message } };
}

function reference(): string {
  return randomBytes(4).toString('hex');
}
