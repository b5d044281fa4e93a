/**
 * Where a released message came from, in words a person reads (the alert, `npm run told`). Pure.
 * The rule codes ("hybrid:Originating+...", "policy-hold") stay in the logs and the stored verdict;
 * this says what they mean. Plain text: callers escape or clean it where they render it.
 */

/** The part of a stored or fresh origin verdict the words depend on. */
export interface OriginForWords {
  verdict: 'internal' | 'external';
  source: 'header' | 'fallback';
  rule: string;
}

export interface OriginFacts {
  /** The sender address as the quarantine shows it (what the From claims). */
  sender: string;
  /** The tenant's accepted domains, lower case; empty when not known (then no "pretending"). */
  acceptedDomains: readonly string[];
}

type Shape =
  | 'hybrid'
  | 'connector'
  | 'internal'
  | 'internal-guessed'
  | 'pretending'
  | 'pretending-guessed'
  | 'outside'
  | 'not-checked-own-domain'
  | 'not-checked-other-domain';

const WORDS: Record<'en' | 'de', Record<Shape, string>> = {
  en: {
    hybrid: 'sent by a user of your organisation (on-premises, hybrid)',
    connector: 'sent by a user of your organisation (through your own outbound connector)',
    internal: 'sent by a user of your organisation',
    'internal-guessed':
      'sent by a user of your organisation, judging by the quarantine record (the message header could not be used)',
    pretending: 'came from the internet, pretending to be {domain}',
    'pretending-guessed':
      'treated as from outside your organisation: it claims to be from {domain}, but the message header could not confirm it',
    outside: 'came from outside your organisation ({domain})',
    'not-checked-own-domain': 'not checked (the sender claims one of your domains, {domain})',
    'not-checked-other-domain': 'from outside your organisation ({domain} is not one of your domains)',
  },
  de: {
    hybrid: 'von einem Benutzer Ihrer Organisation gesendet (lokal, Hybrid)',
    connector: 'von einem Benutzer Ihrer Organisation gesendet (über Ihren eigenen ausgehenden Connector)',
    internal: 'von einem Benutzer Ihrer Organisation gesendet',
    'internal-guessed':
      'laut Quarantäne-Eintrag von einem Benutzer Ihrer Organisation gesendet (der Nachrichtenkopf war nicht verwendbar)',
    pretending: 'kam aus dem Internet und gibt sich als {domain} aus',
    'pretending-guessed':
      'als extern behandelt: sie gibt an, von {domain} zu kommen, der Nachrichtenkopf konnte das nicht bestätigen',
    outside: 'kam von außerhalb Ihrer Organisation ({domain})',
    'not-checked-own-domain': 'nicht geprüft (der Absender gibt eine Ihrer Domänen an, {domain})',
    'not-checked-other-domain': 'von außerhalb Ihrer Organisation ({domain} ist keine Ihrer Domänen)',
  },
};

function domainOf(sender: string): string {
  const at = sender.lastIndexOf('@');
  const domain = (at >= 0 ? sender.slice(at + 1) : '').trim().toLowerCase().slice(0, 253);
  return domain || 'an unknown domain';
}

function shapeOf(origin: OriginForWords | undefined, facts: OriginFacts): Shape {
  const domain = domainOf(facts.sender);
  const claimsOwn = facts.acceptedDomains.some((d) => d.toLowerCase() === domain);
  if (!origin) return claimsOwn ? 'not-checked-own-domain' : 'not-checked-other-domain';
  if (origin.verdict === 'internal') {
    if (origin.source === 'fallback') return 'internal-guessed';
    if (origin.rule.startsWith('hybrid:')) return 'hybrid';
    if (origin.rule.startsWith('connector:')) return 'connector';
    return 'internal';
  }
  if (!claimsOwn) return 'outside';
  return origin.source === 'header' ? 'pretending' : 'pretending-guessed';
}

/**
 * The verdict in plain words, e.g. "came from the internet, pretending to be contoso.com" or
 * "sent by a user of your organisation (on-premises, hybrid)". `origin` undefined: not checked
 * (the release was decided without it). Languages other than English and German get English.
 */
export function describeOrigin(
  origin: OriginForWords | undefined,
  facts: OriginFacts,
  language: string = 'en',
): string {
  const table = language === 'de' ? WORDS.de : WORDS.en;
  return table[shapeOf(origin, facts)].replace('{domain}', domainOf(facts.sender));
}
