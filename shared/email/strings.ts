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

// ---------------------------------------------------------------------------------------------------
// [story] Held, deleted and expired notices (issue 22): their own subject, first sentence and what the
// sender can do, over the release notice's layout. {until}: when the held copy expires; {contact}: NOTIFY_REVIEW_CONTACT.

export type StoryNoticeEvent = 'held' | 'deleted' | 'expired';

export interface EventWords {
  subjectOne: string;
  subjectMany: string;
  introOne: string;
  introMany: string;
  /** The label over the recipients the event concerns (in place of "Released to"). */
  labelTo: string;
  /** The label over who did it (in place of "Released by"), and the value when nobody did (a policy, the clock). */
  labelBy: string;
  byNobody: string;
  labelAt: string;
  /** What the sender can do: nothing, resend, ask for a review. */
  whatNow: string;
  /** Added to whatNow when NOTIFY_REVIEW_CONTACT is set. */
  review: string;
}

export const EVENT_STRINGS: Readonly<Record<NotifyLanguage, Readonly<Record<StoryNoticeEvent, EventWords>>>> = {
  en: {
    held: {
      subjectOne: 'Your message "{subject}" is held in quarantine',
      subjectMany: '{count} of your messages are held in quarantine',
      introOne:
        'An email you sent is held in quarantine and has not been delivered to the recipients listed under “Held for”. It is kept until {until}, unless an administrator releases or deletes it first.',
      introMany:
        'Emails you sent are held in quarantine and have not been delivered to the recipients listed under “Held for”. They are kept until {until}, unless an administrator releases or deletes them first.',
      labelTo: 'Held for',
      labelBy: 'Held by',
      byNobody: 'A quarantine policy of your organisation',
      labelAt: 'Held since',
      whatNow:
        'You do not need to resend it: you will be told if it is released. If it is urgent, ask your IT or security team for a review.',
      review: 'Ask for a review: {contact}',
    },
    deleted: {
      subjectOne: 'Your message "{subject}" was deleted from quarantine and not delivered',
      subjectMany: '{count} of your messages were deleted from quarantine and not delivered',
      introOne:
        'An email you sent was deleted from quarantine. It was not delivered to the recipients listed under “Not delivered to”.',
      introMany:
        'Emails you sent were deleted from quarantine. They were not delivered to the recipients listed under “Not delivered to”.',
      labelTo: 'Not delivered to',
      labelBy: 'Deleted by',
      byNobody: 'An administrator',
      labelAt: 'Deleted at',
      whatNow:
        'If the recipients still need it, send it again without what the policy objected to, or ask your IT or security team why it was stopped.',
      review: 'Ask for a review: {contact}',
    },
    expired: {
      subjectOne: 'Your message "{subject}" expired in quarantine and was not delivered',
      subjectMany: '{count} of your messages expired in quarantine and were not delivered',
      introOne:
        'An email you sent was held in quarantine until it expired, and nobody released it. It was not delivered to the recipients listed under “Not delivered to”.',
      introMany:
        'Emails you sent were held in quarantine until they expired, and nobody released them. They were not delivered to the recipients listed under “Not delivered to”.',
      labelTo: 'Not delivered to',
      labelBy: 'Removed by',
      byNobody: 'Microsoft 365 (quarantine expiry)',
      labelAt: 'Expired at',
      whatNow:
        'If the recipients still need it, send it again without what the policy objected to, or ask your IT or security team why it was stopped.',
      review: 'Ask for a review: {contact}',
    },
  },
  de: {
    held: {
      subjectOne: 'Ihre Nachricht „{subject}“ wird in der Quarantäne zurückgehalten',
      subjectMany: '{count} Ihrer Nachrichten werden in der Quarantäne zurückgehalten',
      introOne:
        'Eine von Ihnen gesendete E-Mail wird in der Quarantäne zurückgehalten und wurde den unter „Zurückgehalten für“ genannten Empfängern nicht zugestellt. Sie wird bis {until} aufbewahrt, sofern ein Administrator sie nicht vorher freigibt oder löscht.',
      introMany:
        'Von Ihnen gesendete E-Mails werden in der Quarantäne zurückgehalten und wurden den unter „Zurückgehalten für“ genannten Empfängern nicht zugestellt. Sie werden bis {until} aufbewahrt, sofern ein Administrator sie nicht vorher freigibt oder löscht.',
      labelTo: 'Zurückgehalten für',
      labelBy: 'Zurückgehalten durch',
      byNobody: 'Eine Quarantänerichtlinie Ihrer Organisation',
      labelAt: 'Zurückgehalten seit',
      whatNow:
        'Sie müssen sie nicht erneut senden: Sie werden benachrichtigt, wenn sie freigegeben wird. Wenn es eilt, bitten Sie Ihr IT- oder Sicherheitsteam um eine Prüfung.',
      review: 'Prüfung anfordern: {contact}',
    },
    deleted: {
      subjectOne: 'Ihre Nachricht „{subject}“ wurde aus der Quarantäne gelöscht und nicht zugestellt',
      subjectMany: '{count} Ihrer Nachrichten wurden aus der Quarantäne gelöscht und nicht zugestellt',
      introOne:
        'Eine von Ihnen gesendete E-Mail wurde aus der Quarantäne gelöscht. Sie wurde den unter „Nicht zugestellt an“ genannten Empfängern nicht zugestellt.',
      introMany:
        'Von Ihnen gesendete E-Mails wurden aus der Quarantäne gelöscht. Sie wurden den unter „Nicht zugestellt an“ genannten Empfängern nicht zugestellt.',
      labelTo: 'Nicht zugestellt an',
      labelBy: 'Gelöscht von',
      byNobody: 'Ein Administrator',
      labelAt: 'Gelöscht am',
      whatNow:
        'Wenn die Empfänger sie noch brauchen, senden Sie sie ohne das Beanstandete erneut, oder fragen Sie Ihr IT- oder Sicherheitsteam, warum sie angehalten wurde.',
      review: 'Prüfung anfordern: {contact}',
    },
    expired: {
      subjectOne: 'Ihre Nachricht „{subject}“ ist in der Quarantäne abgelaufen und wurde nicht zugestellt',
      subjectMany: '{count} Ihrer Nachrichten sind in der Quarantäne abgelaufen und wurden nicht zugestellt',
      introOne:
        'Eine von Ihnen gesendete E-Mail wurde bis zu ihrem Ablauf in der Quarantäne zurückgehalten und von niemandem freigegeben. Sie wurde den unter „Nicht zugestellt an“ genannten Empfängern nicht zugestellt.',
      introMany:
        'Von Ihnen gesendete E-Mails wurden bis zu ihrem Ablauf in der Quarantäne zurückgehalten und von niemandem freigegeben. Sie wurden den unter „Nicht zugestellt an“ genannten Empfängern nicht zugestellt.',
      labelTo: 'Nicht zugestellt an',
      labelBy: 'Entfernt durch',
      byNobody: 'Microsoft 365 (Ablauf der Quarantäne)',
      labelAt: 'Abgelaufen am',
      whatNow:
        'Wenn die Empfänger sie noch brauchen, senden Sie sie ohne das Beanstandete erneut, oder fragen Sie Ihr IT- oder Sicherheitsteam, warum sie angehalten wurde.',
      review: 'Prüfung anfordern: {contact}',
    },
  },
  fr: {
    held: {
      subjectOne: 'Votre message « {subject} » est retenu en quarantaine',
      subjectMany: '{count} de vos messages sont retenus en quarantaine',
      introOne:
        'Un e-mail que vous avez envoyé est retenu en quarantaine et n’a pas été remis aux destinataires indiqués sous « Retenu pour ». Il est conservé jusqu’au {until}, sauf si un administrateur le libère ou le supprime avant.',
      introMany:
        'Des e-mails que vous avez envoyés sont retenus en quarantaine et n’ont pas été remis aux destinataires indiqués sous « Retenu pour ». Ils sont conservés jusqu’au {until}, sauf si un administrateur les libère ou les supprime avant.',
      labelTo: 'Retenu pour',
      labelBy: 'Retenu par',
      byNobody: 'Une stratégie de quarantaine de votre organisation',
      labelAt: 'Retenu depuis',
      whatNow:
        'Inutile de le renvoyer : vous serez averti s’il est libéré. Si c’est urgent, demandez un examen à votre équipe informatique ou de sécurité.',
      review: 'Demander un examen : {contact}',
    },
    deleted: {
      subjectOne: 'Votre message « {subject} » a été supprimé de la quarantaine et n’a pas été remis',
      subjectMany: '{count} de vos messages ont été supprimés de la quarantaine et n’ont pas été remis',
      introOne:
        'Un e-mail que vous avez envoyé a été supprimé de la quarantaine. Il n’a pas été remis aux destinataires indiqués sous « Non remis à ».',
      introMany:
        'Des e-mails que vous avez envoyés ont été supprimés de la quarantaine. Ils n’ont pas été remis aux destinataires indiqués sous « Non remis à ».',
      labelTo: 'Non remis à',
      labelBy: 'Supprimé par',
      byNobody: 'Un administrateur',
      labelAt: 'Supprimé le',
      whatNow:
        'Si les destinataires en ont encore besoin, renvoyez-le sans ce que la stratégie a bloqué, ou demandez à votre équipe informatique ou de sécurité pourquoi il a été arrêté.',
      review: 'Demander un examen : {contact}',
    },
    expired: {
      subjectOne: 'Votre message « {subject} » a expiré en quarantaine et n’a pas été remis',
      subjectMany: '{count} de vos messages ont expiré en quarantaine et n’ont pas été remis',
      introOne:
        'Un e-mail que vous avez envoyé est resté en quarantaine jusqu’à son expiration sans être libéré. Il n’a pas été remis aux destinataires indiqués sous « Non remis à ».',
      introMany:
        'Des e-mails que vous avez envoyés sont restés en quarantaine jusqu’à leur expiration sans être libérés. Ils n’ont pas été remis aux destinataires indiqués sous « Non remis à ».',
      labelTo: 'Non remis à',
      labelBy: 'Retiré par',
      byNobody: 'Microsoft 365 (expiration de la quarantaine)',
      labelAt: 'Expiré le',
      whatNow:
        'Si les destinataires en ont encore besoin, renvoyez-le sans ce que la stratégie a bloqué, ou demandez à votre équipe informatique ou de sécurité pourquoi il a été arrêté.',
      review: 'Demander un examen : {contact}',
    },
  },
  es: {
    held: {
      subjectOne: 'Su mensaje "{subject}" está retenido en cuarentena',
      subjectMany: '{count} de sus mensajes están retenidos en cuarentena',
      introOne:
        'Un correo que envió está retenido en cuarentena y no se ha entregado a los destinatarios indicados en “Retenido para”. Se conserva hasta el {until}, salvo que un administrador lo libere o lo elimine antes.',
      introMany:
        'Correos que envió están retenidos en cuarentena y no se han entregado a los destinatarios indicados en “Retenido para”. Se conservan hasta el {until}, salvo que un administrador los libere o los elimine antes.',
      labelTo: 'Retenido para',
      labelBy: 'Retenido por',
      byNobody: 'Una directiva de cuarentena de su organización',
      labelAt: 'Retenido desde',
      whatNow:
        'No hace falta reenviarlo: se le avisará si se libera. Si es urgente, pida una revisión a su equipo de TI o de seguridad.',
      review: 'Solicitar una revisión: {contact}',
    },
    deleted: {
      subjectOne: 'Su mensaje "{subject}" se eliminó de la cuarentena y no se entregó',
      subjectMany: '{count} de sus mensajes se eliminaron de la cuarentena y no se entregaron',
      introOne:
        'Un correo que envió se eliminó de la cuarentena. No se entregó a los destinatarios indicados en “No entregado a”.',
      introMany:
        'Correos que envió se eliminaron de la cuarentena. No se entregaron a los destinatarios indicados en “No entregado a”.',
      labelTo: 'No entregado a',
      labelBy: 'Eliminado por',
      byNobody: 'Un administrador',
      labelAt: 'Eliminado el',
      whatNow:
        'Si los destinatarios aún lo necesitan, vuelva a enviarlo sin lo que la directiva objetó, o pregunte a su equipo de TI o de seguridad por qué se detuvo.',
      review: 'Solicitar una revisión: {contact}',
    },
    expired: {
      subjectOne: 'Su mensaje "{subject}" caducó en cuarentena y no se entregó',
      subjectMany: '{count} de sus mensajes caducaron en cuarentena y no se entregaron',
      introOne:
        'Un correo que envió estuvo retenido en cuarentena hasta caducar y nadie lo liberó. No se entregó a los destinatarios indicados en “No entregado a”.',
      introMany:
        'Correos que envió estuvieron retenidos en cuarentena hasta caducar y nadie los liberó. No se entregaron a los destinatarios indicados en “No entregado a”.',
      labelTo: 'No entregado a',
      labelBy: 'Retirado por',
      byNobody: 'Microsoft 365 (caducidad de la cuarentena)',
      labelAt: 'Caducó el',
      whatNow:
        'Si los destinatarios aún lo necesitan, vuelva a enviarlo sin lo que la directiva objetó, o pregunte a su equipo de TI o de seguridad por qué se detuvo.',
      review: 'Solicitar una revisión: {contact}',
    },
  },
  nl: {
    held: {
      subjectOne: 'Uw bericht "{subject}" wordt in quarantaine vastgehouden',
      subjectMany: '{count} van uw berichten worden in quarantaine vastgehouden',
      introOne:
        'Een e-mail die u hebt verzonden wordt in quarantaine vastgehouden en is niet bezorgd bij de ontvangers onder “Vastgehouden voor”. Hij wordt bewaard tot {until}, tenzij een beheerder hem eerder vrijgeeft of verwijdert.',
      introMany:
        'E-mails die u hebt verzonden worden in quarantaine vastgehouden en zijn niet bezorgd bij de ontvangers onder “Vastgehouden voor”. Ze worden bewaard tot {until}, tenzij een beheerder ze eerder vrijgeeft of verwijdert.',
      labelTo: 'Vastgehouden voor',
      labelBy: 'Vastgehouden door',
      byNobody: 'Een quarantainebeleid van uw organisatie',
      labelAt: 'Vastgehouden sinds',
      whatNow:
        'U hoeft hem niet opnieuw te verzenden: u hoort het als hij wordt vrijgegeven. Is het dringend, vraag dan uw IT- of beveiligingsteam om een beoordeling.',
      review: 'Beoordeling aanvragen: {contact}',
    },
    deleted: {
      subjectOne: 'Uw bericht "{subject}" is uit quarantaine verwijderd en niet bezorgd',
      subjectMany: '{count} van uw berichten zijn uit quarantaine verwijderd en niet bezorgd',
      introOne:
        'Een e-mail die u hebt verzonden is uit quarantaine verwijderd. Hij is niet bezorgd bij de ontvangers onder “Niet bezorgd bij”.',
      introMany:
        'E-mails die u hebt verzonden zijn uit quarantaine verwijderd. Ze zijn niet bezorgd bij de ontvangers onder “Niet bezorgd bij”.',
      labelTo: 'Niet bezorgd bij',
      labelBy: 'Verwijderd door',
      byNobody: 'Een beheerder',
      labelAt: 'Verwijderd op',
      whatNow:
        'Hebben de ontvangers hem nog nodig, verzend hem dan opnieuw zonder waar het beleid bezwaar tegen had, of vraag uw IT- of beveiligingsteam waarom hij is tegengehouden.',
      review: 'Beoordeling aanvragen: {contact}',
    },
    expired: {
      subjectOne: 'Uw bericht "{subject}" is in quarantaine verlopen en niet bezorgd',
      subjectMany: '{count} van uw berichten zijn in quarantaine verlopen en niet bezorgd',
      introOne:
        'Een e-mail die u hebt verzonden is in quarantaine vastgehouden tot hij verliep, en niemand heeft hem vrijgegeven. Hij is niet bezorgd bij de ontvangers onder “Niet bezorgd bij”.',
      introMany:
        'E-mails die u hebt verzonden zijn in quarantaine vastgehouden tot ze verliepen, en niemand heeft ze vrijgegeven. Ze zijn niet bezorgd bij de ontvangers onder “Niet bezorgd bij”.',
      labelTo: 'Niet bezorgd bij',
      labelBy: 'Verwijderd door',
      byNobody: 'Microsoft 365 (verlopen quarantaine)',
      labelAt: 'Verlopen op',
      whatNow:
        'Hebben de ontvangers hem nog nodig, verzend hem dan opnieuw zonder waar het beleid bezwaar tegen had, of vraag uw IT- of beveiligingsteam waarom hij is tegengehouden.',
      review: 'Beoordeling aanvragen: {contact}',
    },
  },
};
