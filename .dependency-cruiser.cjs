// The layering of Fleetpane, checked on every `npm test` (ARCHITECTURE.md, layout).
// From the bottom: shared/ and backend/domain/ (pure rules) -> providers/common/ -> each provider ->
// store -> analytics, sync, accounts, reports -> api -> server, cli -> runtime (the composition root).
// The renderer and the Electron shell sit beside the backend and meet it only through shared/.

const backend = '^electron/backend/';
const provider = `${backend}providers/(?!common/|registry|types|index)[^/]+/`;
// Tests and their helpers may reach up (an integration test drives a provider through the store);
// they are still held to no-circular.
const liveCode = (path) => ({ path, pathNot: '(\\.test\\.tsx?$|/testing/)' });

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle means two folders cannot be understood, tested or moved apart.',
      from: { path: '^(electron|shared|renderer)/' },
      to: { circular: true },
    },
    {
      name: 'shared-is-pure',
      severity: 'error',
      comment: 'shared/ runs in the renderer, the shell and the backend: it imports only shared/.',
      from: { path: '^shared/' },
      to: { path: '^(electron|renderer|e2e|bench)/' },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'The domain core holds the glossary rules; it stands below everything in the backend.',
      from: { path: `${backend}domain/` },
      to: { path: '^(electron|renderer)/', pathNot: `${backend}domain/` },
    },
    {
      name: 'renderer-only-shared',
      severity: 'error',
      comment: 'The renderer reaches the backend only through the contract in shared/.',
      from: { path: '^renderer/' },
      to: { path: '^(electron|e2e|bench)/' },
    },
    {
      name: 'provider-not-to-provider',
      severity: 'error',
      comment: 'A provider never imports another provider; what two share lives in providers/common/.',
      from: liveCode(`${backend}providers/([^/]+)/`),
      to: {
        path: `${backend}providers/([^/]+)/`,
        pathNot: [`${backend}providers/$1/`, `${backend}providers/common/`],
      },
    },
    {
      name: 'common-not-to-provider',
      severity: 'error',
      comment: 'The common kit serves every provider and knows none of them.',
      from: liveCode(`${backend}providers/common/`),
      to: { path: provider },
    },
    {
      name: 'providers-below-store',
      severity: 'error',
      comment: 'Providers yield batches; they never touch the store, sync, api, server, cli, reports or runtime.',
      from: liveCode(`${backend}providers/`),
      to: { path: `${backend}(store|sync|api|server|cli|reports|runtime|accounts|analytics)/` },
    },
    {
      name: 'store-not-to-analytics',
      severity: 'error',
      comment: 'The store takes its rules from the domain core, not from analytics built on top of it.',
      from: liveCode(`${backend}store/`),
      to: { path: `${backend}(analytics|sync|api|server|cli|reports|runtime|accounts)/` },
    },
    {
      name: 'reports-not-to-transport',
      severity: 'error',
      comment: 'Reports are handed a PDF printer; they never start a server or an API of their own.',
      from: liveCode(`${backend}reports/`),
      to: { path: `${backend}(server|api|cli|runtime)/` },
    },
    {
      name: 'shell-not-to-cli',
      severity: 'error',
      comment: 'The desktop host starts through the runtime, as serve and the CLI do.',
      from: liveCode('^electron/(main|preload)/'),
      to: { path: `${backend}cli/` },
    },
    {
      name: 'only-roots-use-runtime',
      severity: 'error',
      comment: 'The composition root is used by the entry points (cli, the desktop host), never by what it builds.',
      from: { path: backend, pathNot: `${backend}(cli|runtime)/|${backend}cli\\.ts$` },
      to: { path: `${backend}runtime/` },
    },
    {
      name: 'live-code-not-to-migrations',
      severity: 'error',
      comment: 'Migrations are frozen history: live code never runs SQL exported by a migration.',
      from: { path: backend, pathNot: `${backend}store/schema/` },
      to: { path: `${backend}store/schema/v[0-9]+` },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|out|dist|\\.tsbuild)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
