import { isRecord } from '../http/json';
import { RetryableError } from '../http/retry';
import { coded } from '../domain/errors';
import type { CmdletRunner } from './ports';

/** Get-QuarantineMessage's own page size bound; PageSize 0 silently returns nothing. */
export const PAGE_SIZE = 1000;

export interface ReceivedWindow {
  start: Date;
  end: Date;
}

export interface QuarantinePage {
  rows: unknown[];
  /** The window holds more rows than Exchange will page through: split it. */
  truncated: boolean;
  /** Shorter than PAGE_SIZE: nothing follows. */
  last: boolean;
}

/** One page of Get-QuarantineMessage for a received-date window (both directions, any release status). */
export async function listQuarantinePage(
  exchange: CmdletRunner,
  window: ReceivedWindow,
  page: number,
): Promise<QuarantinePage> {
  const result = await exchange.invoke('Get-QuarantineMessage', {
    StartReceivedDate: window.start.toISOString(),
    EndReceivedDate: window.end.toISOString(),
    Page: page,
    PageSize: PAGE_SIZE,
  });
  return { rows: result.rows, truncated: result.truncated, last: result.rows.length < PAGE_SIZE };
}

/** The tenant's accepted domains, lower case. */
export async function listAcceptedDomains(exchange: CmdletRunner): Promise<string[]> {
  const result = await exchange.invoke('Get-AcceptedDomain', {});
  return result.rows
    .map((row) => (typeof row === 'object' && row !== null ? (row as Record<string, unknown>).DomainName : undefined))
    .filter((d): d is string => typeof d === 'string' && d.trim() !== '')
    .map((d) => d.trim().toLowerCase());
}

/** What reading one copy's header gave; a header read never throws for an answer Exchange gave. */
export type HeaderRead =
  | { kind: 'header'; text: string }
  /** 403: the app's directory role does not allow the cmdlet (the body may be NUL bytes). */
  | { kind: 'forbidden' }
  /** 400 "couldn't be found": the copy has left quarantine or expired. */
  | { kind: 'not-found' }
  | { kind: 'failed'; why: string };

export const HEADER_TIMEOUT_MS = 30_000;

class HeaderTimeout extends Error {}

/**
 * Get-QuarantineMessageHeader for one copy (`Identity` "<NetworkMessageId>\<copy id>"). Each read is
 * audited in the tenant (RequestType 4, ViewHeader), so callers read a message once and keep the result.
 * `-EntityType` is not sent: observed 403 for Security Reader with it.
 */
export async function readQuarantineMessageHeader(
  exchange: CmdletRunner,
  identity: string,
  timeoutMs = HEADER_TIMEOUT_MS,
): Promise<HeaderRead> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HeaderTimeout()), timeoutMs);
  });
  try {
    const result = await Promise.race([
      exchange.invoke('Get-QuarantineMessageHeader', { Identity: identity }),
      timeout,
    ]);
    const row = result.rows.find((r): r is Record<string, unknown> => isRecord(r) && typeof r.Header === 'string');
    if (!row) return { kind: 'failed', why: 'answer without a Header' };
    // An answer about another copy than the one asked for is not evidence about this message.
    if (typeof row.Identity === 'string' && row.Identity.trim().toLowerCase() !== identity.toLowerCase())
      return { kind: 'failed', why: 'answer for another Identity' };
    return { kind: 'header', text: row.Header as string };
  } catch (error) {
    if (error instanceof HeaderTimeout)
      return { kind: 'failed', why: `no answer within ${Math.round(timeoutMs / 1000)} s` };
    if (error instanceof RetryableError) return { kind: 'failed', why: 'Exchange busy or unreachable' };
    const failure = coded(error);
    if (failure?.code === 'exchange') {
      if (failure.status === 403) return { kind: 'forbidden' };
      if (
        (failure.status === 400 || failure.status === 404) &&
        /(couldn't|could not|cannot|can't) be found|not found/i.test(failure.message)
      )
        return { kind: 'not-found' };
      return { kind: 'failed', why: `HTTP ${failure.status}` };
    }
    // Anything else is not an answer from Exchange (a broken process, a bug): let it fail the run.
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
