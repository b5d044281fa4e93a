import type { CmdletRunner } from '../../exchange/ports';
import { listAcceptedDomains } from '../../exchange/quarantineSource';
import type { RunState } from './runState';

const ACCEPTED_DOMAINS_TTL_MS = 6 * 60 * 60_000;

/** The tenant's accepted domains, read at most every 6 hours and kept in detection's state. */
export async function acceptedDomainsCached(exchange: CmdletRunner, run: RunState, now: Date): Promise<string[]> {
  const state = run.value;
  const fetchedAt = state.acceptedDomainsAt ? Date.parse(state.acceptedDomainsAt) : Number.NaN;
  if (state.acceptedDomains && state.acceptedDomains.length > 0 && now.getTime() - fetchedAt < ACCEPTED_DOMAINS_TTL_MS)
    return state.acceptedDomains;
  const domains = await listAcceptedDomains(exchange);
  if (domains.length === 0)
    throw new Error(
      'Get-AcceptedDomain returned no domains; cannot tell internal senders from external ones, so nobody is notified this run.',
    );
  state.acceptedDomains = domains;
  state.acceptedDomainsAt = now.toISOString();
  await run.save();
  return domains;
}
