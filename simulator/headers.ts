/**
 * Message headers of quarantined copies, as Get-QuarantineMessageHeader returns them: the raw
 * header block, folded lines (CRLF + whitespace) and all. Shaped like Exchange Online's: Received
 * chains, Exchange's organisation stamps (which its header firewall strips from outside mail, so in
 * a held copy they were written by the tenant), X-Forefront-Antispam-Report with DIR, and
 * Authentication-Results / compauth on inbound mail only. Every value is invented.
 *
 * Also the hostile variants a parser must survive: a field twice, 300 KB, raw non-ASCII bytes,
 * bare LF or CR, no origin fields at all.
 */
import { createHash } from 'node:crypto';
import type { QuarantineRow } from './tenant';

/**
 * Where a message really came from:
 *   outbound   an authenticated user of the tenant, to outside (Originating, Internal, DIR:OUT)
 *   intra-org  an authenticated user of the tenant, to inside (Originating, Internal, DIR:INT)
 *   inbound    from the internet (Incoming, Anonymous, DIR:INB, Authentication-Results)
 *   spoof      from the internet with one of the tenant's own domains in From: inbound, and
 *              dmarc=fail / compauth=fail for that domain
 *   hybrid     an on-premises mailbox of a hybrid organisation, over the hybrid connector: Originating,
 *              Internal, AuthMechanism 10, FromEntityHeader HybridOnPrem and yet DIR:INB with SFV:SKI
 *              (as on real hpe.com mail, test/detect/corpus.ts)
 *   connector  outbound mail that left through the organisation's own on-premises or third-party hop
 *              and came back in: AuthAs Anonymous, FromEntityHeader HybridOnPrem, DIR:OUT (as on real
 *              amd.com, xilinx.com, nvidia.com mail)
 */
export type MessageOrigin = 'outbound' | 'intra-org' | 'inbound' | 'spoof' | 'hybrid' | 'connector';

export interface HeaderOptions {
  origin?: MessageOrigin;
  /** The tenant's GUID, for X-MS-Exchange-CrossTenant-id. */
  tenantId?: string;
  /** The sending IP of inbound mail. */
  clientIp?: string;
}

export const CRLF = '\r\n';
const LINE = 76;

/** The origin a row's Direction suggests: what a header says when a test did not choose. */
export function defaultOrigin(row: QuarantineRow): MessageOrigin {
  return row.Direction.toLowerCase() === 'inbound' ? 'inbound' : 'outbound';
}

/** A stable pseudo-random hex string per message, so a row's header is the same on every read. */
function hex(seed: string, length: number): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += createHash('sha256').update(`${seed}#${i}`).digest('hex');
  return out.slice(0, length).toUpperCase();
}

/** RFC 5322 date, e.g. Thu, 20 Aug 2026 14:02:11 +0000. */
function rfcDate(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

/** Folds a header field at spaces so no line passes 76 characters, continuing with CRLF + space. */
export function fold(name: string, value: string): string {
  const words = value.split(' ');
  const lines: string[] = [];
  let line = `${name}:`;
  for (const word of words) {
    if (line.length + 1 + word.length > LINE && line.length > name.length + 1) {
      lines.push(line);
      line = ` ${word}`;
    } else {
      line += ` ${word}`;
    }
  }
  lines.push(line);
  return lines.join(CRLF);
}

/** An RFC 2047 encoded word sequence for a non-ASCII value, as Outlook writes subjects. */
function encodeWords(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return value;
  const words: string[] = [];
  let chunk = '';
  for (const char of value) {
    if (Buffer.byteLength(chunk + char, 'utf8') > 45) {
      words.push(`=?utf-8?B?${Buffer.from(chunk, 'utf8').toString('base64')}?=`);
      chunk = '';
    }
    chunk += char;
  }
  if (chunk) words.push(`=?utf-8?B?${Buffer.from(chunk, 'utf8').toString('base64')}?=`);
  return words.join(' ');
}

const domainOf = (address: string): string =>
  address.slice(address.lastIndexOf('@') + 1).toLowerCase() || 'contoso.com';

/** The header block Exchange keeps with a quarantined copy of `row`. */
export function messageHeader(row: QuarantineRow, options: HeaderOptions = {}): string {
  const origin = options.origin ?? defaultOrigin(row);
  const networkMessageId = row.Identity.split('\\')[0].toLowerCase();
  const seed = row.Identity.toLowerCase();
  const received = new Date(Date.parse(row.ReceivedTime.replace(/(\.\d{3})\d*/, '$1')) || Date.now());
  const sent = new Date(received.getTime() - 2000);
  const sender = row.SenderAddress || 'MAILER-DAEMON';
  const senderDomain = domainOf(sender);
  const recipients = row.RecipientAddress.length > 0 ? row.RecipientAddress : ['undisclosed-recipients:;'];
  const tenantId = options.tenantId ?? row.Organization;
  const server = (n: number): string => `CH0PR11MB${hex(`${seed}:${n}`, 4)}.namprd11.prod.outlook.com`;
  const fields: string[] = [];

  if (origin === 'inbound' || origin === 'spoof') {
    const ip = options.clientIp ?? (origin === 'spoof' ? '198.51.100.66' : '203.0.113.25');
    const helo = origin === 'spoof' ? 'vps-4471.bulkhost.example' : `mail.${senderDomain}`;
    const frontDoor = `BN8NAM12FT${hex(`${seed}:fd`, 3)}.eop-nam12.prod.protection.outlook.com`;
    fields.push(
      fold(
        'Received',
        `from ${frontDoor} (2603:10b6:408:e6::4) by ${server(1)} (2603:10b6:610:1::10) with Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.8857.21; ${rfcDate(received)}`,
      ),
    );
    fields.push(
      fold(
        'Received',
        `from ${helo} (${ip}) by ${frontDoor} (10.13.182.91) with Microsoft SMTP Server id 15.20.8857.21 via Frontend Transport; ${rfcDate(received)}`,
      ),
    );
    if (origin === 'spoof') {
      fields.push(
        fold(
          'Authentication-Results',
          `spf=fail (sender IP is ${ip}) smtp.mailfrom=${senderDomain}; dkim=none (message not signed) header.d=none;dmarc=fail action=quarantine header.from=${senderDomain};compauth=fail reason=000`,
        ),
      );
      fields.push(
        fold(
          'Received-SPF',
          `Fail (protection.outlook.com: domain of ${senderDomain} does not designate ${ip} as permitted sender) receiver=protection.outlook.com; client-ip=${ip}; helo=${helo};`,
        ),
      );
    } else {
      fields.push(
        fold(
          'Authentication-Results',
          `spf=pass (sender IP is ${ip}) smtp.mailfrom=${senderDomain}; dkim=pass (signature was verified) header.d=${senderDomain};dmarc=pass action=none header.from=${senderDomain};compauth=pass reason=100`,
        ),
      );
      fields.push(
        fold(
          'Received-SPF',
          `Pass (protection.outlook.com: domain of ${senderDomain} designates ${ip} as permitted sender) receiver=protection.outlook.com; client-ip=${ip}; helo=${helo}; pr=C`,
        ),
      );
    }
  } else if (origin === 'hybrid' || origin === 'connector') {
    // The organisation's own hop (its Exchange server, or a relay it routes outbound mail through)
    // hands the message to Exchange Online's front door over its inbound connector.
    const frontDoor = `BN8NAM11FT${hex(`${seed}:fd`, 3)}.eop-nam11.prod.protection.outlook.com`;
    const hop = origin === 'hybrid' ? `EX01.corp.${senderDomain}` : `relay01.${senderDomain}`;
    fields.push(
      fold(
        'Received',
        `from ${frontDoor} (2603:10b6:404:65:cafe::8f) by ${server(1)} (2603:10b6:610:1::10) with Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.8857.21 via Frontend Transport; ${rfcDate(received)}`,
      ),
    );
    fields.push(
      fold(
        'Received',
        `from ${hop} (192.0.2.18) by ${frontDoor} (10.13.177.58) with Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384) id 15.20.8857.21 via Frontend Transport; ${rfcDate(received)}`,
      ),
    );
    fields.push(
      fold(
        'Received',
        `from mbx01.corp.${senderDomain} (10.0.0.52) by ${hop} (10.0.0.18) with Microsoft SMTP Server (TLS) id 15.2.1544.4; ${rfcDate(sent)}`,
      ),
    );
  } else {
    fields.push(
      fold(
        'Received',
        `from ${server(2)} (2603:10b6:610:1::20) by ${server(1)} (2603:10b6:610:1::10) with Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.8857.21; ${rfcDate(received)}`,
      ),
    );
    fields.push(
      fold(
        'Received',
        `from ${server(3)} ([fe80::${hex(`${seed}:ip`, 4).toLowerCase()}]) by ${server(3)} ([fe80::${hex(`${seed}:ip`, 4).toLowerCase()}%5]) with mapi id 15.20.8857.021; ${rfcDate(sent)}`,
      ),
    );
  }
  fields.push(fold('From', sender.includes('@') ? `<${sender}>` : sender));
  fields.push(fold('To', recipients.map((address) => (address.includes('@') ? `<${address}>` : address)).join(', ')));
  fields.push(fold('Subject', encodeWords(row.Subject)));
  fields.push(fold('Thread-Topic', encodeWords(row.Subject)));
  fields.push(`Thread-Index: A${hex(`${seed}:ti`, 30).toLowerCase()}==`);
  fields.push(`Date: ${rfcDate(sent)}`);
  fields.push(fold('Message-ID', row.MessageId || `<${hex(seed, 16)}@${senderDomain}>`));
  fields.push('Accept-Language: en-US');
  fields.push('Content-Language: en-US');
  fields.push('X-MS-Has-Attach: ');
  fields.push('X-MS-TNEF-Correlator: ');
  fields.push('MIME-Version: 1.0');
  fields.push(fold('Content-Type', `multipart/alternative; boundary="_000_${hex(`${seed}:b`, 24)}_"`));

  if (origin === 'hybrid' || origin === 'connector') {
    pushHopStamps(fields, origin, { seed, networkMessageId, tenantId, received, senderDomain, server });
    return fields.join(CRLF) + CRLF;
  }
  const internal = origin === 'outbound' || origin === 'intra-org';
  const dir = origin === 'outbound' ? 'OUT' : origin === 'intra-org' ? 'INT' : 'INB';
  const category = /phish/i.test(row.QuarantineTypes)
    ? /highconf/i.test(row.QuarantineTypes)
      ? 'HPHISH'
      : 'PHSH'
    : /malware/i.test(row.QuarantineTypes)
      ? 'MALW'
      : /spam|bulk/i.test(row.QuarantineTypes)
        ? 'SPM'
        : 'NONE';
  const scl = internal && category === 'NONE' ? 1 : category === 'NONE' ? 1 : 9;
  fields.push(`X-MS-Exchange-Organization-SCL: ${internal ? -1 : scl}`);
  fields.push(`X-MS-Exchange-Organization-MessageDirectionality: ${internal ? 'Originating' : 'Incoming'}`);
  fields.push(
    `X-MS-Exchange-Organization-AuthSource: ${internal ? server(3) : `BN8NAM12FT${hex(`${seed}:fd`, 3)}.eop-nam12.prod.protection.outlook.com`}`,
  );
  fields.push(`X-MS-Exchange-Organization-AuthAs: ${internal ? 'Internal' : 'Anonymous'}`);
  if (internal) fields.push('X-MS-Exchange-Organization-AuthMechanism: 04');
  fields.push(`X-MS-Exchange-Organization-Network-Message-Id: ${networkMessageId}`);
  fields.push('X-MS-PublicTrafficType: Email');
  fields.push(
    fold(
      'X-MS-TrafficTypeDiagnostic',
      `${internal ? 'CH0PR11MB0001:EE_' : 'BN8NAM12FT001:EE_'}|CH0PR11MB0002:EE_Quarantine`,
    ),
  );
  const ipField = internal
    ? '255.255.255.255'
    : (options.clientIp ?? (origin === 'spoof' ? '198.51.100.66' : '203.0.113.25'));
  fields.push(
    fold(
      'X-Forefront-Antispam-Report',
      `CIP:${ipField};CTRY:${internal ? '' : 'US'};LANG:en;SCL:${internal ? 1 : scl};SRV:;IPV:${internal ? 'NLI' : 'CAL'};SFV:${category === 'NONE' ? 'NSPM' : 'SPM'};H:${internal ? server(3) : `mail.${senderDomain}`};PTR:;CAT:${category};SFS:(13230040)(366016)(1800799024)(376014);DIR:${dir};SFP:1101;`,
    ),
  );
  if (!internal) fields.push(fold('X-Microsoft-Antispam', 'BCL:0;ARA:13230040|366016|1800799024|376014;'));
  fields.push(`X-MS-Exchange-CrossTenant-Network-Message-Id: ${networkMessageId}`);
  fields.push(
    `X-MS-Exchange-CrossTenant-OriginalArrivalTime: ${rfcDate(received)
      .replace(/^\w+, /, '')
      .replace(' +0000', '.1234 (UTC)')}`,
  );
  fields.push(`X-MS-Exchange-CrossTenant-fromentityheader: ${internal ? 'Hosted' : 'Internet'}`);
  fields.push(`X-MS-Exchange-CrossTenant-id: ${tenantId}`);
  if (internal) fields.push('X-MS-Exchange-CrossTenant-AuthAs: Internal');
  fields.push(`X-MS-Exchange-Transport-CrossTenantHeadersStamped: ${server(1).split('.')[0]}`);
  return fields.join(CRLF) + CRLF;
}

/**
 * Exchange Online's stamps on mail that reached it over the organisation's own connector, in the
 * order the real ones come (organisation stamps, antispam report, CrossTenant block).
 */
function pushHopStamps(
  fields: string[],
  origin: 'hybrid' | 'connector',
  m: {
    seed: string;
    networkMessageId: string;
    tenantId: string;
    received: Date;
    senderDomain: string;
    server: (n: number) => string;
  },
): void {
  const hybrid = origin === 'hybrid';
  const hop = hybrid ? `EX01.corp.${m.senderDomain}` : `relay01.${m.senderDomain}`;
  const frontDoor = `BN8NAM11FT${hex(`${m.seed}:fd`, 3)}.eop-nam11.prod.protection.outlook.com`;
  fields.push(`X-OrganizationHeadersPreserved: ${hop}`);
  fields.push(`X-MS-Exchange-Organization-Network-Message-Id: ${m.networkMessageId}`);
  fields.push('X-EOPAttributedMessage: 0');
  fields.push('X-MS-Exchange-Organization-MessageDirectionality: Originating');
  fields.push(`X-MS-Exchange-Organization-AuthSource: ${hybrid ? `mbx01.corp.${m.senderDomain}` : frontDoor}`);
  fields.push(`X-MS-Exchange-Organization-AuthAs: ${hybrid ? 'Internal' : 'Anonymous'}`);
  if (hybrid) fields.push('X-MS-Exchange-Organization-AuthMechanism: 10');
  fields.push(`X-CrossPremisesHeadersPromoted: ${frontDoor}`);
  fields.push('X-MS-PublicTrafficType: Email');
  fields.push(`X-OriginatorOrg: ${m.senderDomain}`);
  fields.push(`X-MS-Exchange-Organization-SCL: ${hybrid ? -1 : 1}`);
  fields.push(
    fold(
      'X-Forefront-Antispam-Report',
      hybrid
        ? `CIP:192.0.2.18;CTRY:US;LANG:en;SCL:-1;SRV:;IPV:NLI;SFV:SKI;H:${hop};PTR:InfoDomainNonexistent;CAT:NONE;SFS:;DIR:INB;`
        : `CIP:192.0.2.18; CTRY:US; LANG:en; SCL:1; SRV:; IPV:CAL; SFV:NSPM; H:${hop}; PTR:InfoDomainNonexistent; CAT:NONE; SFS:(13230040)(82310400026)(36860700013); DIR:OUT; SFP:1101; `,
    ),
  );
  fields.push(`X-MS-Exchange-CrossTenant-Network-Message-Id: ${m.networkMessageId}`);
  fields.push(
    `X-MS-Exchange-CrossTenant-OriginalArrivalTime: ${rfcDate(m.received)
      .replace(/^\w+, /, '')
      .replace(' +0000', '.1234 (UTC)')}`,
  );
  fields.push(`X-MS-Exchange-CrossTenant-Id: ${m.tenantId}`);
  fields.push(
    fold(
      'X-MS-Exchange-CrossTenant-OriginalAttributedTenantConnectingIp',
      `TenantId=${m.tenantId};Ip=[192.0.2.18];Helo=[${hop}]`,
    ),
  );
  fields.push(`X-MS-Exchange-CrossTenant-AuthSource: ${hybrid ? `mbx01.corp.${m.senderDomain}` : frontDoor}`);
  fields.push(`X-MS-Exchange-CrossTenant-AuthAs: ${hybrid ? 'Internal' : 'Anonymous'}`);
  fields.push('X-MS-Exchange-CrossTenant-FromEntityHeader: HybridOnPrem');
  fields.push(`X-MS-Exchange-Transport-CrossTenantHeadersStamped: ${m.server(1).split('.')[0]}`);
}

/** The kinds of hostile header text a parser must survive. */
export type HostileHeaderKind = 'field-twice' | 'huge' | 'non-ascii' | 'bare-lf' | 'bare-cr' | 'no-origin';

/** Size of the 'huge' header: 300 KB, past any sane per-field bound. */
export const HUGE_HEADER_BYTES = 300 * 1024;

/**
 * A hostile variant of `row`'s header: each says something different about origin, or nothing,
 * so a parser that crashes, reads the wrong copy of a field or trusts garbage shows up.
 *   field-twice  MessageDirectionality, AuthAs and X-Forefront-Antispam-Report twice, saying
 *                Originating/Internal/DIR:OUT first and Incoming/Anonymous/DIR:INB last
 *   huge         the real header (inbound) plus 300 KB of folded X-Junk lines
 *   non-ascii    raw UTF-8 and Latin-1 mojibake, a NUL and a C1 control in field values
 *   bare-lf      the real header (inbound) with LF line ends
 *   bare-cr      the real header (inbound) with CR line ends
 *   no-origin    only From, To, Subject, Date, Message-ID: no Exchange stamps at all
 */
export function hostileHeader(row: QuarantineRow, kind: HostileHeaderKind): string {
  const inbound = messageHeader(row, { origin: 'inbound' });
  switch (kind) {
    case 'field-twice':
      return (
        messageHeader(row, { origin: 'outbound' }) +
        [
          'X-MS-Exchange-Organization-MessageDirectionality: Incoming',
          'X-MS-Exchange-Organization-AuthAs: Anonymous',
          'X-Forefront-Antispam-Report: CIP:203.0.113.25;SFV:SPM;CAT:PHSH;DIR:INB;',
        ].join(CRLF) +
        CRLF
      );
    case 'huge': {
      const filler: string[] = [];
      let size = Buffer.byteLength(inbound);
      for (let i = 0; size < HUGE_HEADER_BYTES; i++) {
        const line = fold(`X-Junk-${i}`, Array.from({ length: 30 }, (_, w) => `w${i}x${w}`).join(' '));
        filler.push(line);
        size += Buffer.byteLength(line) + 2;
      }
      return inbound + filler.join(CRLF) + CRLF;
    }
    case 'non-ascii':
      return (
        inbound.replace(/^Subject: .*$/m, 'Subject: Grüße aus Köln – Rechnung 📎 Ã¼berfÃ¤llig') +
        [
          'X-Mailer: Outlook\u0000Express\u0085 6.0',
          'X-Original-From: "Müller, Jürgen" <jürgen@fabrikam.example>',
          'X-Bytes: \u00ff\u00fe\u00fd\u0080',
        ].join(CRLF) +
        CRLF
      );
    case 'bare-lf':
      return inbound.replace(/\r\n/g, '\n');
    case 'bare-cr':
      return inbound.replace(/\r\n/g, '\r');
    case 'no-origin':
      return (
        [
          `From: <${row.SenderAddress}>`,
          `To: ${row.RecipientAddress.map((a) => `<${a}>`).join(', ')}`,
          `Subject: ${encodeWords(row.Subject)}`,
          `Date: ${rfcDate(new Date())}`,
          `Message-ID: ${row.MessageId}`,
        ].join(CRLF) + CRLF
      );
  }
}
