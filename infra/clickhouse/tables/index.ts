// One module per table or view family (row schema, insert, queries), as in Trigger.dev's clickhouse package.
export * from './articles.ts'
export * from './retention.ts'
export * from './rollups.ts'
export * from './sessions.ts'
export * from './views.ts'
export { TableWriteError } from './shared.ts'
