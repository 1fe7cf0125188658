// Entry of the Kafka delivery thread (delivery-thread.ts): registers tsx in this thread, then runs the worker's
// TypeScript source. A worker thread does not inherit the loader hooks that bin/nhip registered in the main one.
import { register } from 'tsx/esm/api'

register()
await import('./delivery-thread-worker.ts')
