/**
 * Get-AggregateZapReport over the Exchange admin REST endpoint: ZAP actions per day (Date, EventType,
 * ZapActionCount), by default the last 3 days, at most 10 (learn.microsoft.com/powershell/module/exchange/get-aggregatezapreport).
 * Translation only.
 */
import type { ZapReports } from '../report/postDelivery';
import type { CmdletRunner } from './exchangeClient';

export class ExchangeZapReports implements ZapReports {
  constructor(private readonly exchange: CmdletRunner) {}

  async aggregate(startDate: string, endDate: string): Promise<unknown[]> {
    // Dates go as ISO dates: the REST endpoint binds them to System.DateTime whatever the regional format.
    const result = await this.exchange.invoke('Get-AggregateZapReport', { StartDate: startDate, EndDate: endDate });
    return result.rows;
  }
}
