/**
 * Header text shaped like what Get-QuarantineMessageHeader returns for mail held in Exchange Online
 * (synthetic contoso/fabrikam values, real field names, folding and order). CRLF line ends.
 */

const crlf = (lines: string[]): string => `${lines.join('\r\n')}\r\n`;

/** alice@contoso.com to an external recipient, held by a mail-flow rule: an authenticated user of the tenant sent it. */
export const INTERNAL_OUTBOUND = crlf([
  'Received: from CH0PR11MB0001.namprd11.prod.outlook.com (2603:10b6:610:d4::8) by',
  ' CH0PR11MB0002.namprd11.prod.outlook.com with HTTPS; Thu, 20 Aug 2026 14:02:11',
  ' +0000',
  'Authentication-Results: dkim=none (message not signed)',
  ' header.d=none;dmarc=none action=none header.from=contoso.com;',
  'From: Alice Example <alice@contoso.com>',
  'To: Bob <bob@fabrikam.example>',
  'Subject: Q3 pricing sheet',
  'Date: Thu, 20 Aug 2026 14:02:09 +0000',
  'Message-ID: <CH0PR11MB0001.contoso.onmicrosoft.com@contoso.com>',
  'Content-Language: en-US',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed;',
  '\tboundary="_004_CH0PR11MB0001namp_"',
  'X-MS-Exchange-Organization-Network-Message-Id: 5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d',
  'X-MS-Exchange-Organization-AuthSource: CH0PR11MB0001.namprd11.prod.outlook.com',
  'X-MS-Exchange-Organization-AuthAs: Internal',
  'X-MS-Exchange-Organization-AuthMechanism: 04',
  'X-MS-Exchange-Organization-MessageDirectionality: Originating',
  'X-MS-Exchange-Organization-SCL: 1',
  'X-Forefront-Antispam-Report:',
  ' CIP:255.255.255.255;CTRY:;LANG:en;SCL:1;SRV:;IPV:NLI;SFV:NSPM;H:CH0PR11MB0001.namprd11.prod.outlook.com;PTR:;CAT:NONE;',
  ' SFS:(13230040)(366016)(1800799024);DIR:OUT;SFP:1101;',
  'X-MS-Exchange-Transport-CrossTenantHeadersStamped: CH0PR11MB0002',
]);

/** carol@contoso.com to dan@contoso.com, held by the organisation's own rule: intra-organisation mail. */
export const INTRA_ORG = crlf([
  'Received: from DM6PR11MB0003.namprd11.prod.outlook.com (2603:10b6:5:1c0::12) by',
  ' DM6PR11MB0004.namprd11.prod.outlook.com with HTTPS; Thu, 20 Aug 2026 15:10:00 +0000',
  'From: Carol <carol@contoso.com>',
  'To: Dan <dan@contoso.com>',
  'Subject: Salary bands 2027',
  'X-MS-Exchange-Organization-AuthAs: Internal',
  'X-MS-Exchange-Organization-AuthMechanism: 04',
  'X-MS-Exchange-Organization-MessageDirectionality: Originating',
  'X-Forefront-Antispam-Report: CIP:255.255.255.255;CTRY:;LANG:en;SCL:1;SRV:;IPV:NLI;SFV:NSPM;H:DM6PR11MB0003.namprd11.prod.outlook.com;PTR:;CAT:NONE;SFS:(13230040);DIR:INT;SFP:1101;',
]);

/** Internet mail with the tenant's own domain in From, failing composite authentication: a spoof. */
export const INTERNET_SPOOF = crlf([
  'Received: from DM6NAM11FT012.eop-nam11.prod.protection.outlook.com (2603:10b6:5:3c0::20)',
  ' by DM6PR11MB0004.namprd11.prod.outlook.com (2603:10b6:5:1c0::12) with Microsoft SMTP',
  ' Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.8000.1;',
  ' Thu, 20 Aug 2026 16:00:00 +0000',
  'Received: from mail.evil.example (203.0.113.7) by DM6NAM11FT012.mail.protection.outlook.com',
  ' (10.13.173.109) with Microsoft SMTP Server id 15.20.8000.1; Thu, 20 Aug 2026 16:00:00 +0000',
  'Authentication-Results: spf=fail (sender IP is 203.0.113.7)',
  ' smtp.mailfrom=contoso.com; dkim=none (message not signed)',
  ' header.d=none;dmarc=fail action=quarantine header.from=contoso.com;compauth=fail',
  ' reason=000',
  'Received-SPF: Fail (protection.outlook.com: domain of contoso.com does not designate',
  ' 203.0.113.7 as permitted sender) receiver=protection.outlook.com; client-ip=203.0.113.7;',
  'From: "IT Helpdesk" <helpdesk@contoso.com>',
  'To: alice@contoso.com',
  'Subject: Your password expires today',
  'X-MS-Exchange-Organization-AuthSource: DM6NAM11FT012.eop-nam11.prod.protection.outlook.com',
  'X-MS-Exchange-Organization-AuthAs: Anonymous',
  'X-MS-Exchange-Organization-MessageDirectionality: Incoming',
  'X-MS-Exchange-Organization-SCL: 9',
  'X-Forefront-Antispam-Report: CIP:203.0.113.7;CTRY:US;LANG:en;SCL:9;SRV:;IPV:NLI;SFV:SPM;',
  ' H:mail.evil.example;PTR:mail.evil.example;CAT:HPHISH;SFS:(13230040)(4636009);DIR:INB;',
]);

/** A notice the product sent (it carries the product's x-qrn- headers), held and released. */
export const OWN_NOTICE = INTERNAL_OUTBOUND.replace(
  'Subject: Q3 pricing sheet',
  'Subject: Released: Q3 pricing sheet\r\nx-qrn-network-message-ids: 5b0f7c1e-3c1a-4e22-9d3c-08de0a1b2c3d',
);

/** Lines joined with a line end other than CRLF. */
export function withLineEnds(header: string, end: string): string {
  return header.split('\r\n').join(end);
}
