/** What the use cases need from Exchange Online; exchangeClient.ts implements it over the admin REST endpoint. */
export interface CmdletResult {
  rows: unknown[];
  /** A nextLink or an adminapi warning: the call matched more rows than it could return. */
  truncated: boolean;
  warnings: string[];
}

/** Runs Exchange Online cmdlets over the admin REST endpoint that the EXO V3 module uses. */
export interface CmdletRunner {
  invoke(cmdlet: string, parameters: Record<string, unknown>): Promise<CmdletResult>;
}
