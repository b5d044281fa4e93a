/**
 * The import rules, checked over every import, direct or through other modules (npm run lint).
 * Adapters hold the SDKs; use cases reach them through their ports, wired in shared/app/ (the one
 * composition root); pure modules (decisions, email, report data, health problems, job formats) reach
 * no I/O at all. Type-only imports count: a port's type from an adapter file is still a coupling.
 */
/** Any SDK, wherever node_modules resolves (worktrees link it). */
const SDK = '(^|/)node_modules/(@azure|@microsoft)/';
/** Node's modules that touch the world (files, network, processes); node:crypto and node:path are pure. */
const NODE_IO = '^(node:)?(fs|fs/promises|net|http|https|http2|tls|dns|child_process|dgram|worker_threads)$';
const ADAPTERS = [
  '^shared/(store|queue|graph|auth)/',
  '^shared/audit/managementActivityClient\\.ts$',
  '^shared/exchange/exchangeClient\\.ts$',
  '^shared/report/(charts|writeReport)\\.ts$',
];
const USE_CASES = '^shared/(detect|snapshot|notify|report|alerts|health)/';
const PURE = [
  '^shared/detect/(decide|origin|domains)\\.ts$',
  '^shared/email/',
  '^shared/report/(activity|days|reportData|renderReport)\\.ts$',
  '^shared/health/problems\\.ts$',
  '^shared/alerts/rules\\.ts$',
  '^shared/jobs/',
];

/** One rule per SDK: it may be imported only from its adapter folder. */
function sdkOnlyIn(sdk, folder) {
  return {
    name: `sdk-${sdk.replace(/[@/]/g, '-').replace(/^-+/, '')}-only-in-${folder.replace(/^shared\//, '').replace(/\W/g, '')}`,
    comment: `${sdk} is used only in ${folder}: everything else reaches it through a port.`,
    severity: 'error',
    from: { pathNot: `^${folder}` },
    to: { path: `(^|/)node_modules/${sdk}/` },
  };
}

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Modules that import each other cannot be read, tested or moved one at a time.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-circular-folders',
      comment: 'Folders that import each other (audit/ <-> detect/) are one module in disguise: ports go one way.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^shared/' },
      to: { circular: true },
    },
    sdkOnlyIn('@azure/data-tables', 'shared/store/'),
    sdkOnlyIn('@azure/storage-queue', 'shared/queue/'),
    sdkOnlyIn('@microsoft/microsoft-graph-client', 'shared/graph/'),
    sdkOnlyIn('@azure/identity', 'shared/auth/'),
    sdkOnlyIn('@azure/functions', 'functions/'),
    {
      name: 'sdk-core-auth-only-in-adapters',
      comment: '@azure/core-auth (the credential type) belongs to the storage and identity adapters.',
      severity: 'error',
      from: { pathNot: '^shared/(store|queue|auth)/' },
      to: { path: '(^|/)node_modules/@azure/core-auth/' },
    },
    {
      name: 'use-cases-off-adapters',
      comment: 'A use case reaches the outside world through its ports; shared/app/ wires the adapters in.',
      severity: 'error',
      from: { path: USE_CASES, pathNot: ADAPTERS },
      to: { path: ADAPTERS },
    },
    {
      name: 'use-cases-off-sdks',
      comment: 'No import chain from a use case ends in an SDK.',
      severity: 'error',
      from: { path: USE_CASES, pathNot: ADAPTERS },
      to: { path: SDK, reachable: true },
    },
    {
      name: 'pure-off-io',
      comment:
        'Pure modules (decisions, email, report data, health problems, job formats) reach no I/O, however indirectly.',
      severity: 'error',
      from: { path: PURE },
      to: { path: [SDK, ...ADAPTERS], reachable: true },
    },
    {
      name: 'pure-off-node-io',
      comment: 'Pure modules touch no files, network or processes, however indirectly.',
      severity: 'error',
      from: { path: PURE },
      to: { path: NODE_IO, reachable: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    preserveSymlinks: true,
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|coverage)/' },
  },
};
