import { displayText } from './sanitize';

/** An instant for an admin-facing email (alerts, health): "2 Dec 2026, 09:00 UTC" in `timeZone`; bad input shown as given. */
export function formatInstant(iso: string, timeZone: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return displayText(iso, 40);
  try {
    // dateStyle/timeStyle cannot be combined with timeZoneName: name the parts.
    return new Intl.DateTimeFormat('en-GB', {
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZone,
      timeZoneName: 'short',
    }).format(new Date(ms));
  } catch {
    return new Date(ms).toISOString();
  }
}
