import type { CmdletRunner } from './exchangeClient';

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
export async function listQuarantinePage(exchange: CmdletRunner, window: ReceivedWindow, page: number): Promise<QuarantinePage> {
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
