/**
 * The budgets every queue message kind is held to, and the one encoder that keeps a job inside them.
 * A job grows with outside text (subjects, addresses, recipient lists), so its size is not bounded by
 * how many releases it carries: the encoder measures the bytes it makes and splits the job until each
 * message fits, down to cutting one release's recipient list (the count of those cut travels along).
 */

/** Azure Storage takes a queue message of at most 64 KiB. */
export const QUEUE_MESSAGE_MAX_BYTES = 64 * 1024;
/**
 * The Functions queue trigger reads base64 bodies, so 64 KiB of base64 carries 48 KiB of UTF-8 text.
 * 1 KiB is kept back for what is added after measuring (a part number) and the service's envelope.
 */
export const MAX_JOB_TEXT_BYTES = Math.floor(QUEUE_MESSAGE_MAX_BYTES / 4) * 3 - 1024;

/**
 * NetworkMessageIds one email reports in its x-qrn-network-message-ids header: a header value is kept
 * under 900 characters (Graph's internetMessageHeaders), and an id is never cut, so a job reporting
 * more ids is split into more emails rather than given a shorter header.
 */
export const MAX_HEADER_VALUE_CHARS = 900;
export const MAX_IDS_PER_EMAIL = Math.floor((MAX_HEADER_VALUE_CHARS + 1) / 37);

/**
 * Field caps, in UTF-16 units, shared by what the snapshot stores and what a queued job accepts, so a
 * stored row can always be queued. Each cap times 6 (the longest JSON escape of one unit) summed over a
 * release is under MAX_JOB_TEXT_BYTES, which is why one release without recipients always fits.
 */
export const FIELD_CAPS = {
  address: 1_000,
  subject: 1_000,
  quarantineType: 1_000,
  policyName: 2_000,
  origin: 200,
  recordId: 100,
  instant: 40,
  /** Alert item keys: the finding's key plus split suffixes. */
  key: 600,
} as const;

/** Recipients a notice lists by address; the rest are a count ("and 180 more"). */
export const MAX_RECIPIENTS_SHOWN = 20;
/** Recipients of one message a job carries: the email shows fewer (compose) and the count of the rest. */
export const MAX_RECIPIENTS_IN_JOB = 200;

/**
 * Upper bound on the work one queue message may cost the sending stage: its text is at most
 * MAX_JOB_TEXT_BYTES, parsing and composing are linear in it, so one message costs O(48 KiB) of work
 * whatever it holds. Releases a job may list (a parser refuses more before doing anything per release).
 */
export const MAX_RELEASES_PER_JOB = 2_000;

/** How one job kind is measured and made smaller. */
export interface JobCodec<J> {
  encode(job: J): string;
  /** Distinct NetworkMessageIds the job's email reports (its header lists every one). */
  ids(job: J): number;
  /**
   * A smaller form: two jobs that together carry what `job` did, or one job with less of a list that
   * is counted instead (recipients). Undefined when it cannot be made smaller.
   */
  shrink(job: J): J[] | undefined;
  /** Called once with every part when a job had to be split, in order: numbering ("part 2 of 3"). */
  number?(parts: J[]): J[];
}

/** A job that no split makes fit (cannot happen within FIELD_CAPS); its reason goes to the caller. */
export class JobOverBudgetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobOverBudgetError';
  }
}

/**
 * The job as queue texts, each within `maxBytes`, each reporting at most MAX_IDS_PER_EMAIL ids.
 * Linear-logarithmic in the job: each halving re-encodes only the halves.
 */
export function fitJob<J>(
  job: J,
  codec: JobCodec<J>,
  maxBytes: number = MAX_JOB_TEXT_BYTES,
): Array<{ job: J; text: string }> {
  const fits = (j: J, text: string): boolean =>
    Buffer.byteLength(text, 'utf8') <= maxBytes && codec.ids(j) <= MAX_IDS_PER_EMAIL;
  const parts: J[] = [];
  const pending: J[] = [job];
  while (pending.length > 0) {
    const next = pending.shift() as J;
    if (fits(next, codec.encode(next))) {
      parts.push(next);
      continue;
    }
    const smaller = codec.shrink(next);
    if (!smaller) throw new JobOverBudgetError(`a job does not fit ${maxBytes} bytes however it is split`);
    pending.unshift(...smaller);
  }
  const numbered = parts.length > 1 && codec.number ? codec.number(parts) : parts;
  return numbered.map((j) => {
    const text = codec.encode(j);
    if (Buffer.byteLength(text, 'utf8') > maxBytes + 1024)
      throw new JobOverBudgetError(`a numbered part grew past ${maxBytes} bytes`);
    return { job: j, text };
  });
}

/** Halves of a list (the first the longer), for shrink. */
export function halves<T>(list: readonly T[]): [T[], T[]] {
  const mid = Math.ceil(list.length / 2);
  return [list.slice(0, mid), list.slice(mid)];
}
