/** The two things every adapter and use case asks of an unknown error. */

/** The message of anything thrown, for one log line. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The HTTP status an SDK error carries (`statusCode` in the Azure and Graph SDKs), if any. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}
