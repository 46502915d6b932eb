// The dependency rules of docs/architecture.md, checked in npm test (test/architecture.test.ts) and by
// `npx depcruise --config .dependency-cruiser.cjs domain gateway adapters queues certs config bin`.
// Data flows one way (intake → decide → enqueue → sign → send → ack → receipt) and so do imports.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-a-leaf',
      comment: 'domain/ is the folder everyone may import; it imports nothing of the project and no I/O library.',
      severity: 'error',
      from: { path: '^domain/' },
      to: { pathNot: '^domain/', dependencyTypesNot: ['core'] },
    },
    {
      name: 'domain-knows-no-io',
      severity: 'error',
      from: { path: '^domain/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'routing-is-pure',
      comment: 'gateway/routing/ decides from values: it imports domain/, itself and config types only (and crypto for the client pseudonym), no I/O.',
      severity: 'error',
      from: { path: '^gateway/routing/' },
      to: { pathNot: ['^domain/', '^gateway/routing/', '^config/schema\\.ts$', '^crypto$'] },
    },
    {
      name: 'routing-takes-config-types-only',
      severity: 'error',
      from: { path: '^gateway/routing/' },
      to: { path: '^config/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'certs-know-no-http-or-queues',
      severity: 'error',
      from: { path: '^certs/' },
      // certs/ reads key files and runs worker threads, but speaks no HTTP and knows no queue; the one
      // adapter it shares is the safe XML parser (the signer and verifier must read what intake read).
      to: { path: ['^gateway/', '^queues/', '^adapters/(?!xml/)', '^(express|bullmq|ioredis|undici|soap)$', '^(net|http|https|tls)$'] },
    },
    {
      name: 'config-knows-nothing-of-the-gateway',
      severity: 'error',
      from: { path: '^config/' },
      to: { path: ['^gateway/', '^queues/', '^adapters/', '^certs/', '^(express|bullmq|ioredis|undici)$'] },
    },
    {
      name: 'double-is-independent',
      comment: 'The Kanta archive double is a separate reading of the spec: none of our builder, signer or routing.',
      severity: 'error',
      from: { path: '^adapters/kanta-double/' },
      to: { path: ['^adapters/kanta/', '^adapters/intake/', '^certs/', '^gateway/', '^queues/'] },
    },
    {
      name: 'only-gateway-reaches-into-gateway',
      comment: 'Shared pieces belong in domain/.',
      severity: 'error',
      from: { path: '^(adapters|certs|config|queues|domain)/' },
      to: { path: '^gateway/' },
    },
    {
      name: 'queues-know-no-http',
      severity: 'error',
      from: { path: '^queues/' },
      to: { path: ['^adapters/', '^certs/', '^(express|undici|soap)$'] },
    },
    {
      name: 'no-cycles',
      severity: 'error',
      from: { pathNot: '^test/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|coverage|var)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.cjs', '.mjs', '.json'] },
  },
};
