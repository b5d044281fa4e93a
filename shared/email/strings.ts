/**
 * Every user-visible string of the release notification, per supported language, in one typed table.
 * Placeholders are `{name}`; each language uses exactly the placeholders English uses (a test checks).
 * Strings are plain text: they are HTML-escaped where they are rendered, like everything else.
 */
import { SUPPORTED_LANGUAGES } from '../config/settings';

export type NotifyLanguage = (typeof SUPPORTED_LANGUAGES)[number];

/** Quarantine types (QuarantineTypes / Type) with a readable name; any other type is shown as given. */
export const KNOWN_QUARANTINE_TYPES = [
  'TransportRule',
  'DataLossPrevention',
  'OutboundSpam',
  'Spam',
  'HighConfPhish',
  'Phish',
  'Malware',
  'Bulk',
  'SPOMalware',
] as const;

export type KnownQuarantineType = (typeof KNOWN_QUARANTINE_TYPES)[number];

export interface NotificationStrings {
  /** Subject line for one released message. `{subject}`: the sanitised original subject. */
  subjectOne: string;
  /** Subject line for several released messages. `{count}`: how many distinct messages. */
  subjectMany: string;
  /** What an admin template's `{subject}` becomes when several messages are reported. */
  subjectAndMore: string;
  noSubject: string;
  /** Intros say what is known: released, and sent on to whom. Never "delivered": that is not known. */
  introAdminOne: string;
  introAdminMany: string;
  introSystemOne: string;
  introSystemMany: string;
  introMixedOne: string;
  introMixedMany: string;
  footer: string;
  /** Heading above each message's table when the email reports several messages. */
  messageHeading: string;
  labelSubject: string;
  labelSent: string;
  labelRecipients: string;
  labelReleasedTo: string;
  labelReleasedBy: string;
  labelReleasedAt: string;
  labelHeldBecause: string;
  /** "Released by" value when Microsoft 365 released the message itself. */
  releasedAutomatically: string;
  /** "Released by" value for an admin when NOTIFY_SHOW_RELEASER is false. */
  releasedByAdministrator: string;
  /** "Released to" value when the message went to all of its (two or more) original recipients. */
  releasedToAll: string;
  /** After the first recipients when the list is cut short. */
  andMore: string;
  unknown: string;
  /** "Held because" value: the quarantine type's name and the policy's name. */
  typeAndPolicy: string;
  /** One "Label: value" line of the plain-text part. */
  textLine: string;
  quarantineTypes: Record<KnownQuarantineType, string>;
}

export const STRINGS: Readonly<Record<NotifyLanguage, NotificationStrings>> = {
  en: {
    subjectOne: 'Your message "{subject}" was released from quarantine',
    subjectMany: '{count} of your messages were released from quarantine',
    subjectAndMore: '{subject} (and {more} more)',
    noSubject: '(no subject)',
    introAdminOne:
      'An administrator released an email you sent that had been held in quarantine. It was sent on to the recipients listed under “Released to”.',
    introAdminMany:
      'An administrator released emails you sent that had been held in quarantine. They were sent on to the recipients listed under “Released to”.',
    introSystemOne:
      'Microsoft 365 automatically released an email you sent that had been held in quarantine. It was sent on to the recipients listed under “Released to”.',
    introSystemMany:
      'Microsoft 365 automatically released emails you sent that had been held in quarantine. They were sent on to the recipients listed under “Released to”.',
    introMixedOne:
      'An email you sent that had been held in quarantine was released, partly by an administrator and partly automatically by Microsoft 365. It was sent on to the recipients listed under “Released to”.',
    introMixedMany:
      'Emails you sent that had been held in quarantine were released, some by an administrator and some automatically by Microsoft 365. They were sent on to the recipients listed under “Released to”.',
    footer: 'This is an automated message. You do not need to do anything.',
    messageHeading: 'Message {index} of {count}',
    labelSubject: 'Subject (as written by the sender)',
    labelSent: 'Sent',
    labelRecipients: 'Original recipients',
    labelReleasedTo: 'Released to',
    labelReleasedBy: 'Released by',
    labelReleasedAt: 'Released at',
    labelHeldBecause: 'Held because',
    releasedAutomatically: 'Microsoft 365 (automatic release)',
    releasedToAll: 'All {count} original recipients',
    releasedByAdministrator: 'An administrator',
    andMore: 'and {count} more',
    unknown: '(unknown)',
    typeAndPolicy: '{type}: {policy}',
    textLine: '{label}: {value}',
    quarantineTypes: {
      TransportRule: 'Mail flow rule',
      DataLossPrevention: 'Data loss prevention (DLP) policy',
      OutboundSpam: 'Outbound spam policy',
      Spam: 'Spam',
      HighConfPhish: 'High confidence phishing',
      Phish: 'Phishing',
      Malware: 'Malware',
      Bulk: 'Bulk email',
      SPOMalware: 'Malware in SharePoint, OneDrive or Teams',
    },
  },
  de: {
    subjectOne: 'Ihre Nachricht „{subject}“ wurde aus der Quarantäne freigegeben',
    subjectMany: '{count} Ihrer Nachrichten wurden aus der Quarantäne freigegeben',
    subjectAndMore: '{subject} (und {more} weitere)',
    noSubject: '(kein Betreff)',
    introAdminOne:
      'Ein Administrator hat eine von Ihnen gesendete E-Mail, die in der Quarantäne zurückgehalten wurde, freigegeben. Sie wurde an die unter „Freigegeben an“ genannten Empfänger weitergesendet.',
    introAdminMany:
      'Ein Administrator hat von Ihnen gesendete E-Mails, die in der Quarantäne zurückgehalten wurden, freigegeben. Sie wurden an die unter „Freigegeben an“ genannten Empfänger weitergesendet.',
    introSystemOne:
      'Microsoft 365 hat eine von Ihnen gesendete E-Mail, die in der Quarantäne zurückgehalten wurde, automatisch freigegeben. Sie wurde an die unter „Freigegeben an“ genannten Empfänger weitergesendet.',
    introSystemMany:
      'Microsoft 365 hat von Ihnen gesendete E-Mails, die in der Quarantäne zurückgehalten wurden, automatisch freigegeben. Sie wurden an die unter „Freigegeben an“ genannten Empfänger weitergesendet.',
    introMixedOne:
      'Eine von Ihnen gesendete E-Mail, die in der Quarantäne zurückgehalten wurde, wurde teils von einem Administrator und teils automatisch von Microsoft 365 freigegeben. Sie wurde an die unter „Freigegeben an“ genannten Empfänger weitergesendet.',
    introMixedMany:
      'Von Ihnen gesendete E-Mails, die in der Quarantäne zurückgehalten wurden, wurden teils von einem Administrator und teils automatisch von Microsoft 365 freigegeben. Sie wurden an die unter „Freigegeben an“ genannten Empfänger weitergesendet.',
    footer: 'Dies ist eine automatisch erstellte Nachricht. Sie müssen nichts weiter tun.',
    messageHeading: 'Nachricht {index} von {count}',
    labelSubject: 'Betreff (wie vom Absender geschrieben)',
    labelSent: 'Gesendet',
    labelRecipients: 'Ursprüngliche Empfänger',
    labelReleasedTo: 'Freigegeben an',
    labelReleasedBy: 'Freigegeben von',
    labelReleasedAt: 'Freigegeben am',
    labelHeldBecause: 'Grund der Quarantäne',
    releasedAutomatically: 'Microsoft 365 (automatische Freigabe)',
    releasedToAll: 'Alle {count} ursprünglichen Empfänger',
    releasedByAdministrator: 'Ein Administrator',
    andMore: 'und {count} weitere',
    unknown: '(unbekannt)',
    typeAndPolicy: '{type}: {policy}',
    textLine: '{label}: {value}',
    quarantineTypes: {
      TransportRule: 'Nachrichtenflussregel',
      DataLossPrevention: 'Richtlinie zur Verhinderung von Datenverlust (DLP)',
      OutboundSpam: 'Richtlinie für ausgehenden Spam',
      Spam: 'Spam',
      HighConfPhish: 'Phishing mit hoher Zuverlässigkeit',
      Phish: 'Phishing',
      Malware: 'Schadsoftware',
      Bulk: 'Massen-E-Mail',
      SPOMalware: 'Schadsoftware in SharePoint, OneDrive oder Teams',
    },
  },
  fr: {
    subjectOne: 'Votre message « {subject} » a été libéré de la quarantaine',
    subjectMany: '{count} de vos messages ont été libérés de la quarantaine',
    subjectAndMore: '{subject} (et {more} autres)',
    noSubject: '(sans objet)',
    introAdminOne:
      'Un administrateur a libéré un e-mail que vous avez envoyé et qui était retenu en quarantaine. Il a été transmis aux destinataires indiqués sous « Libéré pour ».',
    introAdminMany:
      'Un administrateur a libéré des e-mails que vous avez envoyés et qui étaient retenus en quarantaine. Ils ont été transmis aux destinataires indiqués sous « Libéré pour ».',
    introSystemOne:
      'Microsoft 365 a libéré automatiquement un e-mail que vous avez envoyé et qui était retenu en quarantaine. Il a été transmis aux destinataires indiqués sous « Libéré pour ».',
    introSystemMany:
      'Microsoft 365 a libéré automatiquement des e-mails que vous avez envoyés et qui étaient retenus en quarantaine. Ils ont été transmis aux destinataires indiqués sous « Libéré pour ».',
    introMixedOne:
      'Un e-mail que vous avez envoyé et qui était retenu en quarantaine a été libéré, en partie par un administrateur et en partie automatiquement par Microsoft 365. Il a été transmis aux destinataires indiqués sous « Libéré pour ».',
    introMixedMany:
      'Des e-mails que vous avez envoyés et qui étaient retenus en quarantaine ont été libérés, certains par un administrateur et d’autres automatiquement par Microsoft 365. Ils ont été transmis aux destinataires indiqués sous « Libéré pour ».',
    footer: 'Ceci est un message automatique. Vous n’avez rien à faire.',
    messageHeading: 'Message {index} sur {count}',
    labelSubject: 'Objet (tel que rédigé par l’expéditeur)',
    labelSent: 'Envoyé le',
    labelRecipients: 'Destinataires d’origine',
    labelReleasedTo: 'Libéré pour',
    labelReleasedBy: 'Libéré par',
    labelReleasedAt: 'Libéré le',
    labelHeldBecause: 'Motif de la quarantaine',
    releasedAutomatically: 'Microsoft 365 (libération automatique)',
    releasedToAll: 'Les {count} destinataires d’origine',
    releasedByAdministrator: 'Un administrateur',
    andMore: 'et {count} autres',
    unknown: '(inconnu)',
    typeAndPolicy: '{type} : {policy}',
    textLine: '{label} : {value}',
    quarantineTypes: {
      TransportRule: 'Règle de flux de messagerie',
      DataLossPrevention: 'Stratégie de protection contre la perte de données (DLP)',
      OutboundSpam: 'Stratégie de courrier indésirable sortant',
      Spam: 'Courrier indésirable',
      HighConfPhish: 'Hameçonnage à haut niveau de confiance',
      Phish: 'Hameçonnage',
      Malware: 'Programme malveillant',
      Bulk: 'Courrier en nombre',
      SPOMalware: 'Programme malveillant dans SharePoint, OneDrive ou Teams',
    },
  },
  es: {
    subjectOne: 'Su mensaje "{subject}" se liberó de la cuarentena',
    subjectMany: 'Se liberaron de la cuarentena {count} de sus mensajes',
    subjectAndMore: '{subject} (y {more} más)',
    noSubject: '(sin asunto)',
    introAdminOne:
      'Un administrador liberó un correo electrónico que usted envió y que estaba retenido en cuarentena. Se envió a los destinatarios indicados en «Liberado para».',
    introAdminMany:
      'Un administrador liberó correos electrónicos que usted envió y que estaban retenidos en cuarentena. Se enviaron a los destinatarios indicados en «Liberado para».',
    introSystemOne:
      'Microsoft 365 liberó automáticamente un correo electrónico que usted envió y que estaba retenido en cuarentena. Se envió a los destinatarios indicados en «Liberado para».',
    introSystemMany:
      'Microsoft 365 liberó automáticamente correos electrónicos que usted envió y que estaban retenidos en cuarentena. Se enviaron a los destinatarios indicados en «Liberado para».',
    introMixedOne:
      'Un correo electrónico que usted envió y que estaba retenido en cuarentena se liberó, en parte por un administrador y en parte automáticamente por Microsoft 365. Se envió a los destinatarios indicados en «Liberado para».',
    introMixedMany:
      'Se liberaron correos electrónicos que usted envió y que estaban retenidos en cuarentena, algunos por un administrador y otros automáticamente por Microsoft 365. Se enviaron a los destinatarios indicados en «Liberado para».',
    footer: 'Este es un mensaje automático. No tiene que hacer nada.',
    messageHeading: 'Mensaje {index} de {count}',
    labelSubject: 'Asunto (tal como lo escribió el remitente)',
    labelSent: 'Enviado',
    labelRecipients: 'Destinatarios originales',
    labelReleasedTo: 'Liberado para',
    labelReleasedBy: 'Liberado por',
    labelReleasedAt: 'Liberado el',
    labelHeldBecause: 'Motivo de la cuarentena',
    releasedAutomatically: 'Microsoft 365 (liberación automática)',
    releasedToAll: 'Los {count} destinatarios originales',
    releasedByAdministrator: 'Un administrador',
    andMore: 'y {count} más',
    unknown: '(desconocido)',
    typeAndPolicy: '{type}: {policy}',
    textLine: '{label}: {value}',
    quarantineTypes: {
      TransportRule: 'Regla de flujo de correo',
      DataLossPrevention: 'Directiva de prevención de pérdida de datos (DLP)',
      OutboundSpam: 'Directiva de correo no deseado saliente',
      Spam: 'Correo no deseado',
      HighConfPhish: 'Phishing de alta confianza',
      Phish: 'Phishing',
      Malware: 'Malware',
      Bulk: 'Correo masivo',
      SPOMalware: 'Malware en SharePoint, OneDrive o Teams',
    },
  },
  nl: {
    subjectOne: 'Uw bericht "{subject}" is vrijgegeven uit quarantaine',
    subjectMany: '{count} van uw berichten zijn vrijgegeven uit quarantaine',
    subjectAndMore: '{subject} (en nog {more})',
    noSubject: '(geen onderwerp)',
    introAdminOne:
      'Een beheerder heeft een e-mail vrijgegeven die u hebt verzonden en die in quarantaine werd vastgehouden. Deze is verzonden naar de geadresseerden onder ‘Vrijgegeven aan’.',
    introAdminMany:
      'Een beheerder heeft e-mails vrijgegeven die u hebt verzonden en die in quarantaine werden vastgehouden. Deze zijn verzonden naar de geadresseerden onder ‘Vrijgegeven aan’.',
    introSystemOne:
      'Microsoft 365 heeft een e-mail die u hebt verzonden en die in quarantaine werd vastgehouden, automatisch vrijgegeven. Deze is verzonden naar de geadresseerden onder ‘Vrijgegeven aan’.',
    introSystemMany:
      'Microsoft 365 heeft e-mails die u hebt verzonden en die in quarantaine werden vastgehouden, automatisch vrijgegeven. Deze zijn verzonden naar de geadresseerden onder ‘Vrijgegeven aan’.',
    introMixedOne:
      'Een e-mail die u hebt verzonden en die in quarantaine werd vastgehouden, is vrijgegeven, deels door een beheerder en deels automatisch door Microsoft 365. Deze is verzonden naar de geadresseerden onder ‘Vrijgegeven aan’.',
    introMixedMany:
      'E-mails die u hebt verzonden en die in quarantaine werden vastgehouden, zijn vrijgegeven, sommige door een beheerder en andere automatisch door Microsoft 365. Deze zijn verzonden naar de geadresseerden onder ‘Vrijgegeven aan’.',
    footer: 'Dit is een automatisch bericht. U hoeft niets te doen.',
    messageHeading: 'Bericht {index} van {count}',
    labelSubject: 'Onderwerp (zoals geschreven door de afzender)',
    labelSent: 'Verzonden',
    labelRecipients: 'Oorspronkelijke geadresseerden',
    labelReleasedTo: 'Vrijgegeven aan',
    labelReleasedBy: 'Vrijgegeven door',
    labelReleasedAt: 'Vrijgegeven op',
    labelHeldBecause: 'Reden van quarantaine',
    releasedAutomatically: 'Microsoft 365 (automatische vrijgave)',
    releasedToAll: 'Alle {count} oorspronkelijke geadresseerden',
    releasedByAdministrator: 'Een beheerder',
    andMore: 'en nog {count}',
    unknown: '(onbekend)',
    typeAndPolicy: '{type}: {policy}',
    textLine: '{label}: {value}',
    quarantineTypes: {
      TransportRule: 'E-mailstroomregel',
      DataLossPrevention: 'Beleid voor preventie van gegevensverlies (DLP)',
      OutboundSpam: 'Beleid voor uitgaande spam',
      Spam: 'Spam',
      HighConfPhish: 'Phishing met hoge betrouwbaarheid',
      Phish: 'Phishing',
      Malware: 'Malware',
      Bulk: 'Bulkmail',
      SPOMalware: 'Malware in SharePoint, OneDrive of Teams',
    },
  },
};

/** `de`, `DE`, `de-CH` -> `de`; anything unsupported -> `en` (settings reject those before this). */
export function resolveLanguage(language: string | undefined): NotifyLanguage {
  const primary = (language ?? '').trim().toLowerCase().split(/[-_]/)[0];
  return (SUPPORTED_LANGUAGES as readonly string[]).includes(primary) ? (primary as NotifyLanguage) : 'en';
}

/** The locale dates are formatted in: British English gives "21 Aug 2026, 09:15 UTC". */
export const DATE_LOCALES: Readonly<Record<NotifyLanguage, string>> = {
  en: 'en-GB',
  de: 'de-DE',
  fr: 'fr-FR',
  es: 'es-ES',
  nl: 'nl-NL',
};

/**
 * Replaces `{name}` placeholders in one pass, so a value that itself contains `{count}` is never
 * expanded again. Unknown placeholders are left as typed.
 */
export function fillPlaceholders(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{([A-Za-z]+)\}/g, (match: string, name: string) =>
    Object.hasOwn(values, name) ? values[name] : match,
  );
}
