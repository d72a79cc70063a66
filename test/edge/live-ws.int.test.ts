// live.int.test.ts again, on the ws + node:http transport (docs/transports.md).
process.env.UWS_USE_FALLBACK = 'true';
await import('./live.int.test.js');
