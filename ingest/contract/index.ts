// The contract ingest and transform share — the only thing they share.
export * from './browser.ts'
export * from './content.ts'
export * from './event.ts'
