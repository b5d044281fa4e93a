/** Rows left out (unparseable, or refused by Table Storage): counted by reason, the first few logged one by one. */
import type { Logger } from '../../log/logger';

const LOGGED_SKIPS = 20;

export interface SkipTally {
  rowsSkipped: number;
  skippedByReason: Record<string, number>;
}

export interface Skips {
  readonly tally: SkipTally;
  skip(reason: string, identity: string, detail?: string): void;
  /** After the run: one line with the counts by reason, when more were skipped than were logged. */
  logTotal(): void;
}

export function skipCounter(log: Logger): Skips {
  const tally: SkipTally = { rowsSkipped: 0, skippedByReason: {} };
  return {
    tally,
    skip: (reason, identity, detail) => {
      tally.rowsSkipped++;
      tally.skippedByReason[reason] = (tally.skippedByReason[reason] ?? 0) + 1;
      if (tally.rowsSkipped <= LOGGED_SKIPS)
        log.warn(`Skipped quarantine row "${identity}": ${reason}${detail ? `: ${detail}` : ''}`);
    },
    logTotal: () => {
      if (tally.rowsSkipped > LOGGED_SKIPS)
        log.warn(`Skipped ${tally.rowsSkipped} quarantine rows in all: ${JSON.stringify(tally.skippedByReason)}`);
    },
  };
}
